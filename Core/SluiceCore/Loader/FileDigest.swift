import CCrypto
import Foundation

/// SHA-256 of a file, for `sha256:` pins in manifests (OpenSSL's libcrypto).
enum FileDigest {
    static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LoadError(kind: .unreadable, path: path, reason: "cannot open to compute its SHA-256")
        }
        defer { try? handle.close() }
        guard let ctx = EVP_MD_CTX_new() else { throw LoadError(kind: .unreadable, path: path, reason: "libcrypto failed") }
        defer { EVP_MD_CTX_free(ctx) }
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &digest, &length)
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}
