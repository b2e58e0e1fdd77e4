#if canImport(Glibc)
import Glibc
#endif

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
