import Foundation

/// Checks the parts of an ELF shared library the dynamic linker trusts blindly:
/// program headers, the dynamic section, the dynamic symbol and string tables,
/// the GNU hash table and the relocations. `ld.so` indexes these without
/// bounds checks, so a single flipped byte (a symbol name offset past the
/// string table, a relocation naming symbol 40,000 of 17) crashes the process
/// inside `dlopen`; refusing such a file here keeps the host alive.
///
/// Works on the raw bytes (64-bit little-endian, the only kind the host
/// loads) so every read is bounds-checked; returns why the file is refused.
struct ELFLinkCheck {
    private let b: UnsafeRawBufferPointer

    private struct Section {
        var nameOffset: UInt32, type: UInt32, flags: UInt64, addr: UInt64, offset: UInt64, size: UInt64, link: UInt32, info: UInt32, entsize: UInt64
    }

    private struct Segment {
        var type: UInt32, flags: UInt32, offset: UInt64, vaddr: UInt64, filesz: UInt64, memsz: UInt64
    }

    /// R_X86_64_RELATIVE and R_AARCH64_RELATIVE.
    private static let relativeTypes: Set<UInt64> = [8, 1027]
    private static let symSize: UInt64 = 24, relaSize: UInt64 = 24, dynSize: UInt64 = 16

