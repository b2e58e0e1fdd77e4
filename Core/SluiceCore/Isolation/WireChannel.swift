import Foundation

/// How the isolation messages (`IsolationWire`) travel between the host
/// and a plugin child: each message's bytes in a shared region, one per
/// direction (`SharedRegion`), and on a pipe a control frame of 9 bytes
/// saying where: the tag `frameTag`, then the span's u32 offset and u32
/// length (little-endian). The message layer sends and receives whole
/// messages and does not see how they move.
///
/// The pipes stay so that a child that dies is noticed as before: its end
/// of the pipe closes (end of file for the host, an error on write), and
/// the host waits on the pipe with `engine.call_timeout_ms`.
///
/// In the child, the host's pipe is stdin and its regions are the
/// descriptors `childRequestRegion` and `childAnswerRegion`.
final class WireChannel {
    static let frameTag: UInt8 = 0x53
    static let frameSize = 9
    /// The child's descriptor of the region the host writes requests in.
    static let childRequestRegion: Int32 = 3
    /// The child's descriptor of the region it writes answers in.
    static let childAnswerRegion: Int32 = 4

    private let outgoing: SharedRegion
    private let sendPipe: Int32
    private let incoming: SharedRegion
    /// The pipe the control frames of incoming messages arrive on.
    let receivePipe: Int32
    /// Why the last send or receive failed, when it was not only that the
    /// other side ended (a message past the bounds, a frame that lies).
    private(set) var refusal: String?

    /// A channel over two regions and two pipe ends, which it does not own.
    init(outgoing: SharedRegion, sendPipe: Int32, incoming: SharedRegion, receivePipe: Int32) {
        precondition(outgoing.role == .writer && incoming.role == .reader)
        self.outgoing = outgoing
        self.sendPipe = sendPipe
        self.incoming = incoming
        self.receivePipe = receivePipe
    }

    /// Sends one message; false if it is past the bounds or the other side is gone.
    func send(_ message: [UInt8]) -> Bool {
        refusal = nil
        switch message.withUnsafeBytes(outgoing.write) {
        case let .success(span): return ByteIO.writeAll(sendPipe, Self.frame(span))
        case let .failure(refused):
            refusal = refused.description
            return false
        }
    }

    /// The next message, copied out of the region; nil at end of file, or
    /// when its control frame does not hold or names bytes outside the region.
    func receive() -> [UInt8]? {
        refusal = nil
        guard let bytes = ByteIO.readExactly(receivePipe, Self.frameSize) else { return nil }
        guard let span = Self.span(ofFrame: bytes) else {
            refusal = "a control frame that is not one (\(bytes.map { String($0, radix: 16) }.joined(separator: " ")))"
            return nil
        }
        switch incoming.read(span) {
        case let .success(message): return message
        case let .failure(refused):
            refusal = refused.description
            return nil
        }
    }

    static func frame(_ span: WireSpan) -> [UInt8] {
        var out = [frameTag]
        out.appendLittleEndian(span.offset)
        out.appendLittleEndian(span.length)
        return out
    }

    /// The span a control frame names; nil when it is not a frame.
    static func span(ofFrame bytes: [UInt8]) -> WireSpan? {
        bytes.withUnsafeBytes { b in
            var r = WireCursor(b)
            guard r.u8() == frameTag, let offset = r.u32(), let length = r.u32(), r.isAtEnd else { return nil }
            return WireSpan(offset: offset, length: length)
        }
    }
}
