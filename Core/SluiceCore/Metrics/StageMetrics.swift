import CoreMetrics
import Synchronization

/// The engine's series for one component, updated once per batch: atomics
/// for in-process readers (progress line, summary, topology) and the
/// swift-metrics handles behind `/metrics`.
public final class StageMetrics: Sendable {
    public let name: String
    public let role: ComponentRole
    let recordsIn = Atomic<Int>(0)
    let recordsOut = Atomic<Int>(0)
    let deadLettered = Atomic<Int>(0)
    let retries = Atomic<Int>(0)
    let batches = Atomic<Int>(0)
    let bytesOut = Atomic<Int>(0)

    private let inCounter: Counter
    private let outCounter: Counter
    private let deadLetterCounter: Counter
    private let retryCounter: Counter
    private let batchCounter: Counter
    private let batchDuration: Timer
    /// Sinks only; observed a batch at a time (see `LatencyHistogram`).
    private let endToEnd: LatencyHistogram?
    private let backpressure: FloatingPointCounter
    private let queueDepth: Gauge
    private let queueCapacity: Gauge
    private let ready: Gauge

    init(name: String, role: ComponentRole, labels: [(String, String)], factory: any MetricsFactory, endToEnd: LatencyHistogram?) {
        self.name = name
        self.role = role
        func records(_ outcome: String) -> Counter {
            Counter(label: MetricNames.records, dimensions: labels + [("outcome", outcome)], factory: factory)
        }
        inCounter = records("in")
        outCounter = records("out")
        deadLetterCounter = records("dead_lettered")
        retryCounter = records("retried")
        batchCounter = Counter(label: MetricNames.batches, dimensions: labels, factory: factory)
        batchDuration = Timer(label: MetricNames.batchDuration, dimensions: labels, factory: factory)
        self.endToEnd = endToEnd
        backpressure = FloatingPointCounter(label: MetricNames.backpressure, dimensions: labels, factory: factory)
        queueDepth = Gauge(label: MetricNames.queueDepth, dimensions: labels, factory: factory)
        queueCapacity = Gauge(label: MetricNames.queueCapacity, dimensions: labels, factory: factory)
        ready = Gauge(label: MetricNames.ready, dimensions: labels, factory: factory)
    }

    /// A batch of `count` records arrived (sources: was read).
    func received(_ count: Int) {
        recordsIn.wrappingAdd(count, ordering: .relaxed)
        batches.wrappingAdd(1, ordering: .relaxed)
        inCounter.increment(by: count)
        batchCounter.increment()
    }

    /// `count` records went out (processors: emitted; sinks: written).
    func sent(_ count: Int, bytes: Int = 0) {
        recordsOut.wrappingAdd(count, ordering: .relaxed)
        if bytes > 0 { bytesOut.wrappingAdd(bytes, ordering: .relaxed) }
        outCounter.increment(by: count)
    }

    func failed(_ count: Int) {
        deadLettered.wrappingAdd(count, ordering: .relaxed)
        deadLetterCounter.increment(by: count)
    }

    func retried(_ count: Int) {
        retries.wrappingAdd(count, ordering: .relaxed)
        retryCounter.increment(by: count)
    }

    /// One poll, process or write of a batch took this long.
    func batchTook(nanos: UInt64) {
        batchDuration.recordNanoseconds(Int64(clamping: nanos))
    }

    /// A sink wrote `records` but those at `failed`: one latency observation
    /// per written record that has an event time.
    func written(_ records: RecordBuffer, failed: [Int], nowMillis: Int64) {
        endToEnd?.observe(records, failed: failed, nowMillis: nowMillis)
    }

    /// This stage waited for room downstream.
    func blocked(nanos: UInt64) {
        backpressure.increment(by: Double(nanos) / 1e9)
    }

    /// Scrape-time values: sampled when the page is asked for, not kept up to date per batch.
    func sample(queueDepth depth: Int, capacity: Int, isReady: Bool) {
        queueDepth.record(depth)
        queueCapacity.record(capacity)
        ready.record(isReady ? 1 : 0)
    }

    public var snapshot: Snapshot {
        Snapshot(name: name, role: role, recordsIn: recordsIn.load(ordering: .relaxed), recordsOut: recordsOut.load(ordering: .relaxed),
                 deadLettered: deadLettered.load(ordering: .relaxed), retries: retries.load(ordering: .relaxed),
                 batches: batches.load(ordering: .relaxed), bytesOut: bytesOut.load(ordering: .relaxed))
    }

    /// Counts at one moment. For a sink, `recordsOut` is what it wrote.
    public struct Snapshot: Sendable {
        public let name: String
        public let role: ComponentRole
        public let recordsIn: Int
        public let recordsOut: Int
        public let deadLettered: Int
        public let retries: Int
        public let batches: Int
        public let bytesOut: Int

        /// Records a processor dropped on purpose (neither emitted from nor failed).
        public var filtered: Int { role == .processor ? max(0, recordsIn - deadLettered) - min(recordsOut, recordsIn) : 0 }
    }
}

/// Records sent along one wire of the graph.
final class EdgeCounter: Sendable {
    private let count = Atomic<Int>(0)
    private let counter: Counter

    init(counter: Counter) { self.counter = counter }

    func add(_ n: Int) {
        count.wrappingAdd(n, ordering: .relaxed)
        counter.increment(by: n)
    }

    var value: Int { count.load(ordering: .relaxed) }
}
