import CCurl
import SluiceSDK

/// One keep-alive libcurl handle, used from one thread.
final class HTTPClient {
    struct Response {
        let status: Int
        let body: [UInt8]
    }

    struct Failure: Error {
        let reason: String
    }

    private let handle: UnsafeMutableRawPointer
    private var headers: UnsafeMutablePointer<curl_slist>?
    private let sink = ResponseBuffer()

    init(headers: [String], caFile: String?, verify: Bool, timeoutMillis: Int) {
        _ = CurlLibrary.ready
        handle = curl_easy_init()
        for h in headers { self.headers = curl_slist_append(self.headers, h) }
        sluice_curl_set_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(self.headers))
        sluice_curl_set_long(handle, CURLOPT_TIMEOUT_MS, timeoutMillis)
        sluice_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMillis, 3000))
        sluice_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        sluice_curl_set_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        if let caFile { sluice_curl_set_string(handle, CURLOPT_CAINFO, caFile) }
        if !verify {
            sluice_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
            sluice_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
        }
        sluice_curl_set_write(handle, collect)
        sluice_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headers)
    }

    /// Sends a request; throws only when no HTTP response came back.
    func send(method: String, url: String, body: [UInt8]?) throws -> Response {
        sink.bytes.removeAll(keepingCapacity: true)
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
        return Response(status: status, body: sink.bytes)
    }
}

final class ResponseBuffer {
    var bytes: [UInt8] = []
}

private let collect: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
    guard let data, let user else { return 0 }
    let buffer = Unmanaged<ResponseBuffer>.fromOpaque(user).takeUnretainedValue()
    buffer.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

/// curl_global_init must run once, before any other thread uses curl.
enum CurlLibrary {
    static let ready: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()
}
