import SluiceSDK

/// `utf8:` in a source's config: what happens to input that is not valid
/// UTF-8. A BSON string must be UTF-8, and a sink's server may refuse a
/// whole batch over one bad string (MongoDB does), so invalid bytes never
/// pass through as they are.
public enum UTF8Policy: String, Sendable, CaseIterable {
    /// The record goes to the dead-letter queue with "invalid UTF-8 at byte N":
    /// the default, because a repaired record is no longer the data that was sent.
    case reject
    /// Each invalid sequence becomes U+FFFD; every repair is counted
    /// (`utf8_replaced_total`) and logged as a warning.
    case replace

    public static let `default` = UTF8Policy.reject

    /// The key as a JSON Schema property, for a source's `configSchema`.
    public static let schemaMember = #"""
       "utf8": {"enum": ["reject", "replace"], "description": "input that is not valid UTF-8: reject dead-letters the record (invalid UTF-8 at byte N); replace writes U+FFFD for each bad sequence, counted in utf8_replaced_total and logged (reject)"}
    """#

    public init(_ config: Config) throws {
        let name = try config.string("utf8", default: Self.default.rawValue)
        guard let policy = UTF8Policy(rawValue: name) else { throw SluiceError.config("utf8: \(name.debugDescription) is not reject or replace") }
        self = policy
    }
}

/// A source's `utf8:` policy, applied to one record's bytes at a time, with
/// the counter and the warning that keep `replace` from being silent (the
/// host rate-limits the warning by its text, digits aside).
public struct UTF8Gate: Sendable {
    public enum Verdict {
        /// Valid as they are.
        case valid
        /// `replace`: the bytes with each invalid sequence as U+FFFD.
        case repaired([UInt8])
        /// `reject`: the offset of the first invalid byte.
        case invalid(byte: Int)
    }

    public let policy: UTF8Policy
    let replaced: Metric
    let host: PluginHost

    public init(_ config: Config, host: PluginHost) throws {
        policy = try UTF8Policy(config)
        self.host = host
        replaced = host.metric(.counter, "utf8_replaced_total", help: "invalid UTF-8 sequences replaced by U+FFFD (utf8: replace)")
    }

    /// Checks `bytes`; `place` names where they came from in the warning (e.g. "line 7").
    public func check(_ bytes: UnsafeRawBufferPointer, place: @autoclosure () -> String) -> Verdict {
        guard let at = UTF8Validation.firstInvalidByte(bytes) else { return .valid }
        switch policy {
        case .reject:
            return .invalid(byte: at)
        case .replace:
            let (repaired, count) = UTF8Validation.repaired(bytes)
            didReplace(count, place: place())
            return .repaired(repaired)
        }
    }

    /// Counts `count` replaced sequences and says so: `replace` is never silent.
    public func didReplace(_ count: Int, place: @autoclosure () -> String) {
        replaced.record(Double(count))
        host.log(.warning, "\(place()): \(count) invalid UTF-8 sequence(s) replaced by U+FFFD (utf8: replace)")
    }

    /// The dead-letter reason for `.invalid(byte:)`.
    public static func reason(byte: Int) -> String {
        "invalid UTF-8 at byte \(byte) (utf8: reject; utf8: replace would write U+FFFD)"
    }
}

/// UTF-8 checks on raw bytes through the standard library's parser.
public enum UTF8Validation {
    /// The offset of the first byte of the first invalid sequence; nil when every byte is valid UTF-8.
    public static func firstInvalidByte(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var i = 0
        while i < bytes.count {
            // Runs of ASCII, eight bytes at a time, need no parsing.
            if i + 8 <= bytes.count, base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            if bytes[i] < 0x80 {
                i += 1
                continue
            }
            var input = UnsafeRawBufferPointer(rebasing: bytes[i...]).makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            switch parser.parseScalar(from: &input) {
            case let .valid(scalar): i += scalar.count
            case .error: return i
            case .emptyInput: return nil
            }
        }
        return nil
    }

    /// The bytes with each invalid sequence (its maximal subpart, as
    /// `String(decoding:as:)` does) replaced by U+FFFD, and how many were.
    public static func repaired(_ bytes: UnsafeRawBufferPointer) -> (bytes: [UInt8], replaced: Int) {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var replaced = 0
        var input = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &input) {
            case let .valid(scalar): out.append(contentsOf: scalar)
            case .error:
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                replaced += 1
            case .emptyInput: return (out, replaced)
            }
        }
    }
}
