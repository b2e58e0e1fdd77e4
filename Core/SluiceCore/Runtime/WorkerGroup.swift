import Foundation
import Synchronization

/// A component as the graph sees it: its workers (`workers: N`, default 1),
/// each a stage with its own plugin instance, inbox and thread.
///
/// Producers push into the group, which picks the worker (`WorkerSpread`);
/// every worker sends on to the same consumers, which therefore see one
/// merged stream. Control messages (ends, revocations) go to every worker.
/// The workers share the component's metrics, so a component's series and
/// its line in the status views are the same for 1 worker or N.
final class WorkerGroup: Sendable {
    let name: String
    let metrics: StageMetrics
    let workers: [Stage]
    /// Round-robin position (locked once per batch, never per record).
    private let spread: Mutex<WorkerSpread>
    /// Read without the lock: `assign` does not move the round-robin position.
    private let keyed: WorkerSpread?
    private let revocations: RevocationGate

    init(name: String, metrics: StageMetrics, workers: [Stage], spread mode: Spread) {
        self.name = name
        self.metrics = metrics
        self.workers = workers
        let spread = WorkerSpread(mode: mode, workers: workers.count)
        self.spread = Mutex(spread)
        keyed = mode == .key && workers.count > 1 ? spread : nil
        revocations = RevocationGate(RevocationBarrier(workers: workers.count))
        for (i, worker) in workers.enumerated() {
            worker.group = self
            worker.worker = i
        }
    }

    /// Queues records for the workers, each envelope holding the tickets
    /// once more; returns how long it blocked on full inboxes, in ns. Seals
    /// `records`: from here on they are shared and never appended to.
    func push(_ records: RecordBuffer, tickets: [Ticket], port: Int) -> UInt64 {
        records.seal()
        if workers.count == 1 { return push(records, tickets: tickets, port: port, to: workers[0]) }
        guard let keyed else {
            let turn = spread.withLock { $0.nextTurn() }
            let worker = turn.first { workers[$0].inbox.hasRoom(port: port) } ?? turn[0]
            return push(records, tickets: tickets, port: port, to: workers[worker])
        }
        switch keyed.assign(records) {
        case let .whole(worker):
            return push(records, tickets: tickets, port: port, to: workers[worker])
        case let .parted(parts):
            var waited: UInt64 = 0
            for (worker, indices) in parts.enumerated() where !indices.isEmpty {
                waited += push(RecordBuffer(selecting: indices, from: records), tickets: tickets, port: port, to: workers[worker])
            }
            return waited
        }
    }

    private func push(_ records: RecordBuffer, tickets: [Ticket], port: Int, to worker: Stage) -> UInt64 {
        for t in tickets { t.retain() }
        return worker.inbox.push(.batch(Envelope(records: records, tickets: tickets, port: port)), port: port)
    }

    /// Queues a control message for every worker behind what came in on
    /// `port`, ignoring capacity (it must never deadlock a producer).
    func broadcast(_ message: Message, port: Int) {
        for worker in workers { worker.inbox.pushIgnoringCapacity(message, port: port) }
    }

    /// Worker `worker` has handled a revocation that came in on `port` and
    /// sent on its records before it; `forward` runs when it is the last.
    /// Under the lock, so revocations leave in the order they completed.
    /// Returns once the revocation has been forwarded, so the worker sends
    /// nothing it reads after it ahead of it (a record of a revoked split
    /// that came back would otherwise reach the consumers before they drop
    /// the split's state), or when `giveUp` says the run is past its drain deadline.
    func passRevocation(worker: Int, port: Int, giveUp: () -> Bool, forward: () -> Void) {
        revocations.condition.lock()
        defer { revocations.condition.unlock() }
        if revocations.barrier.passed(worker: worker, port: port) == .forward {
            forward()
            revocations.condition.broadcast()
            return
        }
        while !revocations.barrier.isForwarded(port: port, passedBy: worker), !giveUp() {
            _ = revocations.condition.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
    }

    /// The edges out of the component, per output (every worker has the same).
    var routes: [[Edge]] { workers[0].routes }

    /// Batches waiting in the workers' inboxes, and their room.
    var queueDepth: Int { workers.reduce(0) { $0 + $1.inbox.count } }
    var queueCapacity: Int { workers.reduce(0) { $0 + $1.inbox.capacity } }

    /// The first worker's reason not to be ready, else running (finished once all are).
    var condition: ComponentCondition {
        let conditions = workers.map(\.condition)
        if let notReady = conditions.first(where: { $0.notReadyBecause != nil }) { return notReady }
        return conditions.allSatisfy { $0 == .finished } ? .finished : .running
    }
}
