import SluiceFormats
import SluiceSDK

/// An NDJSON, CSV or text body turned into readings line by line as it
/// arrives (`LineSplitter`, then `RecordLines`): a CSV header row first,
/// then its rows. Memory is the readings plus the longest line (at most
/// `max_line_bytes`), and a body with more readings than the inbox can ever
/// take is refused at the first reading too many.
final class LineBodyReadings: BodyReadings {
    private var splitter: LineSplitter
    private var lines: RecordLines
    private(set) var readings: PushReadings
    private(set) var failure: BodyFailure?
    private(set) var received = 0
    private let eventTime: EventTime?
    private let capacity: Int

    /// `expectedBytes`: the body's announced length, if any; the readings' buffer starts that large.
    init(decoder: RecordDecoder, eventTime: EventTime?, capacity: Int, maxLineBytes: Int, expectedBytes: Int) {
        readings = PushReadings(reservingBytes: expectedBytes)
        splitter = LineSplitter(maxLineBytes: maxLineBytes)
        lines = RecordLines(decoder)
        self.eventTime = eventTime
        self.capacity = capacity
    }

    func feed(_ bytes: UnsafeRawBufferPointer) -> BodyProgress {
        received += bytes.count
        guard failure == nil else { return .more }
        do {
            try splitter.feed(bytes) { line, number in
                guard failure == nil else { return }
                lines.feed(line, number: number, take)
            }
        } catch let e as LineSplitter.LineTooLong {
            fail(BodyFailure(reason: "line \(e.line) is longer than max_line_bytes (\(splitter.maxLineBytes))", line: e.line))
            return .lineTooLong(line: e.line)
        } catch {
            fail(BodyFailure(reason: "\(error)", line: 0))
        }
        return readings.count > capacity ? .tooMany : .more
    }

    func finish() {
        guard failure == nil else { return }
        splitter.finish { line, number in
            guard failure == nil else { return }
            lines.feed(line, number: number, take)
        }
        if failure == nil { lines.finish(take) }
    }

    private func fail(_ why: BodyFailure) {
        failure = why
        readings.removeAll()
    }

    private func take(_ item: RecordDecoder.Item) {
        guard failure == nil else { return }
        switch item {
        case let .record(doc, line):
            guard let eventTime else { return doc.withUnsafeBytes { readings.append($0, eventTime: nil) } }
            switch doc.withUnsafeBytes({ eventTime.millis(in: BSONDocument($0)) }) {
            case let .success(ms): doc.withUnsafeBytes { readings.append($0, eventTime: ms) }
            case let .failure(f): fail(BodyFailure(reason: "line \(line): \(f.reason)", line: line))
            }
        case let .malformed(line, _, reason):
            fail(BodyFailure(reason: reason, line: line))
        }
    }
}
