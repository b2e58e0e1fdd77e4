/// Cuts a JSON body into its readings' texts while the body streams in:
/// each item of a top-level array is handed over as soon as its last byte
/// arrives, so only one unfinished item is ever held, never the whole body.
/// Any other top-level value is one reading, handed over by `finish`.
///
/// Only the structure around the items is checked here (brackets, commas,
/// strings, so a `,` or `]` inside a string does not end an item); an item's
/// own text is checked by whoever decodes it. A value type without I/O.
struct JSONBodySplitter {
    struct SyntaxError: Error, Equatable {
        /// Body offset of the offending byte.
        let offset: Int
        let reason: String
    }

    private enum Phase {
        case start
        /// A top-level value that is not an array: one reading, kept to the end.
        case single
        case beforeItem(first: Bool)
        case inItem
        case closed
    }

    private var phase = Phase.start
    /// The unfinished item's bytes from earlier chunks.
    private var pending: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// Body bytes fed so far.
    private(set) var offset = 0
    /// Body offset where the unfinished item began.
    private var itemStart = 0
    /// Items handed over so far.
    private(set) var items = 0

    /// Bytes held for an item that has not ended yet.
    var bufferedBytes: Int { pending.count }

    /// Feeds the next bytes of the body; `item` gets each completed item's
    /// text (valid only during the call), its 1-based number and its body offset.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ item: (UnsafeRawBufferPointer, _ number: Int, _ at: Int) throws -> Void) throws {
        var from: Int? = nil
        switch phase {
        case .inItem, .single: from = 0
        default: break
        }
        var i = 0
        while i < chunk.count {
            let c = chunk[i]
            switch phase {
            case .start:
                if Self.isSpace(c) { break }
                if c == UInt8(ascii: "[") {
                    phase = .beforeItem(first: true)
                } else {
                    phase = .single
                    from = i
                    itemStart = offset + i
                    i = chunk.count
                    continue
                }
            case .single:
                i = chunk.count
                continue
            case let .beforeItem(first):
                if Self.isSpace(c) { break }
                if c == UInt8(ascii: "]"), first {
                    phase = .closed
                    break
                }
                guard c != UInt8(ascii: "]"), c != UInt8(ascii: ",") else {
                    throw SyntaxError(offset: offset + i, reason: "expected an item after \(first ? "[" : ",")")
                }
                phase = .inItem
                depth = 0
                inString = false
                escaped = false
                from = i
                itemStart = offset + i
                continue
            case .inItem:
                if inString {
                    if escaped {
                        escaped = false
                    } else if c == UInt8(ascii: "\\") {
                        escaped = true
                    } else if c == UInt8(ascii: "\"") {
                        inString = false
                    }
                    break
                }
                if c == UInt8(ascii: "\"") {
                    inString = true
                } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                    depth += 1
                } else if depth > 0, c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                    depth -= 1
                } else if depth == 0, c == UInt8(ascii: ",") || c == UInt8(ascii: "]") {
                    try end(chunk, from: from ?? 0, to: i, item)
                    from = nil
                    phase = c == UInt8(ascii: ",") ? .beforeItem(first: false) : .closed
                }
            case .closed:
                guard Self.isSpace(c) else { throw SyntaxError(offset: offset + i, reason: "trailing characters after the array") }
            }
            i += 1
        }
        if let from, from < chunk.count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[from...])) }
        offset += chunk.count
    }

    /// The body ended: hands over a single top-level value, or checks the array was closed.
    mutating func finish(_ item: (UnsafeRawBufferPointer, _ number: Int, _ at: Int) throws -> Void) throws {
        switch phase {
        case .start, .closed: return
        case .single:
            items += 1
            try pending.withUnsafeBytes { try item($0, items, itemStart) }
            pending = []
        case .beforeItem, .inItem:
            throw SyntaxError(offset: offset, reason: "the body ends inside the array (a missing ])")
        }
    }

    private mutating func end(_ chunk: UnsafeRawBufferPointer, from: Int, to: Int, _ item: (UnsafeRawBufferPointer, Int, Int) throws -> Void) throws {
        items += 1
        if pending.isEmpty {
            try item(UnsafeRawBufferPointer(rebasing: chunk[from ..< to]), items, itemStart)
        } else {
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[from ..< to]))
            try pending.withUnsafeBytes { try item($0, items, itemStart) }
            pending.removeAll(keepingCapacity: pending.count <= 1 << 16)
        }
    }

    private static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
    }
}
