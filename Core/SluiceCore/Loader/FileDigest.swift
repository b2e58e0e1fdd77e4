import CCrypto
import Foundation

/// SHA-256 in lowercase hex (OpenSSL's libcrypto): of a file, for `sha256:`
/// pins in manifests, and of a short text, for names derived from it.
enum FileDigest {
    static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LoadError(kind: .unreadable, path: path, reason: "cannot open to compute its SHA-256")
        }
        defer { try? handle.close() }
        guard let digest = sha256(feeding: { update in
            while true {
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                chunk.withUnsafeBytes { update($0) }
            }
        }) else { throw LoadError(kind: .unreadable, path: path, reason: "libcrypto failed") }
        return digest
    }

    /// SHA-256 of `text`'s UTF-8 bytes; nil only if libcrypto fails.
    static func sha256(text: String) -> String? {
        sha256 { update in Array(text.utf8).withUnsafeBytes { update($0) } }
    }

    private static func sha256(feeding: ((UnsafeRawBufferPointer) -> Void) -> Void) -> String? {
        guard let ctx = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(ctx) }
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        feeding { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &digest, &length)
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}
