import Synchronization

/// The engine's own counters for one stage, updated once per batch.
public final class StageMetrics: Sendable {
    public let name: String
    public let role: ComponentRole
    let recordsIn = Atomic<Int>(0)
    let recordsOut = Atomic<Int>(0)
    let deadLettered = Atomic<Int>(0)
    let retries = Atomic<Int>(0)
    let batches = Atomic<Int>(0)
    let bytesOut = Atomic<Int>(0)

    init(name: String, role: ComponentRole) {
        self.name = name
        self.role = role
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
