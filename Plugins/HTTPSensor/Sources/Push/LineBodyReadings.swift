import SluiceFormats
import SluiceSDK

/// An NDJSON, CSV or text body turned into readings line by line as it
/// arrives (`LineSplitter`, then `RecordLines`): a CSV header row first,
/// then its rows. Memory is the readings plus the longest line (at most
/// `max_line_bytes`), and a body with more readings than the inbox can ever
/// take is refused at the first reading too many.
///
/// Its state opts out of dynamic exclusivity checks: one event loop feeds
/// it, each call takes the three `inout` at once, and the checks were about
/// 750 instructions per 10-reading request.
final class LineBodyReadings: BodyReadings {
    @exclusivity(unchecked) private var splitter: LineSplitter
    @exclusivity(unchecked) private var lines: RecordLines
    @exclusivity(unchecked) private var taken: TakenReadings
    private(set) var received = 0
    private let capacity: Int

    /// `expectedBytes`: the body's announced length, if any; the readings' buffer starts that large.
    /// `memory`: the connection's, so NDJSON keys repeated from its last request read faster.
    init(decoder: RecordDecoder, eventTime: EventTime?, capacity: Int, maxLineBytes: Int, expectedBytes: Int, memory: JSONLineMemory) {
        splitter = LineSplitter(maxLineBytes: maxLineBytes)
        lines = RecordLines(decoder, memory: memory)
        taken = TakenReadings(eventTime: eventTime, expectedBytes: expectedBytes)
        self.capacity = capacity
    }

    var readings: PushReadings { taken.readings }
    var failure: BodyFailure? { taken.failure }

    func feed(_ bytes: UnsafeRawBufferPointer) -> BodyProgress {
        received += bytes.count
        guard taken.failure == nil else { return .more }
        do {
            try Self.decode(bytes, &splitter, &lines, &taken)
        } catch let e as LineSplitter.LineTooLong {
            taken.fail(BodyFailure(reason: "line \(e.line) is longer than max_line_bytes (\(splitter.maxLineBytes))", line: e.line))
            return .lineTooLong(line: e.line)
        } catch {
            taken.fail(BodyFailure(reason: "\(error)", line: 0))
        }
        return taken.readings.count > capacity ? .tooMany : .more
    }

    func finish() {
        guard taken.failure == nil else { return }
        Self.finish(&splitter, &lines, &taken)
    }

    // The per-line work runs on inout copies of the three parts, checked
    // once per chunk: touched as a class's stored properties, each line
    // paid a runtime exclusivity check per access.
    private static func decode(_ bytes: UnsafeRawBufferPointer, _ splitter: inout LineSplitter,
                               _ lines: inout RecordLines, _ taken: inout TakenReadings) throws {
        try splitter.feed(bytes) { line, number in
            guard taken.failure == nil else { return }
            lines.feed(line, number: number, record: { taken.take($0, line: $1) }, { taken.take($0) })
        }
    }

    private static func finish(_ splitter: inout LineSplitter, _ lines: inout RecordLines, _ taken: inout TakenReadings) {
        splitter.finish { line, number in
            guard taken.failure == nil else { return }
            lines.feed(line, number: number, record: { taken.take($0, line: $1) }, { taken.take($0) })
        }
        if taken.failure == nil { lines.finish { taken.take($0) } }
    }
}

/// A line body's readings so far, or why it is refused.
private struct TakenReadings {
    private(set) var readings: PushReadings
    private(set) var failure: BodyFailure?
    private let eventTime: EventTime?

    init(eventTime: EventTime?, expectedBytes: Int) {
        readings = PushReadings(reservingBytes: expectedBytes)
        self.eventTime = eventTime
    }

    mutating func fail(_ why: BodyFailure) {
        failure = why
        readings.removeAll()
    }

    mutating func take(_ item: RecordDecoder.Item) {
        guard failure == nil else { return }
        switch item {
        case let .record(doc, line): doc.withUnsafeBytes { take($0, line: line) }
        case let .malformed(line, _, reason): fail(BodyFailure(reason: reason, line: line))
        }
    }

    mutating func take(_ document: UnsafeRawBufferPointer, line: Int) {
        guard failure == nil else { return }
        guard let eventTime else { return readings.append(document, eventTime: nil) }
        switch eventTime.millis(in: BSONDocument(document)) {
        case let .success(ms): readings.append(document, eventTime: ms)
        case let .failure(f): fail(BodyFailure(reason: "line \(line): \(f.reason)", line: line))
        }
    }
}
