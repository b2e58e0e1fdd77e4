import Synchronization

/// Run-wide state every stage reads: whether we are draining and until
/// when, and how many more records the sources may read (`--max-records`).
public final class EngineControl: Sendable {
    private let stopping = Atomic<Bool>(false)
    /// Every record of `--max-records` has been handed out: the sources end
    /// with their input cut short, as on a requested stop.
    private let budgetSpent = Atomic<Bool>(false)
    /// Monotonic ns after which retries give up; 0 while not draining.
    private let deadline = Atomic<UInt64>(0)
    /// Locked once per source batch, never per record.
    private let budget: Mutex<RecordBudget>
    /// The run's first dead-letter reasons, for the warning and the exit message.
    public let firstDeadLetters = DeadLetterSamples()
    /// Failed records the dead-letter queue could not take either (`RunSummary.undeliverable`).
    let undeliverable = Atomic<Int>(0)

    init(maxRecords: Int?, sources: Int = 1) {
        budget = Mutex(RecordBudget(limit: maxRecords, sharers: sources))
    }

    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// The run ends before its input does: a stop was requested, or
    /// `--max-records` were all read (`host->stopping` answers 2).
    var endsPartWay: Bool { isStopping || budgetSpent.load(ordering: .acquiring) }

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

    /// Takes up to `wanted` records of `--max-records`.
    func take(_ wanted: Int, by source: String) -> RecordBudget.Grant {
        budget.withLock {
            let grant = $0.take(wanted, by: source)
            // Under the lock, so that two sources' updates land in the budget's order.
            budgetSpent.store($0.left == 0, ordering: .releasing)
            return grant
        }
    }

    /// A source read `used` of the `granted` records it took; the rest go back.
    func settle(granted: Int, used: Int) {
        budget.withLock {
            $0.settle(granted: granted, used: used)
            budgetSpent.store($0.left == 0, ordering: .releasing)
        }
    }
}
