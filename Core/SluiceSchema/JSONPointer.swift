import SluiceSDK

/// RFC 6901 JSON Pointers, as `$ref` fragments carry them.
enum JSONPointer {
    /// One reference token escaped for a pointer: `~` as `~0`, `/` as `~1`.
    static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingAll("~", with: "~0").replacingAll("/", with: "~1")
    }

    /// The tokens of `pointer` ("" is the whole document), or nil when it is
    /// malformed (no leading `/`, or a `~` not followed by 0 or 1).
    static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var out: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var tilde = false
            for c in raw {
                if tilde {
                    guard c == "0" || c == "1" else { return nil }
                    token.append(c == "0" ? "~" : "/")
                    tilde = false
                } else if c == "~" {
                    tilde = true
                } else {
                    token.append(c)
                }
            }
            if tilde { return nil }
            out.append(token)
        }
        return out
    }

    /// The value `tokens` point to inside `root`, or nil.
    static func resolve(_ tokens: [String], in root: JSONValue) -> JSONValue? {
        var current = root
        for token in tokens {
            switch current {
            case let .object(o):
                guard let next = o[token] else { return nil }
                current = next
            case let .array(a):
                // RFC 6901: an array index is digits without a leading zero.
                guard let i = Int(token), i >= 0, i < a.count, token == String(i) else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// Decodes `%XX` escapes (a URI fragment is percent-encoded), or nil when one is malformed.
    static func percentDecoded(_ s: String) -> String? {
        guard s.contains("%") else { return s }
        var bytes: [UInt8] = []
        var u = s.utf8[...]
        while let c = u.popFirst() {
            guard c == UInt8(ascii: "%") else { bytes.append(c); continue }
            guard u.count >= 2, let hi = hexValue(u.removeFirst()), let lo = hexValue(u.removeFirst()) else { return nil }
            bytes.append(hi << 4 | lo)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): return c - 48
        case UInt8(ascii: "a") ... UInt8(ascii: "f"): return c - 87
        case UInt8(ascii: "A") ... UInt8(ascii: "F"): return c - 55
        default: return nil
        }
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
