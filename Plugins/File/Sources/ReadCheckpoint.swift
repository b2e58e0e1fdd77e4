import Foundation
import SluiceSDK

/// `file.read`'s `checkpoint:` file: how far the file has been delivered,
/// so a restart resumes there instead of at line 1 (as Fluent Bit's tail
/// database and Vector's checkpoints do).
///
/// Positions advance only over lines every sink has written (acks arrive
/// out of order; the checkpoint is the end of the longest acked run from
/// the start). The file's path, device, inode and size are kept with it: a
/// file replaced or truncated since, or another file that got the inode of a
/// deleted one, is read again from the start.
struct ReadCheckpoint: Equatable {
    var path: String
    var device: UInt64
    var inode: UInt64
    /// Byte offset where the next undelivered line starts, and that line's number minus one.
    var offset: UInt64
    /// Counted from the part's first line when `part` is set.
    var line: Int
    /// The byte range read by this reader of `workers: N` (`LineReader.readPart`); nil for the whole file.
    var part: Range<UInt64>? = nil
    /// A reader of several reached its part's end with every line delivered.
    var complete = false

    /// Whether this checkpoint can resume a file of this identity, read in
    /// this part (another `workers:` or a file that grew splits differently).
    func resumes(path: String, device: UInt64, inode: UInt64, size: UInt64, part: Range<UInt64>?) -> Bool {
        path == self.path && device == self.device && inode == self.inode && offset <= size && part == self.part
    }

    static func load(_ path: String) -> ReadCheckpoint? {
        guard let data = FileManager.default.contents(atPath: path), let v = data.withUnsafeBytes({ try? JSONParser.parse($0) }),
              let device = v["device"]?.integer, let inode = v["inode"]?.integer, let offset = v["offset"]?.integer,
              let line = v["line"]?.integer, let path = v["path"]?.string else { return nil }
        var part: Range<UInt64>?
        if let start = v["part_start"]?.integer, let end = v["part_end"]?.integer, start >= 0, end >= start {
            part = UInt64(start) ..< UInt64(end)
        }
        return ReadCheckpoint(path: path, device: UInt64(device), inode: UInt64(inode), offset: UInt64(offset), line: Int(line), part: part,
                              complete: v["complete"]?.bool ?? false)
    }

    /// Written to a temporary file and renamed over the old one: a crash leaves one or the other, whole.
    func save(_ path: String) throws {
        let range = part.map { #","part_start":\#($0.lowerBound),"part_end":\#($0.upperBound)"# } ?? ""
        let text = #"{"path":\#(JSONWriter.string(.string(self.path))),"device":\#(device),"inode":\#(inode),"offset":\#(offset),"line":\#(line)\#(range)\#(complete ? #","complete":true"# : "")}"# + "\n"
        let temporary = path + ".tmp"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else { throw SluiceError.retriable("cannot rename \(temporary): \(String(cString: strerror(errno)))") }
    }
}

/// Which emitted lines are delivered: the longest run from the first one.
///
/// An ack marks its line in place: acks that come out of order (a join
/// releases its rows in event-time order) cost a lookup in the sorted
/// lines, where a set of acked lines cost a hash insert and a remove each.
/// The lines are kept in raw memory, not an array: each line emitted and
/// acked cost the array a uniqueness check, and each access a bounds check.
///
/// Used by its reader's thread alone (`poll`, `ack` and `deinit` of a
/// source come one at a time), so its stored properties skip the dynamic
/// exclusivity checks: none of its methods calls out while accessing one.
final class DeliveredLines {
    struct Line {
        var line: Int
        /// The byte offset after the line.
        var end: UInt64
        var acked: Bool
    }

    /// Emitted lines in order (line numbers increase); those before `head` are delivered.
    @exclusivity(unchecked) private var lines: UnsafeMutablePointer<Line>
    @exclusivity(unchecked) private var capacity = 1024
    @exclusivity(unchecked) private var count = 0
    @exclusivity(unchecked) private var head = 0
    /// The end of the longest delivered run, when it moved since `take`.
    @exclusivity(unchecked) private(set) var delivered: (line: Int, end: UInt64)?
    @exclusivity(unchecked) private(set) var moved = false

    init() {
        lines = .allocate(capacity: capacity)
    }

    deinit {
        lines.deallocate()
    }

    func emitted(line: Int, end: UInt64) {
        if count == capacity { makeRoom() }
        (lines + count).initialize(to: Line(line: line, end: end, acked: false))
        count &+= 1
    }

    /// Drops the delivered lines, and grows the memory when the undelivered fill half of it.
    @inline(never)
    private func makeRoom() {
        let undelivered = count - head
        if undelivered * 2 >= capacity {
            let grown = UnsafeMutablePointer<Line>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: lines + head, count: undelivered)
            lines.deallocate()
            lines = grown
            capacity *= 2
        } else {
            lines.moveInitialize(from: lines + head, count: undelivered)
        }
        count = undelivered
        head = 0
    }

    /// Every emitted line is delivered.
    var isComplete: Bool { head == count }

    /// Marks the lines `tokens` delivered; an ack of a line not emitted, or delivered already, changes nothing.
    func acked(_ tokens: UnsafeBufferPointer<UInt64>) {
        var head = self.head
        let start = head
        for token in tokens {
            let line = Int(truncatingIfNeeded: token)
            // Only the first line not yet delivered moves the run, and acks
            // mostly come in order: that one is passed without being marked.
            guard head < count, lines[head].line == line else {
                // Out of order: marked, and passed when the run reaches it.
                if let position = position(of: line, from: head) { lines[position].acked = true }
                continue
            }
            head &+= 1
            while head < count, lines[head].acked { head &+= 1 }
        }
        guard head != start else { return }
        self.head = head
        delivered = (lines[head &- 1].line, lines[head &- 1].end)
        moved = true
    }

    /// Where `line` is among the emitted lines from `head` on, or nil.
    private func position(of line: Int, from head: Int) -> Int? {
        guard head < count else { return nil }
        // Lines are mostly emitted one after another, so the line's distance from the first is its place.
        let guess = head &+ (line &- lines[head].line)
        if guess >= head, guess < count, lines[guess].line == line { return guess }
        var low = head, high = count
        while low < high {
            let middle = (low + high) / 2
            if lines[middle].line < line { low = middle + 1 } else { high = middle }
        }
        return low < count && lines[low].line == line ? low : nil
    }

    func take() -> (line: Int, end: UInt64)? {
        guard moved else { return nil }
        moved = false
        return delivered
    }
}
