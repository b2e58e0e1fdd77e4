/// Keeps secrets out of log lines and error messages: passwords in URLs
/// (`scheme://user:pass@host`), secret-looking query and `key=value` pairs
/// (`?token=…`, `api_key=…`, `"password":"…"`), and any value a config gave
/// under a secret-looking key, wherever it is echoed.
public enum Redaction {
    /// What a secret is replaced with.
    public static let mask = "***"

    /// Key names whose values are secrets, matched as a part of the key
    /// (`sasl.password`, `es_api_key`, `access_token`), as UTF-8: searched
    /// byte-wise, since `String.contains` builds a search table on every call
    /// (twelve per config key at plan time).
    static let secretWords = ["password", "passwd", "secret", "token", "api_key", "apikey", "api-key", "credential",
                              "private_key", "access_key", "authorization", "bearer"].map { Array($0.utf8) }

    /// Whether a config key or query parameter names a secret.
    public static func isSecretKey(_ key: String) -> Bool {
        let lower = key.lowercased()
        let k = Array(lower.utf8)
        return secretWords.contains { word in
            k.count >= word.count && (0 ... k.count - word.count).contains { k[$0 ..< $0 + word.count].elementsEqual(word) }
        } || lower == "sig" || lower == "signature"
    }

    /// Secret values in a config: strings under secret-looking keys, and the
    /// passwords and secret query values inside any URL it holds.
    public static func secrets(in value: JSONValue, key: String = "") -> [String] {
        switch value {
        case let .string(s):
            return (isSecretKey(key) ? [s] : []) + embeddedSecrets(s)
        case let .array(items):
            return items.flatMap { secrets(in: $0, key: key) }
        case let .object(o):
            return o.flatMap { secrets(in: $0.value, key: $0.key) }
        case let .int(n) where isSecretKey(key):
            return [String(n)]
        default:
            return []
        }
    }

    /// Short values are left alone: masking "1" or "ab" everywhere would garble lines, not protect anything.
    static let shortest = 4

    /// `text` with URL passwords, secret-looking `key=value` and
    /// `"key": "value"` pairs, HTTP credentials, and every one of `secrets` masked.
    public static func redact(_ text: String, secrets: some Sequence<String> = [String]()) -> String {
        var out = text
        for secret in Set(secrets) where secret.count >= shortest && out.contains(secret) {
            out = out.replacing(secret, with: mask)
        }
        out = out.replacing(userInfo) { "\($0.output.1):\(mask)@" }
        out = out.replacing(authorization) { "\($0.output.1) \(mask)" }
        out = out.replacing(keyValue) { m in isSecretKey(String(m.output.2)) ? "\(m.output.1)\(m.output.2)\(m.output.3)\(mask)" : String(m.output.0) }
        out = out.replacing(quotedPair) { m in isSecretKey(String(m.output.2)) ? "\(m.output.1)\(mask)\"" : String(m.output.0) }
        return out
    }

    /// The password of each `scheme://user:password@` and the values of secret query parameters in `s`.
    static func embeddedSecrets(_ s: String) -> [String] {
        // Most config strings have neither an "@" (userInfo needs one) nor an "=" (keyValue):
        // skip building the regexes for those, a Regex being compiled anew on each use.
        let utf8 = s.utf8
        var found: [String] = []
        for m in utf8.contains(UInt8(ascii: "@")) ? s.matches(of: userInfo) : [] {
            let whole = m.output.0
            if let colon = whole.dropFirst(m.output.1.count).firstIndex(of: ":") {
                found.append(String(whole[whole.index(after: colon) ..< whole.index(before: whole.endIndex)]))
            }
        }
        for m in utf8.contains(UInt8(ascii: "=")) ? s.matches(of: keyValue) : [] where isSecretKey(String(m.output.2)) {
            found.append(String(s[m.range].dropFirst(m.output.1.count + m.output.2.count + m.output.3.count)))
        }
        return found.filter { !$0.isEmpty }
    }

    /// `scheme://user:` before a password and `@`: capture 1 is `scheme://user`.
    static var userInfo: Regex<(Substring, Substring)> { /([A-Za-z][A-Za-z0-9+.\-]*:\/\/[^\/@\s:]*):[^\/@\s]*@/ }
    /// `name=value` after a delimiter, as in query strings, librdkafka errors and log lines.
    static var keyValue: Regex<(Substring, Substring, Substring, Substring)> { /([?&;,\s(]|^)([A-Za-z0-9_.\-]+)(=)[^&\s"',;)]+/ }
    /// An HTTP credential as a server may echo it: `Basic dTpw…`, `Bearer eyJ…`.
    static var authorization: Regex<(Substring, Substring)> { /(Basic|Bearer|ApiKey)\s+[A-Za-z0-9+\/=._~\-]{4,}/ }
    /// `"name": "value"` in JSON text: capture 1 runs to the value's opening quote.
    static var quotedPair: Regex<(Substring, Substring, Substring)> { /("([^"\\]{1,64})"\s*:\s*")(?:[^"\\]|\\.)*"/ }
}
