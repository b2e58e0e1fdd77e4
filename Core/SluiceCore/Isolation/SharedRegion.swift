import CLinux
import Foundation

/// Memory two processes share for the isolation wire: a memfd each side
/// maps, one region per direction. The side that sends writes a message
/// into it; the side that receives copies it out at the span the sender's
/// control frame names (`WireChannel`).
///
/// The receiver trusts nothing the sender says: a span outside the file,
/// or past `maxBytes`, is refused before anything is read, and a span past
/// its mapping is read only after the mapping is grown to a file size it
/// saw. The host creates both files sealed against shrinking
/// (`F_SEAL_SHRINK`, then `F_SEAL_SEAL`), so a child cannot truncate one
/// under the host's mapping to make it fault (SIGBUS); it can grow it,
/// which costs the host nothing it does not map.
///
/// Used by one thread of one side; the pipe carrying the control frames
/// orders each write before the read of it.
final class SharedRegion {
    /// What the host creates a region with; it grows with the batches.
    static let initialBytes = 1 << 20
    /// The largest message either side sends or accepts.
    static let maxBytes = 1 << 30

    /// Why a message could not be written or read.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// Whether this side writes the region or reads it.
    enum Role {
        case writer, reader
    }

    let fd: Int32
    let role: Role
    /// The largest message this side writes or accepts (`maxBytes`).
    let limit: Int
    private var base: UnsafeMutableRawPointer?
    /// Bytes mapped from the start of the file.
    private(set) var mapped = 0

    /// A new sealed memfd of `initialBytes` (the host's side), closed on
    /// exec: the child gets it through `ChildProcess`'s descriptor map.
    static func create(name: String, role: Role, limit: Int = maxBytes) throws -> SharedRegion {
        let fd = sluice_memfd_create(name, UInt32(MFD_CLOEXEC | MFD_ALLOW_SEALING))
        guard fd >= 0 else { throw Refused(description: "memfd_create: \(String(cString: strerror(errno)))") }
        guard ftruncate(fd, off_t(initialBytes)) == 0,
              fcntl(fd, SLUICE_F_ADD_SEALS, SLUICE_F_SEAL_SHRINK | SLUICE_F_SEAL_SEAL) == 0
        else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Refused(description: "cannot size or seal the shared region: \(reason)")
        }
        return try SharedRegion(fd: fd, role: role, limit: limit)
    }

    /// The region behind `fd` (the child's side: an inherited descriptor),
    /// which it now owns.
    init(fd: Int32, role: Role, limit: Int = maxBytes) throws {
        self.fd = fd
        self.role = role
        self.limit = limit
        guard let size = fileSize() else {
            close(fd)
            throw Refused(description: "descriptor \(fd) is not a shared region: \(String(cString: strerror(errno)))")
        }
        if case let .failure(refused) = map(min(size, limit)) {
            close(fd)
            throw refused
        }
    }

    deinit {
        if let base { munmap(base, mapped) }
        close(fd)
    }

    /// Writes `bytes` at the start of the region, growing the file when
    /// they do not fit; the span to name in the control frame.
    func write(_ bytes: UnsafeRawBufferPointer) -> Result<WireSpan, Refused> {
        precondition(role == .writer)
        guard bytes.count <= limit else {
            return .failure(Refused(description: "a message of \(bytes.count) bytes is more than the \(limit) bytes the isolation wire carries"))
        }
        if bytes.count > mapped {
            var size = mapped
            while size < bytes.count { size *= 2 }
            size = min(size, limit)
            // The reader may have grown it already; a smaller size would be refused by the seal.
            guard let current = fileSize() else { return .failure(errnoRefusal("fstat")) }
            if current < size, ftruncate(fd, off_t(size)) != 0 { return .failure(errnoRefusal("growing the shared region")) }
            if case let .failure(refused) = map(size) { return .failure(refused) }
        }
        if let source = bytes.baseAddress { base!.copyMemory(from: source, byteCount: bytes.count) }
        return .success(WireSpan(offset: 0, length: UInt32(bytes.count)))
    }

    /// A copy of the bytes at `span`, taken before they are parsed (the
    /// writer may change the region while they are); refused when the
    /// span lies outside the file or past `maxBytes`.
    func read(_ span: WireSpan) -> Result<[UInt8], Refused> {
        precondition(role == .reader)
        let end = Int(span.offset) + Int(span.length)
        if end > mapped {
            guard let size = fileSize() else { return .failure(errnoRefusal("fstat")) }
            guard span.fits(fileSize: size, limit: limit) else {
                return .failure(Refused(description: "a control frame named bytes \(span.offset)..<\(end) of a shared region of \(size) bytes (at most \(limit) read)"))
            }
            if case let .failure(refused) = map(min(size, limit)) { return .failure(refused) }
        }
        let start = UnsafeRawPointer(base!) + Int(span.offset)
        return .success(Array(UnsafeRawBufferPointer(start: start, count: Int(span.length))))
    }

    private func fileSize() -> Int? {
        var s = stat()
        guard fstat(fd, &s) == 0 else { return nil }
        return Int(s.st_size)
    }

    /// Maps the first `size` bytes of the file (never more than it holds:
    /// the seal keeps them there) in place of the last mapping.
    private func map(_ size: Int) -> Result<Void, Refused> {
        let protection = role == .writer ? PROT_READ | PROT_WRITE : PROT_READ
        guard size > 0, let p = mmap(nil, size, protection, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            return .failure(errnoRefusal("mapping \(size) bytes of the shared region"))
        }
        if let base { munmap(base, mapped) }
        base = p
        mapped = size
        return .success(())
    }

    private func errnoRefusal(_ what: String) -> Refused {
        Refused(description: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// Where a message lies in a shared region, as a control frame names it.
struct WireSpan: Equatable {
    var offset: UInt32
    var length: UInt32

    /// Whether the span lies inside a file of `fileSize` bytes and under
    /// `limit`; the sums cannot overflow (two u32 in an Int).
    func fits(fileSize: Int, limit: Int) -> Bool {
        let end = Int(offset) + Int(length)
        return end <= fileSize && end <= limit
    }
}