    /// Why `bytes` (a whole file) would be unsafe to `dlopen`, or nil.
    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        do {
            try ELFLinkCheck(b: bytes).check()
            return nil
        } catch let refusal as Refusal {
            return refusal.reason
        } catch {
            return "\(error)"
        }
    }

    /// The same for the open file `fd`, read through a private read-only mapping.
    static func problem(inFile fd: Int32) -> String? {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return "cannot be read" }
        guard let map = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            return "cannot be mapped for reading: \(String(cString: strerror(errno)))"
        }
        defer { munmap(map, Int(st.st_size)) }
        return problem(in: UnsafeRawBufferPointer(start: map, count: Int(st.st_size)))
    }

    private struct Refusal: Error { let reason: String }

    private func refuse(_ reason: String) -> Refusal { Refusal(reason: reason) }

    private func u8(_ at: UInt64) throws -> UInt8 {
        guard at < UInt64(b.count) else { throw refuse("is truncated (a read at byte \(at) of \(b.count))") }
        return b[Int(at)]
    }

    private func u16(_ at: UInt64) throws -> UInt16 { try read(at, UInt16.self) }
    private func u32(_ at: UInt64) throws -> UInt32 { try read(at, UInt32.self) }
    private func u64(_ at: UInt64) throws -> UInt64 { try read(at, UInt64.self) }

    private func read<T: FixedWidthInteger>(_ at: UInt64, _: T.Type) throws -> T {
        let (end, overflow) = at.addingReportingOverflow(UInt64(MemoryLayout<T>.size))
        guard !overflow, end <= UInt64(b.count) else { throw refuse("is truncated (a read at byte \(at) of \(b.count))") }
        return T(littleEndian: b.loadUnaligned(fromByteOffset: Int(at), as: T.self))
    }

    /// Whether [offset, offset + size) lies inside the file.
    private func inFile(_ offset: UInt64, _ size: UInt64) -> Bool {
        let (end, overflow) = offset.addingReportingOverflow(size)
        return !overflow && end <= UInt64(b.count)
    }

    private func check() throws {
        guard b.count >= 64, try u8(5) == 1 else { throw refuse("is not a little-endian ELF file") }
        let phoff = try u64(32), shoff = try u64(40)
        let phentsize = UInt64(try u16(54)), phnum = UInt64(try u16(56))
        let shentsize = UInt64(try u16(58)), shnum = UInt64(try u16(60)), shstrndx = UInt64(try u16(62))
        guard phentsize == 56, inFile(phoff, phnum * 56) else { throw refuse("has program headers outside the file") }
        guard shnum > 0, shentsize == 64, inFile(shoff, shnum * 64) else {
            throw refuse("has section headers outside the file (a plugin keeps its section headers)")
        }
        guard shstrndx < shnum else { throw refuse("names a section name table (\(shstrndx)) past its \(shnum) sections") }

        var segments: [Segment] = []
        for i in 0 ..< phnum {
            let at = phoff + i * 56
            let s = Segment(type: try u32(at), flags: try u32(at + 4), offset: try u64(at + 8), vaddr: try u64(at + 16), filesz: try u64(at + 32), memsz: try u64(at + 40))
            guard inFile(s.offset, s.filesz) else { throw refuse("has program header \(i) pointing past the end of the file") }
            if s.type == 1, s.filesz > s.memsz { throw refuse("has a loadable segment (\(i)) larger in the file than in memory") }
            segments.append(s)
        }
        let loads = segments.filter { $0.type == 1 }
        guard !loads.isEmpty else { throw refuse("has no loadable segment") }

        var sections: [Section] = []
        for i in 0 ..< shnum {
            let at = shoff + i * 64
            let s = Section(nameOffset: try u32(at), type: try u32(at + 4), flags: try u64(at + 8), addr: try u64(at + 16), offset: try u64(at + 24),
                            size: try u64(at + 32), link: try u32(at + 40), info: try u32(at + 44), entsize: try u64(at + 56))
            if s.type != 8, s.type != 0, !inFile(s.offset, s.size) { throw refuse("has section \(i) pointing past the end of the file") }
            sections.append(s)
        }

        /// The file offset holding `size` bytes at virtual address `addr`, if one loadable segment covers them from the file.
        func fileOffset(_ addr: UInt64, _ size: UInt64) -> UInt64? {
            for s in loads where addr >= s.vaddr {
                let into = addr - s.vaddr
                if into <= s.filesz, size <= s.filesz - into { return s.offset + into }
            }
            return nil
        }

        let dynsyms = sections.indices.filter { sections[$0].type == 11 }
        guard dynsyms.count == 1, let symIndex = dynsyms.first else { throw refuse("has \(dynsyms.count) dynamic symbol tables (.dynsym); a shared library has one") }
        let symtab = sections[symIndex]
        guard symtab.entsize == Self.symSize, symtab.size % Self.symSize == 0 else {
            throw refuse("has a .dynsym whose size (\(symtab.size)) or entry size (\(symtab.entsize)) is not a whole number of symbols")
        }
        guard UInt64(symtab.link) < shnum, sections[Int(symtab.link)].type == 3 else {
            throw refuse("has a .dynsym whose string table (section \(symtab.link)) is not a string table")
        }
        let strtab = sections[Int(symtab.link)]
        try checkStringTable(strtab, ".dynstr")
        let symbolCount = symtab.size / Self.symSize
        try checkSymbols(symtab, count: symbolCount, strtab: strtab, sectionCount: shnum, loads: loads)

        for s in sections where s.type == 0x6FFF_FFF6 { try checkGNUHash(s, symbolCount: symbolCount) }
        try checkVersions(sections, strtab: strtab, symbolCount: symbolCount)

        let dynamics = segments.filter { $0.type == 2 }
        guard dynamics.count == 1, let dynamic = dynamics.first else { throw refuse("has \(dynamics.count) dynamic segments; a shared library has one") }
        try checkDynamic(dynamic, symtab: symtab, strtab: strtab, symbolCount: symbolCount, loads: loads, fileOffset: fileOffset)
        try checkDynamicAgreesWithSections(dynamic, sections: sections, names: sections[Int(shstrndx)])
    }

    private func checkStringTable(_ s: Section, _ name: String) throws {
        guard s.size > 0, try u8(s.offset) == 0, try u8(s.offset + s.size - 1) == 0 else {
            throw refuse("has a \(name) that does not start and end with a NUL")
        }
    }

    private func checkSymbols(_ symtab: Section, count: UInt64, strtab: Section, sectionCount: UInt64, loads: [Segment]) throws {
        for i in 0 ..< count {
            let at = symtab.offset + i * Self.symSize
            let name = UInt64(try u32(at)), info = try u8(at + 4), other = try u8(at + 5), shndx = try u16(at + 6)
            guard name < strtab.size else {
                throw refuse("has .dynsym symbol \(i) whose name offset \(name) lies past .dynstr (\(strtab.size) bytes)")
            }
            guard info & 0xF <= 6 || (10 ... 12).contains(info & 0xF), info >> 4 <= 2 || info >> 4 == 10 else {
                throw refuse("has .dynsym symbol \(i) of unknown type or binding (st_info \(info))")
            }
            guard i == 0 || (i < UInt64(symtab.info)) == (info >> 4 == 0) else {
                throw refuse("has .dynsym symbol \(i) on the wrong side of its first global symbol (\(symtab.info))")
            }
            switch shndx {
            case 0:
                // ld.so resolves an undefined symbol from other libraries, which only a global or weak, default-visible one can be.
                guard i == 0 || (other & 0x3 == 0 && info >> 4 != 0) else {
                    throw refuse("has undefined .dynsym symbol \(i) that is local or not default-visible")
                }
            case 0xFFF1, 0xFFF2: break
            default:
                guard UInt64(shndx) < sectionCount else {
                    throw refuse("has .dynsym symbol \(i) in section \(shndx), past the file's \(sectionCount) sections")
                }
                // A defined symbol's address is where `dlsym` sends callers; thread-local ones are offsets instead.
                let value = try u64(at + 8)
                guard info & 0xF == 6 || Self.inMemory(value, 0, loads) else {
                    throw refuse("has .dynsym symbol \(i) at 0x\(String(value, radix: 16)), outside its loadable segments")
                }
            }
        }
    }

    /// The GNU hash table `ld.so` looks symbols up with: its header and bucket
    /// array fit the section, and buckets name symbols that exist.
    private func checkGNUHash(_ s: Section, symbolCount: UInt64) throws {
        guard s.size >= 16 else { throw refuse("has a .gnu.hash too small for its header") }
        let nbuckets = UInt64(try u32(s.offset)), symoffset = UInt64(try u32(s.offset + 4)), bloomSize = UInt64(try u32(s.offset + 8))
        let (tableBytes, overflow) = (bloomSize * 8 + nbuckets * 4).addingReportingOverflow(16)
        guard nbuckets > 0, bloomSize > 0, bloomSize.nonzeroBitCount == 1, bloomSize < 1 << 28, nbuckets < 1 << 28, !overflow, tableBytes <= s.size else {
            throw refuse("has a .gnu.hash whose header (\(nbuckets) buckets, \(bloomSize) bloom words) does not fit its \(s.size) bytes")
        }
        guard symoffset <= symbolCount else { throw refuse("has a .gnu.hash that hashes symbols from \(symoffset), past .dynsym's \(symbolCount)") }
        let buckets = s.offset + 16 + bloomSize * 8, chains = buckets + nbuckets * 4, chainCount = (s.size - tableBytes) / 4
        // A lookup walks the chain from its bucket's symbol until an entry with its low bit set;
        // `ends[j]`: a walk from chain entry j stops inside the table (one backward pass, linear).
        let walkable = min(chainCount, symbolCount - symoffset)
        var ends = [Bool](repeating: false, count: Int(walkable) + 1)
        for j in stride(from: Int(walkable) - 1, through: 0, by: -1) {
            ends[j] = try u32(chains + UInt64(j) * 4) & 1 == 1 || ends[j + 1]
        }
        for i in 0 ..< nbuckets {
            let symbol = UInt64(try u32(buckets + i * 4))
            guard symbol == 0 || (symbol >= symoffset && symbol - symoffset < walkable && ends[Int(symbol - symoffset)]) else {
                throw refuse("has .gnu.hash bucket \(i) whose chain from symbol \(symbol) runs outside the \(symbolCount) in .dynsym")
            }
        }
    }

    /// Symbol versions: `ld.so` follows the version chains' offsets and indexes
    /// its version array with each symbol's entry, unchecked.
    private func checkVersions(_ sections: [Section], strtab: Section, symbolCount: UInt64) throws {
        var known: Set<UInt64> = [0, 1]
        for s in sections where s.type == 0x6FFF_FFFE || s.type == 0x6FFF_FFFD {
            let needs = s.type == 0x6FFF_FFFE, what = needs ? ".gnu.version_r" : ".gnu.version_d"
            // ld.so follows each chain until a zero `next`, whatever the counts say; a chain longer than its section could hold loops.
            let limit = s.size / 8 + 1
            var at: UInt64 = 0
            for entry in 0 ..< limit {
                guard at <= s.size, s.size - at >= 16 else { throw refuse("has a \(what) entry \(entry) past its section") }
                let base = s.offset + at
                guard try u16(base) == 1 else { throw refuse("has a \(what) entry \(entry) of unknown version \(try u16(base))") }
                if needs {
                    guard UInt64(try u32(base + 4)) < strtab.size else { throw refuse("has a \(what) entry \(entry) naming a file past .dynstr") }
                } else {
                    known.insert(UInt64(try u16(base + 4)) & 0x7FFF)
                }
                var aux = at + UInt64(try u32(base + (needs ? 8 : 12)))
                for step in 0 ... limit {
                    let auxSize: UInt64 = needs ? 16 : 8
                    guard step < limit, aux <= s.size, s.size - aux >= auxSize else {
                        throw refuse("has a \(what) entry \(entry) whose names lie past its section")
                    }
                    let name = UInt64(try u32(s.offset + aux + (needs ? 8 : 0)))
                    guard name < strtab.size else { throw refuse("has a \(what) entry \(entry) naming a version past .dynstr") }
                    if needs { known.insert(UInt64(try u16(s.offset + aux + 6)) & 0x7FFF) }
                    let next = UInt64(try u32(s.offset + aux + (needs ? 12 : 4)))
                    if next == 0 { break }
                    aux += next
                }
                let next = UInt64(try u32(base + (needs ? 12 : 16)))
                if next == 0 { break }
                guard entry + 1 < limit else { throw refuse("has a \(what) chain that does not end") }
                at += next
            }
        }
        for s in sections where s.type == 0x6FFF_FFFF {
            guard s.entsize == 2, s.size == symbolCount * 2 else {
                throw refuse("has a .gnu.version of \(s.size) bytes for \(symbolCount) symbols")
            }
            for i in 0 ..< symbolCount {
                let version = UInt64(try u16(s.offset + i * 2)) & 0x7FFF
                guard known.contains(version) else { throw refuse("has .dynsym symbol \(i) of version \(version), which no version entry defines") }
            }
        }
    }

    /// The dynamic section `ld.so` reads everything else through: each table
    /// it points at lies inside a loaded part of the file and agrees with the
    /// section headers checked above.
    private func checkDynamic(_ seg: Segment, symtab: Section, strtab: Section, symbolCount: UInt64, loads: [Segment],
                              fileOffset: (UInt64, UInt64) -> UInt64?) throws
    {
        guard fileOffset(seg.vaddr, seg.filesz) != nil else { throw refuse("has a dynamic segment outside its loadable segments") }
        var entries: [(tag: UInt64, value: UInt64)] = []
        var at = seg.offset
        while true {
            guard at + Self.dynSize <= seg.offset + seg.filesz else { throw refuse("has a dynamic section without its DT_NULL end") }
            let tag = try u64(at), value = try u64(at + 8)
            if tag == 0 { break }
            entries.append((tag, value))
            at += Self.dynSize
        }
        func value(_ tag: UInt64) -> UInt64? { entries.first { $0.tag == tag }?.value }
        guard let strAddr = value(5), let strSize = value(10), let symAddr = value(6) else {
            throw refuse("has a dynamic section without DT_STRTAB, DT_STRSZ or DT_SYMTAB")
        }
        guard strAddr == strtab.addr, strSize == strtab.size, symAddr == symtab.addr, value(11).map({ $0 == Self.symSize }) ?? true else {
            throw refuse("has a dynamic section whose symbol or string table (DT_SYMTAB, DT_STRTAB, DT_STRSZ, DT_SYMENT) disagrees with .dynsym and .dynstr")
        }
        guard fileOffset(strAddr, strSize) == strtab.offset, fileOffset(symAddr, symtab.size) == symtab.offset else {
            throw refuse("has .dynsym or .dynstr outside the loadable segments that hold them")
        }
        for e in entries {
            switch e.tag {
            case 1, 14, 15, 29: // DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH name strings
                guard e.value < strSize else { throw refuse("has a dynamic entry (tag \(e.tag)) naming a string past .dynstr") }
            case 9: // DT_RELAENT
                guard e.value == Self.relaSize else { throw refuse("has a relocation entry size of \(e.value), not \(Self.relaSize)") }
            default: break
            }
        }
        // ld.so reads a table's companion entries (size, entry size, count, kind) without checking they exist.
        let companions: [(UInt64, UInt64)] = [(25, 27), (26, 28), (7, 8), (7, 9), (23, 2), (23, 20), (0x6FFF_FFFE, 0x6FFF_FFFF), (0x6FFF_FFFC, 0x6FFF_FFFD)]
        for (table, companion) in companions where (value(table) == nil) != (value(companion) == nil) {
            throw refuse("has a dynamic section with tag 0x\(String(table, radix: 16)) or 0x\(String(companion, radix: 16)) but not both")
        }
        if value(0x6FFF_FFF0) == nil, value(0x6FFF_FFFE) != nil || value(0x6FFF_FFFC) != nil {
            throw refuse("has symbol versions (DT_VERNEED or DT_VERDEF) without DT_VERSYM")
        }
        if let kind = value(20), kind != 7 { throw refuse("has PLT relocations of kind \(kind); this machine uses RELA (7)") }
        // ld.so applies the first DT_RELACOUNT relocations as relative ones without looking at their type.
        if let count = value(0x6FFF_FFF9), let rela = value(7), let size = value(8), let offset = fileOffset(rela, size) {
            guard count <= size / Self.relaSize else { throw refuse("has DT_RELACOUNT \(count), more than the \(size / Self.relaSize) relocations") }
            for r in 0 ..< count where try !Self.relativeTypes.contains(u64(offset + r * Self.relaSize + 8) & 0xFFFF_FFFF) {
                throw refuse("has relocation \(r) counted as relative by DT_RELACOUNT, but of another type")
            }
        }
        // Only constructor and destructor slots need their relocation remembered; a Swift plugin has 10^5 others.
        let slots = [(25 as UInt64, 27 as UInt64), (26, 28)].compactMap { a, n in value(a).map { $0 ..< max($0, $0 &+ (value(n) ?? 0)) } }
        var relativeTargets: [UInt64: UInt64] = [:]
        for (addrTag, sizeTag, name) in [(7 as UInt64, 8 as UInt64, "DT_RELA"), (23, 2, "DT_JMPREL")] {
            guard let addr = value(addrTag) else { continue }
            let size = value(sizeTag) ?? 0
            guard size % Self.relaSize == 0, let offset = fileOffset(addr, size) else {
                throw refuse("has \(name) (\(size) bytes at 0x\(String(addr, radix: 16))) outside its loadable segments")
            }
            // ld.so writes each relocation's result at r_offset and reads symbol r_sym, unchecked.
            let writable = value(22) == nil ? loads.filter { $0.flags & 2 != 0 } : loads
            for r in 0 ..< size / Self.relaSize {
                let at = offset + r * Self.relaSize
                let target = try u64(at), info = try u64(at + 8), addend = try u64(at + 16)
                guard info >> 32 < symbolCount else { throw refuse("has relocation \(r) of \(name) naming symbol \(info >> 32) of \(symbolCount)") }
                guard Self.inMemory(target, 4, writable) else {
                    throw refuse("has relocation \(r) of \(name) writing at 0x\(String(target, radix: 16)), outside its writable segments")
                }
                // Addends elsewhere may carry tag bits (Swift metadata sets the top bit), so only constructor slots are checked.
                if Self.relativeTypes.contains(info & 0xFFFF_FFFF), slots.contains(where: { $0.contains(target) }) {
                    relativeTargets[target] = addend
                }
            }
        }
        // ld.so calls every constructor and destructor slot: each must end up pointing at code.
        let code = loads.filter { $0.flags & 1 != 0 }
        for (addrTag, sizeTag, name) in [(25 as UInt64, 27 as UInt64, "DT_INIT_ARRAY"), (26, 28, "DT_FINI_ARRAY")] {
            guard let addr = value(addrTag), let size = value(sizeTag) else { continue }
            guard size % 8 == 0, fileOffset(addr, size) != nil else {
                throw refuse("has \(name) (\(size) bytes at 0x\(String(addr, radix: 16))) outside its loadable segments")
            }
            for slot in 0 ..< size / 8 {
                // With RELA the slot's bytes in the file are ignored: only a relative relocation gives it an address.
                guard let function = relativeTargets[addr &+ slot * 8], Self.inMemory(function, 1, code) else {
                    throw refuse("has \(name) entry \(slot) that no relative relocation points at its code")
                }
            }
        }
        for (tag, name) in [(4 as UInt64, "DT_HASH"), (0x6FFF_FEF5, "DT_GNU_HASH"), (12, "DT_INIT"), (13, "DT_FINI")] {
            if let addr = value(tag), fileOffset(addr, tag == 12 || tag == 13 ? 1 : 16) == nil {
                throw refuse("has \(name) at 0x\(String(addr, radix: 16)), outside its loadable segments")
            }
        }
    }

    /// Each table the dynamic section points at is exactly a section of the
    /// matching type, address and size: a flipped byte on either side shows
    /// as a disagreement, where `ld.so` would follow the dynamic side blindly.
    private func checkDynamicAgreesWithSections(_ seg: Segment, sections: [Section], names: Section) throws {
        var entries: [UInt64: UInt64] = [:]
        var at = seg.offset
        while try u64(at) != 0 {
            entries[try u64(at)] = try u64(at + 8)
            at += Self.dynSize
        }
        func sectionName(_ s: Section) throws -> String {
            var bytes: [UInt8] = []
            var at = names.offset + UInt64(try u32Name(s))
            while bytes.count < 64, at < names.offset &+ names.size, try u8(at) != 0 {
                bytes.append(try u8(at))
                at += 1
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        func u32Name(_ s: Section) throws -> UInt32 { s.nameOffset }
        // (address tag, size tag, section type, section name when the type alone is ambiguous)
        let tables: [(UInt64, UInt64?, UInt32, String?, String)] = [
            (12, nil, 1, ".init", "DT_INIT"), (13, nil, 1, ".fini", "DT_FINI"),
            (25, 27, 14, nil, "DT_INIT_ARRAY"), (26, 28, 15, nil, "DT_FINI_ARRAY"),
            (4, nil, 5, nil, "DT_HASH"), (0x6FFF_FEF5, nil, 0x6FFF_FFF6, nil, "DT_GNU_HASH"),
            (0x6FFF_FFF0, nil, 0x6FFF_FFFF, nil, "DT_VERSYM"), (0x6FFF_FFFE, nil, 0x6FFF_FFFE, nil, "DT_VERNEED"),
            (0x6FFF_FFFC, nil, 0x6FFF_FFFD, nil, "DT_VERDEF"), (7, 8, 4, nil, "DT_RELA"), (23, 2, 4, nil, "DT_JMPREL"),
        ]
        for (addrTag, sizeTag, type, name, label) in tables {
            guard let addr = entries[addrTag] else { continue }
            let size = sizeTag.flatMap { entries[$0] }
            let match = try sections.first { s in
                try s.type == type && s.addr == addr && (size == nil || s.size == size!) && (name == nil || sectionName(s) == name!)
            }
            // Relocations may be split over several sections or none when the table is empty.
            if match == nil, !(type == 4 && (size == 0 || sections.contains { $0.type == 4 && $0.addr == addr })) {
                throw refuse("has \(label) (0x\(String(addr, radix: 16))\(size.map { ", \($0) bytes" } ?? "")) matching no section of its kind")
            }
        }
    }

    /// Whether `size` bytes at `addr` lie in one loadable segment's memory.
    private static func inMemory(_ addr: UInt64, _ size: UInt64, _ loads: [Segment]) -> Bool {
        loads.contains { addr >= $0.vaddr && addr - $0.vaddr <= $0.memsz && size <= $0.memsz - (addr - $0.vaddr) }
    }
}
