import Synchronization

/// Run-wide state every stage reads: whether we are draining and until
/// when, and how many more records the sources may read (`--max-records`).
public final class EngineControl: Sendable {
    private let stopping = Atomic<Bool>(false)
    /// Monotonic ns after which retries give up; 0 while not draining.
    private let deadline = Atomic<UInt64>(0)
    private let budget: Atomic<Int>
    /// The run's first dead-letter reasons, for the warning and the exit message.
    public let firstDeadLetters = DeadLetterSamples()

    init(maxRecords: Int?) {
        budget = Atomic(maxRecords ?? Int.max)
    }

    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Begins a graceful drain: sources stop reading; everything read is
    /// still written, retrying until `deadline`.
    func beginDrain(deadline: UInt64) {
        self.deadline.store(deadline, ordering: .relaxed)
        stopping.store(true, ordering: .releasing)
    }

    var drainDeadline: UInt64? {
        guard isStopping else { return nil }
        let d = deadline.load(ordering: .relaxed)
        return d == 0 ? nil : d
    }

    var drainDeadlinePassed: Bool { drainDeadline.map { Clock.monotonicNanos() >= $0 } ?? false }

    /// Takes up to `wanted` records from the budget; returns how many were granted.
    func take(_ wanted: Int) -> Int {
        while true {
            let left = budget.load(ordering: .relaxed)
            if left == Int.max { return wanted }
            let granted = min(left, wanted)
            if granted == 0 { return 0 }
            if budget.compareExchange(expected: left, desired: left - granted, ordering: .relaxed).exchanged { return granted }
        }
    }

    /// Returns records a source was granted but did not read.
    func giveBack(_ n: Int) {
        guard n > 0, budget.load(ordering: .relaxed) != Int.max else { return }
        budget.wrappingAdd(n, ordering: .relaxed)
    }
}
