import COpenSSL
import SluiceSDK

/// The `tls:` settings of the Logstash sink, made into one OpenSSL context
/// that every (re)connection shares.
final class TLSContext {
    let context: OpaquePointer
    /// The name (or IP address) the server's certificate must carry.
    let serverName: String
    let verify: Bool

    init(_ config: Config, host: String) throws {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw SluiceError.config("tls: \(TLSContext.lastError())") }
        context = ctx
        serverName = try config.string("server_name") ?? host
        verify = try config.bool("verify", default: true)
        _ = sluice_ssl_ctx_min_tls12(ctx)
        if verify {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            if let ca = try config.string("ca_file") {
                guard SSL_CTX_load_verify_locations(ctx, ca, nil) == 1 else {
                    throw SluiceError.config("tls.ca_file: cannot load \(ca): \(TLSContext.lastError())")
                }
            } else {
                SSL_CTX_set_default_verify_paths(ctx)
            }
        }
        if let cert = try config.string("cert_file") {
            guard SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 else {
                throw SluiceError.config("tls.cert_file: cannot load \(cert): \(TLSContext.lastError())")
            }
            let key = try config.string("key_file") ?? cert
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
                throw SluiceError.config("tls.key_file: cannot load \(key), or it does not match the certificate: \(TLSContext.lastError())")
            }
        }
    }

    deinit { SSL_CTX_free(context) }

    /// OpenSSL's oldest queued error, as text (and the queue cleared).
    static func lastError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "unknown TLS error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(cString: buffer)
    }
}
