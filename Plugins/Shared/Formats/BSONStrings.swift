import SluiceSDK

/// UTF-8 in a BSON document's keys and strings. A producer of BSON (a Kafka
/// value in `format: bson`) may not have checked it, and a sink must only
/// ever see UTF-8, so a source applies its `utf8:` policy to them as to text.
public enum BSONStrings {
    /// The first key or string that is not valid UTF-8: its field path and
    /// the offset of its first invalid byte in the document's bytes.
    public static func firstInvalid(_ document: BSONDocument) -> (path: String, byte: Int)? {
        firstInvalid(document, origin: document.bytes.baseAddress).map { ($0.keys.reversed().joined(separator: "."), $0.byte) }
    }

    /// The keys down to the bad one, innermost first: built only on failure,
    /// since every valid value of a `format: bson` source comes through here.
    private static func firstInvalid(_ document: BSONDocument, origin: UnsafeRawPointer?) -> (keys: [String], byte: Int)? {
        for e in document.elements {
            if let at = UTF8Validation.firstInvalidByte(e.keyBytes) { return ([e.key], offset(e.keyBytes, from: origin) + at) }
            if let s = e.stringBytes, let at = UTF8Validation.firstInvalidByte(s) { return ([e.key], offset(s, from: origin) + at) }
            if e.type == .document || e.type == .array, let nested = e.document, var found = firstInvalid(nested, origin: origin) {
                found.keys.append(e.key)
                return found
            }
        }
        return nil
    }

    private static func offset(_ part: UnsafeRawBufferPointer, from origin: UnsafeRawPointer?) -> Int {
        guard let base = part.baseAddress, let origin else { return 0 }
        return origin.distance(to: base)
    }

    /// Copies the document's elements into `w` (a document open in it) with
    /// each invalid sequence in a key or string replaced by U+FFFD, as
    /// `utf8: replace` does for text; returns how many were replaced.
    public static func appendRepaired(_ document: BSONDocument, into w: inout BSONWriter) -> Int {
        var replaced = 0
        for e in document.elements {
            let key = UTF8Validation.repaired(e.keyBytes)
            replaced += key.replaced
            let name = String(decoding: key.bytes, as: UTF8.self)
            if let s = e.stringBytes, UTF8Validation.firstInvalidByte(s) != nil {
                let value = UTF8Validation.repaired(s)
                replaced += value.replaced
                value.bytes.withUnsafeBytes { w.append(name, stringBytes: $0) }
            } else if e.type == .document, let nested = e.document {
                w.appendDocument(name) { replaced += appendRepaired(nested, into: &$0) }
            } else if e.type == .array, let nested = e.document {
                w.appendArray(name) { replaced += appendRepaired(nested, into: &$0) }
            } else {
                w.append(e, as: name)
            }
        }
        return replaced
    }
}
