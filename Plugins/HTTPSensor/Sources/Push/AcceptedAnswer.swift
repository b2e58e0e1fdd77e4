import NIOCore
import NIOHTTP1

/// A 2xx answer to a push, encoded once and sent again as it is to every
/// request it fits: the same counts, status, HTTP version and keep-alive.
/// A client that sends equal batches (as gateways do) gets every answer
/// without a JSON body, a header list or a buffer built for it.
struct AcceptedAnswer {
    let head: HTTPResponseHead
    let body: ByteBuffer
    private let version: HTTPVersion
    private let keepAlive: Bool
    private let readings: Int
    private let duplicates: Int

    init(_ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ readings: Int, _ duplicates: Int, allocator: ByteBufferAllocator) {
        var body = allocator.buffer(capacity: 48)
        body.writeString(#"{"accepted":"#)
        body.writeString(String(readings))
        body.writeString(#","duplicates":"#)
        body.writeString(String(duplicates))
        body.writeString("}\n")
        self.body = body
        head = Self.head(for: request, status, [], bodyBytes: body.readableBytes, closing: false)
        version = request.version
        keepAlive = request.isKeepAlive
        self.readings = readings
        self.duplicates = duplicates
    }

    func matches(_ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ readings: Int, _ duplicates: Int) -> Bool {
        readings == self.readings && duplicates == self.duplicates && status == head.status
            && request.version == version && request.isKeepAlive == keepAlive
    }

    /// The head of a JSON answer of `bodyBytes` bytes to `request`. `closing`:
    /// the caller closes anyway and `extra` says so (Connection: close).
    static func head(for request: HTTPRequestHead, _ status: HTTPResponseStatus, _ extra: [(String, String)], bodyBytes: Int,
                     closing: Bool) -> HTTPResponseHead
    {
        var headers = HTTPHeaders(extra)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(bodyBytes))
        if !request.isKeepAlive, !closing { headers.add(name: "Connection", value: "close") }
        return HTTPResponseHead(version: request.version, status: status, headers: headers)
    }
}
