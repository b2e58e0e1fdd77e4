import Foundation
import NIOCore
import Synchronization

/// Readings pushed over HTTP, waiting for the pipeline to poll them.
///
/// The inbox is the only place a pushed reading lives between its request
/// and the pipeline, so it decides what the client hears: a request is
/// refused whole when its readings do not fit (the client retries), and is
/// answered 2xx only once every reading left the inbox for the pipeline
/// (`enqueued`) or was written by every sink (`delivered`).
///
/// `@unchecked Sendable`: every mutable field is read and written under
/// `condition`, except `wakeScheduled`, an atomic.
final class PushInbox: @unchecked Sendable {
    /// What a request's client is finally told.
    enum Outcome {
        /// Every reading is in the pipeline (or was a repeat).
        case accepted(readings: Int, duplicates: Int)
        /// The pipeline stopped before taking the readings: nothing was kept.
        case unavailable
    }

    /// Who answers a request: `answer` runs on `loop`, its connection's event loop.
    struct Reply: Sendable {
        let loop: EventLoop
        let to: NIOLoopBound<any PushReplyTarget>

        /// On `target`'s own event loop.
        init(_ target: any PushReplyTarget, loop: EventLoop) {
            self.loop = loop
            to = NIOLoopBound(target, eventLoop: loop)
        }

        /// On `loop`.
        func answer(_ outcome: Outcome) { to.value.answer(outcome) }
    }

    private struct Request {
        let id: UInt64
        let readings: PushReadings
        let duplicates: Int
        var next = 0
        let reply: Reply
    }

    private struct Awaiting {
        var unacked: Int
        let readings: Int
        let duplicates: Int
        let reply: Reply
    }

    let capacity: Int
    let replyOnDelivery: Bool
    private let condition = NSCondition()
    private var queue: [Request] = []
    private var head = 0
    private var queued = 0
    private var awaiting: [UInt64: Awaiting] = [:]
    private var nextID: UInt64 = 1
    private var closed = false
    private var dedupe: Dedupe?
    /// A wake-up of `take` is scheduled on an event loop (`wakeTaker`).
    private let wakeScheduled = Atomic<Bool>(false)

    init(capacity: Int, replyOnDelivery: Bool, dedupe: Dedupe?) {
        self.capacity = capacity
        self.replyOnDelivery = replyOnDelivery
        self.dedupe = dedupe
    }

    /// Readings waiting for the pipeline.
    var depth: Int { condition.withLock { queued } }

    /// Queues a request's readings, or returns false (the client must be
    /// told to retry) when they do not fit. A request larger than the whole
    /// inbox is taken when the inbox is empty, so it cannot starve.
    func offer(_ readings: PushReadings, reply: Reply) -> Bool {
        condition.lock()
        guard !closed, queued == 0 || queued + readings.count <= capacity else {
            condition.unlock()
            return false
        }
        var fresh = readings
        if dedupe != nil {
            fresh = readings.filter { dedupe!.isNew(.init($0)) }
        }
        let duplicates = readings.count - fresh.count
        if fresh.isEmpty {
            condition.unlock()
            Self.deliver([(reply, .accepted(readings: 0, duplicates: duplicates))])
            return true
        }
        let wasEmpty = queued == 0
        queue.append(Request(id: nextID, readings: fresh, duplicates: duplicates, reply: reply))
        nextID += 1
        queued += fresh.count
        condition.unlock()
        // Only an empty inbox can have `take` waiting: it waits for the first reading.
        if wasEmpty { wakeTaker(after: reply.loop) }
        return true
    }

    /// Wakes `take` once `loop` has handled the reads it is handling now
    /// (its tasks run after them), so the requests of one round of reads are
    /// handed over with one wake-up. A wake-up per request, sent with the lock
    /// held, made the pipeline's thread and the event loop take turns on the
    /// cores: a futex wake and wait on each side, and a context switch, per
    /// request, which was most of the endpoint's time under load (perf).
    private func wakeTaker(after loop: EventLoop) {
        guard !wakeScheduled.exchange(true, ordering: .sequentiallyConsistent) else { return }
        loop.execute {
            // Cleared first: an offer that finds it still set is covered by the signal that follows.
            self.wakeScheduled.store(false, ordering: .sequentiallyConsistent)
            // Without the lock: `take` checks for readings and starts waiting under it, so it
            // either saw the readings or is waiting already, and the signal cannot be lost.
            self.condition.signal()
        }
    }

