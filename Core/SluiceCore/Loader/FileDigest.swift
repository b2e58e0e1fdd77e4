import CCrypto
import Foundation

/// SHA-256 of a file, for `sha256:` pins in manifests (OpenSSL's libcrypto,
/// opened for each pin rather than loaded into every run).
enum FileDigest {
    static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LoadError(kind: .unreadable, path: path, reason: "cannot open to compute its SHA-256")
        }
        defer { try? handle.close() }
        var c = sluice_digest_calls()
        guard sluice_digest_calls_load(&c) != 0, let ctxNew = c.ctx_new, let ctxFree = c.ctx_free, let sha256 = c.sha256,
              let initDigest = c.digest_init, let update = c.digest_update, let final = c.digest_final
        else {
            throw LoadError(kind: .unreadable, path: path, reason: "cannot compute its SHA-256: \(dlerror().map { String(cString: $0) } ?? "libcrypto failed")")
        }
        guard let ctx = ctxNew() else { throw LoadError(kind: .unreadable, path: path, reason: "libcrypto failed") }
        defer { ctxFree(ctx) }
        _ = initDigest(ctx, sha256(), nil)
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { _ = update(ctx, $0.baseAddress, $0.count) }
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = final(ctx, &digest, &length)
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}
