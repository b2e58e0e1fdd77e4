/// The Lumberjack v2 frames (the Beats protocol a Logstash `beats` input
/// speaks) that `logstash.write` sends with `protocol: beats`: a window
/// announcing a batch's event count, one JSON frame per event numbered from
/// 1, and the ack Logstash answers with once it has handled the window.
/// Integers are big-endian.
enum BeatsFrames {
    static let version = UInt8(ascii: "2")
    /// An ack: version, `A`, u32 sequence.
    static let ackSize = 6

    /// `2W` and the number of events that follow.
    static func window(_ count: UInt32, into out: inout [UInt8]) {
        out.append(version)
        out.append(UInt8(ascii: "W"))
        put(count, into: &out)
    }

    /// `2J`, the event's sequence in its window, its length, and the JSON text.
    static func json(sequence: UInt32, _ event: some Collection<UInt8>, into out: inout [UInt8]) {
        out.append(version)
        out.append(UInt8(ascii: "J"))
        put(sequence, into: &out)
        put(UInt32(event.count), into: &out)
        out.append(contentsOf: event)
    }

    /// The sequence an ack frame acknowledges (every event up to it); nil
    /// when the bytes are not an ack, which a beats input never sends.
    static func ack(_ frame: [UInt8]) -> UInt32? {
        guard frame.count == ackSize, frame[0] == version, frame[1] == UInt8(ascii: "A") else { return nil }
        return frame[2...].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func put(_ v: UInt32, into out: inout [UInt8]) {
        out.append(contentsOf: [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)])
    }
}
