import CCurl
import Foundation
import SluiceSDK

/// One keep-alive libcurl handle, used from one thread.
public final class HTTPClient {
    public struct Response {
        public let status: Int
        public let body: [UInt8]
        /// Response headers, names lower-cased; the last value wins.
        public let headers: [String: String]

        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// No HTTP response came back: connection refused, timeout, TLS failure.
    public struct Failure: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    private let handle: UnsafeMutableRawPointer
    private let fixedHeaders: [String]
    private let sink = ResponseBuffer()

    /// - Parameters:
    ///   - headers: `Name: value` lines sent with every request.
    ///   - timeoutMillis: the whole request; connecting gets at most 3 s of it.
    ///   - followRedirects: follow up to 5 redirects (an API moved to https, say).
    public init(headers: [String], caFile: String? = nil, verify: Bool = true, timeoutMillis: Int, followRedirects: Bool = false) {
        _ = CurlLibrary.ready
        handle = curl_easy_init()
        fixedHeaders = headers
        sluice_curl_set_long(handle, CURLOPT_TIMEOUT_MS, timeoutMillis)
        sluice_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMillis, 3000))
        sluice_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        sluice_curl_set_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        sluice_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        if followRedirects {
            sluice_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1)
            sluice_curl_set_long(handle, CURLOPT_MAXREDIRS, 5)
        }
        if let caFile { sluice_curl_set_string(handle, CURLOPT_CAINFO, caFile) }
        if !verify {
            sluice_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
            sluice_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
        }
        sluice_curl_set_write(handle, collectBody)
        sluice_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
        sluice_curl_set_header_callback(handle, collectHeader)
        sluice_curl_set_pointer(handle, CURLOPT_HEADERDATA, Unmanaged.passUnretained(sink).toOpaque())
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    /// Sends a request; throws only when no HTTP response came back.
    /// `headers` are added to the client's fixed headers for this request.
    public func send(method: String, url: String, body: [UInt8]?, headers: [String] = []) throws -> Response {
        sink.reset()
        var list: UnsafeMutablePointer<curl_slist>?
        for h in fixedHeaders + headers { list = curl_slist_append(list, h) }
        defer { curl_slist_free_all(list) }
        sluice_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
        sluice_curl_set_string(handle, CURLOPT_URL, url)
        sluice_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { err in
            sluice_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, err.baseAddress)
            defer { sluice_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, nil) }
            if let body {
                return body.withUnsafeBytes { b in
                    sluice_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, b.count)
                    sluice_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: b.baseAddress))
                    return curl_easy_perform(handle)
                }
            }
            sluice_curl_set_pointer(handle, CURLOPT_POSTFIELDS, nil)
            sluice_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, -1)
            sluice_curl_set_long(handle, CURLOPT_HTTPGET, method == "GET" ? 1 : 0)
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw Failure(reason: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        sluice_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, body: sink.bytes, headers: sink.headers)
    }
}

final class ResponseBuffer {
    var bytes: [UInt8] = []
    var headers: [String: String] = [:]

    func reset() {
        bytes.removeAll(keepingCapacity: true)
        headers.removeAll(keepingCapacity: true)
    }
}

private let collectBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
    guard let data, let user else { return 0 }
    let buffer = Unmanaged<ResponseBuffer>.fromOpaque(user).takeUnretainedValue()
    buffer.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

/// libcurl calls this once per header line, including the status line of
/// every response it sees (a redirect starts a new set).
private let collectHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
    guard let data, let user else { return 0 }
    let buffer = Unmanaged<ResponseBuffer>.fromOpaque(user).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        buffer.headers.removeAll(keepingCapacity: true)
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        buffer.headers[name] = value
    }
    return size * count
}

/// curl_global_init must run once, before any other thread uses curl.
enum CurlLibrary {
    static let ready: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()
}
