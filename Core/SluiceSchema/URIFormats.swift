/// RFC 3986 URIs, RFC 3987 IRIs and RFC 6570 URI templates, checked
/// character by character against their grammars.
enum URIFormats {
    /// A URI (with a scheme) or, with `relative`, a URI reference; with
    /// `international`, an IRI (non-ASCII `ucschar`s allowed).
    static func isURI(_ s: String, international: Bool, relative: Bool) -> Bool {
        let r = URIReference(s)
        if r.scheme == nil, !relative { return false }
        if let scheme = r.scheme {
            let u = Array(scheme.utf8)
            // URIReference only takes a scheme before the first ':' if nothing else came first; check its grammar here.
            guard let first = u.first, first.isAlpha,
                  u.allSatisfy({ $0.isAlpha || $0.isDigit || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
            else { return false }
        } else if !r.path.hasPrefix("/"), let firstSegment = r.path.split(separator: "/").first, firstSegment.contains(":") {
            return false
        }
        if let authority = r.authority, !isAuthority(authority, international) { return false }
        if r.authority == nil, r.path.hasPrefix("//") { return false }
        let pathExtra: Set<Unicode.Scalar> = ["/", ":", "@"]
        let queryExtra: Set<Unicode.Scalar> = ["/", ":", "@", "?"]
        return allowed(r.path, pathExtra, international) && r.query.map { allowed($0, queryExtra, international, isQuery: true) } != false
            && r.fragment.map { allowed($0, queryExtra, international) } != false
    }

    private static let subDelims: Set<Unicode.Scalar> = ["!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "="]

    /// `[userinfo "@"] host [":" port]`.
    private static func isAuthority(_ a: String, _ international: Bool) -> Bool {
        var hostPort = Substring(a)
        if let at = a.lastIndex(of: "@") {
            guard allowed(String(a[..<at]), [":"], international) else { return false }
            hostPort = a[a.index(after: at)...]
        }
        var host = hostPort
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return false }
            let literal = hostPort[hostPort.index(after: hostPort.startIndex) ..< close]
            let rest = hostPort[hostPort.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") && rest.dropFirst().utf8.allSatisfy(\.isDigit) else { return false }
            if literal.hasPrefix("v") || literal.hasPrefix("V") {
                let parts = literal.dropFirst().split(separator: ".", maxSplits: 1)
                return parts.count == 2 && !parts[0].isEmpty && parts[0].utf8.allSatisfy(\.isHexDigit)
                    && !parts[1].isEmpty && parts[1].unicodeScalars.allSatisfy { isUnreserved($0) || subDelims.contains($0) || $0 == ":" }
            }
            return NetworkFormats.isIPv6(literal)
        }
        if let colon = hostPort.lastIndex(of: ":") {
            guard hostPort[hostPort.index(after: colon)...].utf8.allSatisfy(\.isDigit) else { return false }
            host = hostPort[..<colon]
        }
        return allowed(String(host), [], international)
    }

    /// Every character unreserved, a sub-delimiter, in `extra`, or a valid
    /// `%XX`; for IRIs also a `ucschar` (and in a query an `iprivate`).
    private static func allowed(_ s: String, _ extra: Set<Unicode.Scalar>, _ international: Bool, isQuery: Bool = false) -> Bool {
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "%" {
                guard i + 2 < scalars.count, scalars[i + 1].isASCII, scalars[i + 2].isASCII,
                      UInt8(scalars[i + 1].value).isHexDigit, UInt8(scalars[i + 2].value).isHexDigit
                else { return false }
                i += 3
                continue
            }
            guard isUnreserved(c) || subDelims.contains(c) || extra.contains(c)
                || international && (isUCSChar(c) || isQuery && isPrivate(c))
            else { return false }
            i += 1
        }
        return true
    }

    private static func isUnreserved(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (UInt8(c.value).isAlpha || UInt8(c.value).isDigit || c == "-" || c == "." || c == "_" || c == "~")
    }

    /// RFC 3987 `ucschar`.
    private static func isUCSChar(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if (0xA0 ... 0xD7FF).contains(v) || (0xF900 ... 0xFDCF).contains(v) || (0xFDF0 ... 0xFFEF).contains(v) { return true }
        guard v >= 0x10000, v < 0xF0000 else { return false }
        return v & 0xFFFF <= 0xFFFD
    }

    private static func isPrivate(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (0xE000 ... 0xF8FF).contains(v) || (0xF0000 ... 0xFFFFD).contains(v) || (0x100000 ... 0x10FFFD).contains(v)
    }

    /// RFC 6570: literals, and expressions `{[op]var[:n|*],…}`.
    static func isURITemplate(_ s: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        var i = 0
        let forbidden: Set<Unicode.Scalar> = [" ", "\"", "'", "<", ">", "\\", "^", "`", "|", "}"]
        while i < scalars.count {
            let c = scalars[i]
            if c == "{" {
                guard let close = scalars[i...].firstIndex(of: "}") else { return false }
                guard isExpression(scalars[(i + 1) ..< close]) else { return false }
                i = close + 1
            } else if c == "%" {
                guard i + 2 < scalars.count, scalars[i + 1].isASCII, scalars[i + 2].isASCII,
                      UInt8(scalars[i + 1].value).isHexDigit, UInt8(scalars[i + 2].value).isHexDigit
                else { return false }
                i += 3
            } else {
                guard c.value > 0x20, c.value != 0x7F, !forbidden.contains(c) else { return false }
                i += 1
            }
        }
        return true
    }

    private static func isExpression(_ body: ArraySlice<Unicode.Scalar>) -> Bool {
        var body = body
        if let op = body.first, "+#./;?&=,!@|".unicodeScalars.contains(op) { body = body.dropFirst() }
        guard !body.isEmpty else { return false }
        for spec in body.split(separator: ",", omittingEmptySubsequences: false) {
            var name = spec[...]
            if spec.last == "*" {
                name = spec.dropLast()
            } else if let colon = spec.firstIndex(of: ":") {
                name = spec[..<colon]
                let length = spec[(colon + 1)...]
                guard (1 ... 4).contains(length.count), length.first != "0",
                      length.allSatisfy({ $0.isASCII && UInt8($0.value).isDigit })
                else { return false }
            }
            guard isVarname(name) else { return false }
        }
        return true
    }

    /// `varchar *(["."] varchar)`, varchar being ALPHA, DIGIT, "_" or `%XX`.
    private static func isVarname(_ name: ArraySlice<Unicode.Scalar>) -> Bool {
        guard !name.isEmpty, name.first != ".", name.last != "." else { return false }
        var i = name.startIndex
        var previousDot = false
        while i < name.endIndex {
            let c = name[i]
            if c == "." {
                if previousDot { return false }
                previousDot = true
                i += 1
                continue
            }
            previousDot = false
            if c == "%" {
                guard i + 2 < name.endIndex, name[i + 1].isASCII, name[i + 2].isASCII,
                      UInt8(name[i + 1].value).isHexDigit, UInt8(name[i + 2].value).isHexDigit
                else { return false }
                i += 3
                continue
            }
            guard c.isASCII, UInt8(c.value).isAlpha || UInt8(c.value).isDigit || c == "_" else { return false }
            i += 1
        }
        return true
    }
}
