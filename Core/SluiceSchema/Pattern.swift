import CPCRE2

/// A regular expression in JSON Schema's dialect (ECMA-262), compiled once by
/// PCRE2 with JIT and matched on UTF-8 bytes in place. JSON Schema patterns
/// are unanchored: they match anywhere in the string.
///
/// Options chosen to read patterns as ECMA-262 does: code points, not bytes
/// (`PCRE2_UTF`); `\d`, `\w`, `\b` ASCII only (no `PCRE2_UCP`); `$` only at
/// the very end (`PCRE2_DOLLAR_ENDONLY`); `.` stops at \r and \n; `[]` and `[^]` allowed; `\uXXXX`
/// and `\u{X…}` escapes; a back reference to an unset group matches the
/// empty string. Invalid UTF-8 in a subject never matches across the bad
/// bytes and is not an error (`PCRE2_MATCH_INVALID_UTF`).
///
/// `@unchecked Sendable` with no lock: the compiled code is never written
/// after `init` and PCRE2 documents it as shareable between threads; every
/// match uses match data of its own (`MatchData`), which is not shared.
public final class Pattern: @unchecked Sendable {
    public let source: String
    private let code: OpaquePointer
    /// The named groups in pattern order, with their group numbers.
    public let namedGroups: [(name: String, number: Int)]

    /// Compiles `source`, or throws `SchemaError` naming the offset and PCRE2's reason.
    public init(_ source: String) throws {
        self.source = source
        let options = UInt32(PCRE2_UTF) | UInt32(PCRE2_DOLLAR_ENDONLY) | UInt32(PCRE2_ALLOW_EMPTY_CLASS)
            | UInt32(PCRE2_ALT_BSUX) | UInt32(PCRE2_MATCH_UNSET_BACKREF) | UInt32(PCRE2_MATCH_INVALID_UTF)
        let context = pcre2_compile_context_create_8(nil)
        defer { pcre2_compile_context_free_8(context) }
        pcre2_set_compile_extra_options_8(context, UInt32(PCRE2_EXTRA_ALT_BSUX))
        // ECMA-262's `.` stops at \r as well as \n.
        pcre2_set_newline_8(context, UInt32(PCRE2_NEWLINE_ANYCRLF))
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = source.utf8.withContiguousStorageIfAvailable { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, context)
        } ?? Array(source.utf8).withUnsafeBufferPointer { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, context)
        }
        guard let compiled else {
            throw SchemaError(path: "", reason: "invalid regular expression \(source.debugDescription) at offset \(errorOffset): \(Self.message(errorCode))")
        }
        // A pattern JIT cannot compile (rare: resource limits) still matches through the interpreter.
        _ = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE))
        code = compiled
        namedGroups = Self.readNames(compiled)
    }

    deinit { pcre2_code_free_8(code) }

    /// Match data with room for every group of this pattern.
    public func makeMatchData() -> MatchData { MatchData(pcre2_match_data_create_from_pattern_8(code, nil)!) }

    /// The names of the pattern's named groups, in order.
    public var groupNames: [String] { namedGroups.map(\.name) }

    /// Whether the pattern matches anywhere in `bytes` (UTF-8).
    public func matches(_ bytes: UnsafeRawBufferPointer, _ scratch: MatchData) -> Bool {
        // 0 is a match whose groups did not fit the match data: enough to say it matched.
        search(bytes, scratch) >= 0
    }

    /// Whether the pattern matches anywhere in `s`.
    public func matches(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { matches(UnsafeRawBufferPointer($0), MatchData()) }
    }

    /// Named capture groups of the first match in `text`, or nil when nothing matches.
    /// A group that took no part in the match is absent.
    public func captures(_ text: Substring, _ scratch: MatchData) -> [String: String]? {
        var text = text
        return text.withUTF8 { utf8 -> [String: String]? in
            let bytes = UnsafeRawBufferPointer(utf8)
            guard search(bytes, scratch) >= 0 else { return nil }
            let ovector = pcre2_get_ovector_pointer_8(scratch.data)!
            let pairs = Int(pcre2_get_ovector_count_8(scratch.data))
            var out: [String: String] = [:]
            for (name, number) in namedGroups where number < pairs {
                let start = ovector[2 * number], end = ovector[2 * number + 1]
                // PCRE2_UNSET (~0) marks a group that took no part in the match.
                guard start != ~0, end >= start else { continue }
                out[name] = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[Int(start) ..< Int(end)]), as: UTF8.self)
            }
            return out
        }
    }

    private func search(_ bytes: UnsafeRawBufferPointer, _ scratch: MatchData) -> Int32 {
        if let base = bytes.baseAddress {
            return pcre2_match_8(code, base.assumingMemoryBound(to: UInt8.self), bytes.count, 0, 0, scratch.data, nil)
        }
        // An empty buffer may have no base address; PCRE2 wants a valid pointer even for length 0.
        var none: UInt8 = 0
        return pcre2_match_8(code, &none, 0, 0, 0, scratch.data, nil)
    }

    private static func message(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[..<Int(n)], as: UTF8.self) : "error \(code)"
    }

    /// Reads PCRE2's name table: entries of a 2-byte group number then a NUL-terminated name.
    private static func readNames(_ code: OpaquePointer) -> [(name: String, number: Int)] {
        var count: UInt32 = 0, entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>?
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard count > 0, let table else { return [] }
        var out: [(name: String, number: Int)] = []
        for i in 0 ..< Int(count) {
            let entry = table + i * Int(entrySize)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            out.append((String(cString: entry + 2), number))
        }
        return out.sorted { $0.number < $1.number }
    }
}

/// PCRE2 match data: the offsets of one match. Not shareable: each thread (or
/// each validator instance, which the host calls from one thread at a time)
/// owns one and reuses it for every match, so matching allocates nothing.
public final class MatchData {
    let data: OpaquePointer

    /// Room for the whole match only: enough to test whether any pattern matches.
    public convenience init() {
        self.init(pcre2_match_data_create_8(1, nil)!)
    }

    init(_ data: OpaquePointer) { self.data = data }

    deinit { pcre2_match_data_free_8(data) }
}
