import SluiceFormats
import SluiceSDK

/// A JSON request body turned into readings as it arrives: each array
/// item is decoded once its last byte is in (`JSONBodySplitter`), so a
/// request holds its readings and at most one unfinished item, and one with
/// more readings than the inbox can ever take is refused at the first
/// reading too many instead of after the whole body.
final class JSONBodyReadings: BodyReadings {
    private var splitter = JSONBodySplitter()
    private(set) var readings: PushReadings
    private(set) var failure: BodyFailure?
    private(set) var received = 0
    private let options: ReadingOptions
    private let capacity: Int
    /// Reused for every item: its buffers are allocated once per request, not per reading.
    private var writer = BSONWriter()

    /// `expectedBytes`: the body's announced length, if any; the readings' buffer starts that large.
    init(options: ReadingOptions, capacity: Int, expectedBytes: Int) {
        readings = PushReadings(reservingBytes: expectedBytes)
        self.options = options
        self.capacity = capacity
    }

    func feed(_ bytes: UnsafeRawBufferPointer) -> BodyProgress {
        received += bytes.count
        guard failure == nil else { return .more }
        do {
            try splitter.feed(bytes) { try take($0, number: $1, at: $2) }
        } catch let e as JSONBodySplitter.SyntaxError {
            fail("invalid JSON at byte \(e.offset): \(e.reason)")
        } catch {
            if failure == nil { fail("\(error)") }
        }
        return readings.count > capacity ? .tooMany : .more
    }

    func finish() {
        guard failure == nil else { return }
        do {
            try splitter.finish { try take($0, number: $1, at: $2) }
        } catch let e as JSONBodySplitter.SyntaxError {
            fail("invalid JSON at byte \(e.offset): \(e.reason)")
        } catch {
            if failure == nil { fail("\(error)") }
        }
    }

    private struct Refused: Error {}

    private func fail(_ reason: String) {
        failure = BodyFailure(reason: reason, line: 0)
        readings.removeAll()
    }

    private func take(_ item: UnsafeRawBufferPointer, number: Int, at: Int) throws {
        var fixed: [UInt8]?
        switch options.utf8.check(item, place: "item \(number)") {
        case .valid: break
        case let .repaired(bytes): fixed = bytes
        case let .invalid(byte):
            fail("item \(number): \(UTF8Gate.reason(byte: at + byte))")
            throw Refused()
        }
        writer.reset()
        do {
            if let fixed {
                try fixed.withUnsafeBytes { try BSONFromJSON.transcode(json: $0, into: &writer) }
            } else {
                try BSONFromJSON.transcode(json: item, into: &writer)
            }
        } catch {
            fail("item \(number): \(error)")
            throw Refused()
        }
        writer.finish()
        let doc = writer.bytes
        guard let rule = options.eventTime else { return doc.withUnsafeBytes { readings.append($0, eventTime: nil) } }
        switch doc.withUnsafeBytes({ rule.millis(in: BSONDocument($0)) }) {
        case let .success(ms): doc.withUnsafeBytes { readings.append($0, eventTime: ms) }
        case let .failure(f):
            fail("item \(number): \(f.reason)")
            throw Refused()
        }
    }
}