    /// Hands up to `max` readings to `emit` (with the token to emit them
    /// under), waiting up to `timeoutMillis` for the first. The readings are
    /// taken under the lock and emitted after it, and requests fully handed
    /// over are answered after that. Returns the readings still waiting.
    /// One thread takes (the source's `poll`).
    func take(max: Int, timeoutMillis: Int, _ emit: (_ document: UnsafeRawBufferPointer, _ eventTime: Int64?, _ token: UInt64) -> Void) -> Int {
        var replies: [(Reply, Outcome)] = []
        var taking: [(readings: PushReadings, id: UInt64, range: Range<Int>)] = []
        condition.lock()
        if queued == 0, timeoutMillis > 0 {
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(timeoutMillis) / 1000))
        }
        var taken = 0
        while taken < max, head < queue.count {
            // A local copy, written back once: `queue` is a class's stored
            // property, and each access to it paid a runtime exclusivity check.
            let request = queue[head]
            // Awaited from its first reading on: the sinks may ack a first
            // part before a later poll takes the rest, and those acks count.
            if replyOnDelivery, request.next == 0 {
                awaiting[request.id] = Awaiting(unacked: request.readings.count, readings: request.readings.count,
                                                duplicates: request.duplicates, reply: request.reply)
            }
            let next = min(request.readings.count, request.next + max - taken)
            taking.append((request.readings, request.id, request.next ..< next))
            taken += next - request.next
            queue[head].next = next
            guard next == request.readings.count else { break }
            if !replyOnDelivery {
                replies.append((request.reply, .accepted(readings: request.readings.count, duplicates: request.duplicates)))
            }
            head += 1
        }
        queued -= taken
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        let left = queued
        condition.unlock()
        // Outside the lock: emitting is the pipeline's work (thousands of
        // instructions a request), and the event loop's `offer` waited for it,
        // blocked on the lock, in a futex wait and a context switch. Only this
        // thread takes, so the readings still go out in order; a request's
        // readings are never written to once offered.
        for (readings, id, range) in taking {
            for i in range {
                readings.withReading(i) { emit($0, $1, id) }
            }
        }
        Self.deliver(replies)
        return left
    }

    /// Every sink wrote the readings emitted under these tokens (one per reading).
    func acknowledge(_ tokens: UnsafeBufferPointer<UInt64>) {
        guard replyOnDelivery else { return }
        var replies: [(Reply, Outcome)] = []
        condition.withLock {
            for id in tokens {
                guard var a = awaiting[id] else { continue }
                a.unacked -= 1
                if a.unacked == 0 {
                    awaiting[id] = nil
                    replies.append((a.reply, .accepted(readings: a.readings, duplicates: a.duplicates)))
                } else {
                    awaiting[id] = a
                }
            }
        }
        Self.deliver(replies)
    }

    /// Refuses new requests and tells every client still waiting that its
    /// readings were not taken, so it sends them again.
    func close() {
        let pending: [Reply] = condition.withLock {
            closed = true
            // A request partly taken is awaited already: answered once, from there.
            let waiting = queue[head...].filter { $0.next == 0 || !replyOnDelivery }.map(\.reply) + awaiting.values.map(\.reply)
            queue.removeAll()
            awaiting.removeAll()
            head = 0
            queued = 0
            return waiting
        }
        Self.deliver(pending.map { ($0, .unavailable) })
    }

    /// Answers on each event loop in one task: one wake-up per loop, not per request.
    private static func deliver(_ replies: [(Reply, Outcome)]) {
        guard let first = replies.first?.0.loop else { return }
        // One event loop (the default `threads: 1`): no grouping to pay for.
        if replies.allSatisfy({ $0.0.loop === first }) { return deliver(replies, on: first) }
        var byLoop: [ObjectIdentifier: (EventLoop, [(Reply, Outcome)])] = [:]
        for r in replies { byLoop[ObjectIdentifier(r.0.loop), default: (r.0.loop, [])].1.append(r) }
        for (loop, batch) in byLoop.values { deliver(batch, on: loop) }
    }

    private static func deliver(_ replies: [(Reply, Outcome)], on loop: EventLoop) {
        if loop.inEventLoop {
            for (reply, outcome) in replies { reply.answer(outcome) }
        } else {
            loop.execute { for (reply, outcome) in replies { reply.answer(outcome) } }
        }
    }
}

/// Hears how a request offered to the inbox ends: a connection's handler,
/// which holds the request it answers. No closure per request.
protocol PushReplyTarget: AnyObject {
    /// On the target's event loop.
    func answer(_ outcome: PushInbox.Outcome)
}
