import CLibElf
import Foundation

/// What the loader learns from a plugin file by reading it as data.
public struct PluginFileInfo: Sendable {
    public let path: String
    public let note: PluginNote
    /// Exported `sluice_plugin_entry_vN` symbols, as their N.
    public let entryMajors: [Int]
}

/// Reads ELF headers, the `.note.sluice` note and the dynamic symbol table
/// with libelf, without mapping the file for execution.
enum ELFInspector {
    static let entryPrefix = "sluice_plugin_entry_v"

    #if arch(x86_64)
    static let hostMachine = UInt16(EM_X86_64)
    #elseif arch(arm64)
    static let hostMachine = UInt16(EM_AARCH64)
    #else
    static let hostMachine = UInt16(EM_NONE)
    #endif

    static func inspect(_ path: String) throws -> PluginFileInfo {
        func refuse(_ kind: LoadError.Kind, _ reason: String) -> LoadError { LoadError(kind: kind, path: path, reason: reason) }
        _ = elfReady
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw refuse(.unreadable, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard let elf = elf_begin(fd, ELF_C_READ, nil) else { throw refuse(.notELF, "not an ELF file") }
        defer { elf_end(elf) }
        guard elf_kind(elf) == ELF_K_ELF, let ident = elf_getident(elf, nil) else {
            throw refuse(.notELF, "not an ELF file (a plugin is a shared library built for this machine)")
        }
        guard ident[Int(EI_CLASS)] == ELFCLASS64 else {
            throw refuse(.wrongClass, "is a 32-bit ELF file; this host loads 64-bit plugins only")
        }
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { throw refuse(.notELF, "has an unreadable ELF header") }
        guard header.e_machine == hostMachine else {
            throw refuse(.wrongArchitecture, "is built for \(machineName(header.e_machine)); this host is \(machineName(hostMachine))")
        }
        switch Int32(header.e_type) {
        case ET_DYN: break
        case ET_EXEC: throw refuse(.notSharedLibrary, "is an executable, not a shared library")
        case ET_REL: throw refuse(.notSharedLibrary, "is an object file (.o), not a shared library: link it with -shared")
        default: throw refuse(.notSharedLibrary, "is not a shared library (ELF type \(header.e_type))")
        }
        if hasInterpreter(elf) {
            throw refuse(.notSharedLibrary, "is an executable (it names a program interpreter), not a shared library")
        }
        if let problem = ELFLinkCheck.problem(inFile: fd) { throw refuse(.corruptLinkTables, problem) }
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { throw refuse(.notELF, "has no section name table") }

        var noteText: String?
        var entryMajors: [Int] = []
        var section = elf_nextscn(elf, nil)
        while let scn = section {
            defer { section = elf_nextscn(elf, scn) }
            var sh = GElf_Shdr()
            guard gelf_getshdr(scn, &sh) != nil else { continue }
            let name = elf_strptr(elf, shstrndx, Int(sh.sh_name)).map { String(cString: $0) } ?? ""
            if name == ".note.sluice", let data = elf_getdata(scn, nil), let buf = data.pointee.d_buf {
                noteText = parseNote(UnsafeRawBufferPointer(start: buf, count: Int(data.pointee.d_size)))
            }
            if sh.sh_type == SHT_DYNSYM, let data = elf_getdata(scn, nil) {
                let count = sh.sh_entsize > 0 ? Int(sh.sh_size / sh.sh_entsize) : 0
                for i in 0 ..< count {
                    var sym = GElf_Sym()
                    guard gelf_getsym(data, Int32(i), &sym) != nil, sym.st_shndx != SHN_UNDEF,
                          let raw = elf_strptr(elf, Int(sh.sh_link), Int(sym.st_name)) else { continue }
                    let symbol = String(cString: raw)
                    if symbol.hasPrefix(entryPrefix), let major = Int(symbol.dropFirst(entryPrefix.count)) {
                        entryMajors.append(major)
                    }
                }
            }
        }
        guard let noteText else {
            throw refuse(.notAPlugin, "has no .note.sluice section: not a Sluice plugin (declare it with SLUICE_PLUGIN(...))")
        }
        guard let note = PluginNote(text: noteText) else {
            throw refuse(.notAPlugin, "has a malformed .note.sluice note")
        }
        return PluginFileInfo(path: path, note: note, entryMajors: entryMajors.sorted())
    }

    private static let elfReady: Bool = { elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) }()

    private static func hasInterpreter(_ elf: OpaquePointer) -> Bool {
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { return false }
        for i in 0 ..< count {
            var ph = GElf_Phdr()
            if gelf_getphdr(elf, Int32(i), &ph) != nil, ph.p_type == PT_INTERP { return true }
        }
        return false
    }

    /// Finds the Sluice note among the notes of a section and returns its text.
    static func parseNote(_ b: UnsafeRawBufferPointer) -> String? {
        var p = 0
        func align4(_ n: Int) -> Int { (n + 3) & ~3 }
        while p + 12 <= b.count {
            let namesz = Int(b.loadUnaligned(fromByteOffset: p, as: UInt32.self))
            let descsz = Int(b.loadUnaligned(fromByteOffset: p + 4, as: UInt32.self))
            let type = b.loadUnaligned(fromByteOffset: p + 8, as: UInt32.self)
            let nameStart = p + 12
            let descStart = nameStart + align4(namesz)
            guard descStart + descsz <= b.count else { return nil }
            let owner = String(decoding: b[nameStart ..< nameStart + max(0, namesz - 1)], as: UTF8.self)
            if owner == "Sluice", type == 0x534C_0001 {
                let text = b[descStart ..< descStart + descsz].prefix { $0 != 0 }
                return String(decoding: text, as: UTF8.self)
            }
            p = descStart + align4(descsz)
        }
        return nil
    }

    static func machineName(_ m: UInt16) -> String {
        switch Int32(m) {
        case EM_X86_64: return "x86_64"
        case EM_AARCH64: return "aarch64"
        case EM_386: return "i386"
        case EM_ARM: return "arm"
        case EM_RISCV: return "riscv"
        case EM_PPC64: return "ppc64"
        case EM_S390: return "s390"
        default: return "machine type \(m)"
        }
    }
}
