import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import XCTest

/// `on_stop: replay` across a run cut short by `--max-records`: the join
/// leaves its window held (the sources keep their positions before it), so
/// the next run replays it and every order meets its payment.
final class JoinReplayTests: XCTestCase {
    func testAWindowCutShortByMaxRecordsIsReplayedNotEmitted() throws {
        let dir = TestSupport.tempDir("join-replay")
        let count = 2000
        let start = ISO8601.parse("2024-06-01T00:00:00Z")!
        func line(_ key: String, _ field: String, _ ms: Int64) -> String {
            #"{"order_id": "\#(key)", "\#(field)": {"$date": "\#(ISO8601.format(milliseconds: ms))"}}"# + "\n"
        }
        // Each payment 2 s after its order: all pairs, no outer row.
        try (0 ..< count).map { line("O\($0)", "created_at", start + Int64($0) * 100) }.joined()
            .write(toFile: dir + "/orders.ndjson", atomically: true, encoding: .utf8)
        try (0 ..< count).map { line("O\($0)", "paid_at", start + Int64($0) * 100 + 2000) }.joined()
            .write(toFile: dir + "/payments.ndjson", atomically: true, encoding: .utf8)
        let manifest = """
        engine: {state_dir: \(dir)/state, batch: {max_records: 50, max_wait_ms: 100}}
        sources:
          orders: {use: file.read, config: {path: \(dir)/orders.ndjson, event_time_field: created_at}}
          payments: {use: file.read, config: {path: \(dir)/payments.ndjson, event_time_field: paid_at}}
        processors:
          paid:
            use: join.join
            inputs: [orders, payments]
            config:
              type: left
              left: {key: order_id, time: {field: created_at}, as: order}
              right: {key: order_id, time: {field: paid_at}, as: payment}
              between: {lower_ms: 0, upper_ms: 5000}
              max_out_of_orderness_ms: 1000
              on_stop: replay
        sinks:
          out: {use: file.write, inputs: [paid], config: {path: \(dir)/joined.ndjson}}
        """
        func outer() throws -> Int {
            try TestSupport.readNDJSON(dir + "/joined.ndjson").filter { $0["payment"] == .null }.count
        }
        _ = try TestSupport.run(manifest, dir: dir, maxRecords: 600)
        XCTAssertEqual(try outer(), 0, "a run cut short emitted its window's orders as outer rows")
        _ = try TestSupport.run(manifest, dir: dir)
        let rows = try TestSupport.readNDJSON(dir + "/joined.ndjson")
        XCTAssertEqual(try outer(), 0)
        XCTAssertEqual(Set(rows.compactMap { $0["order"]?["order_id"]?.string }).count, count, "every order met its payment")
    }
}
