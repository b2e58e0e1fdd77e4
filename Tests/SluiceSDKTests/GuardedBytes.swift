#if canImport(Glibc)
import Glibc
#endif
import SluiceSDK

/// Runs `body` on a copy of `bytes` that ends where an unreadable page
/// starts: a read past the end crashes the test instead of passing
/// unnoticed, as it does in a heap block rounded up by malloc.
func withGuardedBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let readable = (bytes.count + page - 1) / page * page
    guard let pages = mmap(nil, readable + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
          pages != MAP_FAILED else { fatalError("mmap failed") }
    defer { munmap(pages, readable + page) }
    precondition(mprotect(pages + readable, page, PROT_NONE) == 0)
    let start = pages + readable - bytes.count
    bytes.withUnsafeBytes { if let base = $0.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) } }
    return try body(UnsafeRawBufferPointer(start: start, count: bytes.count))
}

/// The transcoder's document for `text`, which ends where an unreadable page starts.
func transcodeGuarded(_ text: [UInt8], ascii: Bool = false) throws -> [UInt8] {
    try withGuardedBytes(text) { bytes in
        var document: [UInt8] = []
        try BSONFromJSON.withDocument(json: bytes, ascii: ascii) { document = Array($0) }
        return document
    }
}
