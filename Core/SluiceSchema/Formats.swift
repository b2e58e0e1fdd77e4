/// The formats of draft 2020-12, each checked to its RFC when format
/// assertion is on (`SchemaOptions.formatAssertion`).
enum Format: String, CaseIterable, Sendable {
    case dateTime = "date-time", date, time, duration
    case email, idnEmail = "idn-email", hostname, idnHostname = "idn-hostname", ipv4, ipv6
    case uri, uriReference = "uri-reference", iri, iriReference = "iri-reference", uuid, uriTemplate = "uri-template"
    case jsonPointer = "json-pointer", relativeJSONPointer = "relative-json-pointer", regex
    /// Sluice's own, for config schemas: a file path, which the host resolves
    /// against the manifest's folder. Any string is one.
    case path

    func check(_ s: String) -> Bool {
        switch self {
        case .path: return true
        case .dateTime: return DateFormats.isDateTime(s)
        case .date: return DateFormats.isDate(Array(s.utf8)[...])
        case .time: return DateFormats.isTime(Array(s.utf8)[...])
        case .duration: return DateFormats.isDuration(s)
        case .email: return NetworkFormats.isEmail(s, international: false)
        case .idnEmail: return NetworkFormats.isEmail(s, international: true)
        case .hostname: return NetworkFormats.isHostname(s)
        case .idnHostname: return NetworkFormats.isIDNHostname(s)
        case .ipv4: return NetworkFormats.isIPv4(Substring(s))
        case .ipv6: return NetworkFormats.isIPv6(Substring(s))
        case .uri: return URIFormats.isURI(s, international: false, relative: false)
        case .uriReference: return URIFormats.isURI(s, international: false, relative: true)
        case .iri: return URIFormats.isURI(s, international: true, relative: false)
        case .iriReference: return URIFormats.isURI(s, international: true, relative: true)
        case .uuid: return Self.isUUID(s)
        case .uriTemplate: return URIFormats.isURITemplate(s)
        case .jsonPointer: return JSONPointer.tokens(s) != nil
        case .relativeJSONPointer: return Self.isRelativeJSONPointer(s)
        case .regex: return (try? Pattern(s)) != nil
        }
    }

    /// RFC 4122: 8-4-4-4-12 hex digits (any version and variant).
    static func isUUID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
            } else if !c.isHexDigit {
                return false
            }
        }
        return true
    }

    /// draft-bhutton-relative-json-pointer-00: a non-negative integer, an
    /// optional index adjustment, then `#` or a JSON Pointer.
    static func isRelativeJSONPointer(_ s: String) -> Bool {
        var u = Array(s.utf8)[...]
        guard let first = u.first, first.isDigit else { return false }
        if first == UInt8(ascii: "0") { u = u.dropFirst() } else { while let c = u.first, c.isDigit { u = u.dropFirst() } }
        if let sign = u.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            u = u.dropFirst()
            guard let d = u.first, d.isDigit, d != UInt8(ascii: "0") else { return false }
            while let c = u.first, c.isDigit { u = u.dropFirst() }
        }
        if u.elementsEqual([UInt8(ascii: "#")]) { return true }
        return JSONPointer.tokens(String(decoding: u, as: UTF8.self)) != nil
    }
}

extension UInt8 {
    var isDigit: Bool { self >= 48 && self <= 57 }
    var isHexDigit: Bool { isDigit || (65 ... 70).contains(self) || (97 ... 102).contains(self) }
    var isAlpha: Bool { (65 ... 90).contains(self) || (97 ... 122).contains(self) }
}
