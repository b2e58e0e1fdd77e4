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
struct DeliveredLines {
    /// Emitted lines in order (line numbers increase): the byte offset after each, and whether it is acked.
    private var emitted: [(line: Int, end: UInt64, acked: Bool)] = []
    private var head = 0
    /// The end of the longest delivered run, when it moved since `take`.
    private(set) var delivered: (line: Int, end: UInt64)?
    private(set) var moved = false

    mutating func emitted(line: Int, end: UInt64) { emitted.append((line, end, false)) }

    /// Every emitted line is delivered.
    var isComplete: Bool { head == emitted.count }

    /// Marks `line` delivered; an ack of a line not emitted, or delivered already, changes nothing.
    mutating func acked(line: Int) {
        // Only the first line not yet delivered moves the run, and acks
        // mostly come in order: that one is passed without being marked,
        // which cost the array a uniqueness check and a store per line.
        guard head < emitted.count, emitted[head].line == line else {
            // Out of order: marked, and passed when the run reaches it.
            if let position = position(of: line) { emitted[position].acked = true }
            return
        }
        head += 1
        while head < emitted.count, emitted[head].acked { head += 1 }
        delivered = (emitted[head - 1].line, emitted[head - 1].end)
        moved = true
        if head > 4096, head * 2 > emitted.count { trim() }
    }

    /// Where `line` is among the emitted lines from `head` on, or nil.
    private func position(of line: Int) -> Int? {
        guard head < emitted.count else { return nil }
        // Lines are mostly emitted one after another, so the line's distance from the first is its place.
        let guess = head + (line - emitted[head].line)
        if guess >= head, guess < emitted.count, emitted[guess].line == line { return guess }
        var low = head, high = emitted.count
        while low < high {
            let middle = (low + high) / 2
            if emitted[middle].line < line { low = middle + 1 } else { high = middle }
        }
        return low < emitted.count && emitted[low].line == line ? low : nil
    }

    /// Drops the delivered lines once they are most of the array.
    private mutating func trim() {
        emitted.removeFirst(head)
        head = 0
    }

    mutating func take() -> (line: Int, end: UInt64)? {
        guard moved else { return nil }
        moved = false
        return delivered
    }
}
