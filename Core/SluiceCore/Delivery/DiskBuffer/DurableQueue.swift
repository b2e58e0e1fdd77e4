import Foundation

/// A disk buffer shared by the two threads of a buffered sink: the intake
/// appends what arrives (blocking while the buffer is full), the writer
/// takes frames in order and moves the cursor once the sink has written them.
///
/// `@unchecked Sendable`: `log` and `closed` are touched only under `condition` (an NSCondition).
final class DurableQueue: @unchecked Sendable {
    enum Next {
        /// The oldest frame not yet written, and where the cursor goes once it is.
        case frame(RecordBuffer, port: Int, next: SegmentLog.Position)
        /// Nothing arrived within the timeout.
        case idle
        /// The intake has ended and every frame is written.
        case finished
    }

    private let condition = NSCondition()
    private let log: SegmentLog
    private let maxBytes: Int
    private var closed = false

    init(log: SegmentLog, maxBytes: Int) {
        self.log = log
        self.maxBytes = maxBytes
    }

    var directory: String { log.directory }

    /// Bytes appended and not yet written by the sink.
    var pendingBytes: Int { condition.withLock { log.pendingBytes } }

    /// Appends `records`, which came in on input `port`, durably. While the buffer holds `maxBytes`, waits
    /// for the writer to make room (a frame larger than the whole buffer
    /// goes in once the buffer is empty). Returns the nanoseconds it waited.
    func append(_ records: RecordBuffer, port: Int) throws -> UInt64 {
        let frame = BufferFrame.encode(records, port: port)
        condition.lock()
        defer { condition.unlock() }
        var waited: UInt64 = 0
        while log.pendingBytes > 0, log.pendingBytes + frame.count > maxBytes {
            let start = Clock.monotonicNanos()
            condition.wait()
            waited += Clock.monotonicNanos() - start
        }
        try log.append(frame)
        condition.broadcast()
        return waited
    }

    /// The next frame to write, waiting up to `timeout` seconds for one.
    func next(timeout: Double) throws -> Next {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if let (records, port, next) = try log.readFrame() { return .frame(records, port: port, next: next) }
            if closed { return .finished }
            if !condition.wait(until: deadline) { return .idle }
        }
    }

    /// The sink wrote the frame before `position`.
    func written(upTo position: SegmentLog.Position) throws {
        condition.lock()
        defer { condition.unlock() }
        defer { condition.broadcast() }
        try log.advance(to: position)
    }

    /// No more appends will come.
    func close() {
        condition.withLock { closed = true }
        condition.broadcast()
    }
}
