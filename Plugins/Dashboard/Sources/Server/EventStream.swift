import NIOCore
import NIOHTTP1

/// One page's server-sent event stream: an HTTP response that stays open.
///
/// Sends come from any thread; the channel runs each on its event loop in
/// the order they were made (`LiveSeries` makes them under its lock). A
/// page that stops reading is cut off rather than buffered for without
/// bound: its browser reconnects and starts again from a snapshot.
final class EventStream: Sendable {
    let channel: Channel

    init(channel: Channel) {
        self.channel = channel
    }

    /// Writes `event: NAME` with `data`; false when the stream is gone or too far behind (it is then closed).
    func send(event: String, data: [UInt8]) -> Bool {
        var buffer = channel.allocator.buffer(capacity: data.count + event.utf8.count + 16)
        buffer.writeString("event: \(event)\ndata: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return write(buffer)
    }

    /// Writes a comment line, which EventSource ignores.
    func sendComment() -> Bool {
        write(channel.allocator.buffer(string: ": keep-alive\n\n"))
    }

    func close() {
        channel.close(promise: nil)
    }

    private func write(_ buffer: ByteBuffer) -> Bool {
        guard channel.isActive else { return false }
        guard channel.isWritable else {
            close()
            return false
        }
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        return true
    }
}
