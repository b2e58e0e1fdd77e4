import NIOCore
import NIOHTTP1

/// An answer as it goes on the wire: status line, headers and body in one
/// buffer, written with one `writeAndFlush`.
///
/// The endpoint's answers are small and whole (a JSON body with its
/// Content-Length), so the connection's pipeline has no response encoder
/// and no pipelining handler: with them, an answer was three writes through
/// three handlers, each part boxed and cast, about a quarter of a request's
/// instructions. `PushHandler` keeps pipelined requests in order itself.
enum HTTPAnswer {
    /// `status` with the JSON text `body` (a newline is added) to a request of
    /// `version`; `close`: the answer says Connection: close.
    static func encode(_ version: HTTPVersion, _ status: HTTPResponseStatus, body: String, headers extra: [(String, String)] = [],
                       close: Bool, allocator: ByteBufferAllocator) -> ByteBuffer
    {
        var buffer = allocator.buffer(capacity: 160 + body.utf8.count)
        buffer.writeString("HTTP/\(version.major).\(version.minor) \(status.code) \(status.reasonPhrase)\r\n")
        for (name, value) in extra {
            buffer.writeString("\(name): \(value)\r\n")
        }
        buffer.writeString("Content-Type: application/json\r\nContent-Length: \(body.utf8.count + 1)\r\n")
        if close { buffer.writeString("Connection: close\r\n") }
        buffer.writeString("\r\n")
        buffer.writeString(body)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return buffer
    }

    /// The interim answer to `Expect: 100-continue`.
    static func continueSending(_ version: HTTPVersion, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 32)
        buffer.writeString("HTTP/\(version.major).\(version.minor) 100 Continue\r\n\r\n")
        return buffer
    }
}

/// A 2xx answer to a push, encoded once and sent again as it is to every
/// request it fits: the same counts, status, HTTP version and keep-alive.
/// A client that sends equal batches (as gateways do) gets every answer
/// without a JSON body, a header or a buffer built for it.
struct AcceptedAnswer {
    let bytes: ByteBuffer
    let status: HTTPResponseStatus
    private let version: HTTPVersion
    private let keepAlive: Bool
    private let readings: Int
    private let duplicates: Int

    init(_ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ readings: Int, _ duplicates: Int, allocator: ByteBufferAllocator) {
        bytes = HTTPAnswer.encode(request.version, status, body: #"{"accepted":\#(readings),"duplicates":\#(duplicates)}"#,
                                  close: !request.isKeepAlive, allocator: allocator)
        self.status = status
        version = request.version
        keepAlive = request.isKeepAlive
        self.readings = readings
        self.duplicates = duplicates
    }

    func matches(_ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ readings: Int, _ duplicates: Int) -> Bool {
        readings == self.readings && duplicates == self.duplicates && status == self.status
            && request.version == version && request.isKeepAlive == keepAlive
    }
}
