import SluiceSDK

/// The `format` keywords Sluice asserts (2020-12 makes format an annotation
/// by default; a pipeline validator is expected to enforce it).
enum Formats {
    static func check(_ format: String, _ s: String) -> Bool {
        switch format {
        case "date-time": return isDateTime(s)
        case "date": return s.utf8.count == 10 && ISO8601.parse(s) != nil
        case "time": return ISO8601.parse("1970-01-01T" + s) != nil
        case "email": return isEmail(s)
        case "uuid": return isUUID(s)
        case "ipv4": return isIPv4(s)
        case "hostname": return isHostname(s)
        case "uri": return isURI(s)
        default: return true
        }
    }

    /// RFC 3339: a full date, a time and an explicit zone.
    static func isDateTime(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 20, u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") || u[10] == UInt8(ascii: " ") else {
            return false
        }
        let last = u[u.count - 1]
        let zoned = last == UInt8(ascii: "Z") || last == UInt8(ascii: "z") || u[u.count - 6] == UInt8(ascii: "+")
            || u[u.count - 6] == UInt8(ascii: "-")
        return zoned && ISO8601.parse(s) != nil
    }

    static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64, !parts[0].contains(" ") else { return false }
        return isHostname(String(parts[1])) && parts[1].contains(".")
    }

    static func isUUID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard c == UInt8(ascii: "-") else { return false }
            } else if !isHex(c) {
                return false
            }
        }
        return true
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCIIDigit), let v = Int(p), v <= 255 else { return false }
            return p.count == 1 || p.first != "0"
        }
    }

    static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func isURI(_ s: String) -> Bool {
        guard let colon = s.firstIndex(of: ":"), colon != s.startIndex else { return false }
        let scheme = s[..<colon]
        return scheme.first!.isLetter && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
            && !s.contains(" ")
    }

    static func isHex(_ c: UInt8) -> Bool {
        (48 ... 57).contains(c) || (65 ... 70).contains(c) || (97 ... 102).contains(c)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
