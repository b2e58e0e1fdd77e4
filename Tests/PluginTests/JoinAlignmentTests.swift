import Foundation
import SluiceCore
import SluiceSDK
import SluiceTestSupport
import Synchronization
import XCTest

/// The join fed by two file sources that read at different speeds: the
/// engine takes its inputs' batches in event-time order (`PortedQueue`),
/// so the input whose source is faster does not run ahead and pile its
/// rows up in the join's state.
final class JoinAlignmentTests: XCTestCase {
    func testTheJoinsStateStaysBoundedWhenOneInputReadsMuchFaster() throws {
        let dir = TestSupport.tempDir("join-align")
        let count = 20000, batch = 200
        let start: Int64 = 1_717_200_000_000
        // Orders carry 2 KB each, payments a few bytes: the payments file is read many times faster.
        let padding = String(repeating: "x", count: 2000)
        var orders = "", payments = ""
        for i in 0 ..< count {
            let time = start + Int64(i) * 100
            orders += #"{"order_id": "O\#(i)", "note": "\#(padding)", "created_at": {"$date": "\#(ISO8601.format(milliseconds: time))"}}"# + "\n"
            payments += #"{"order_id": "O\#(i)", "paid_at": {"$date": "\#(ISO8601.format(milliseconds: time + 2000))"}}"# + "\n"
        }
        try orders.write(toFile: "\(dir)/orders.ndjson", atomically: true, encoding: .utf8)
        try payments.write(toFile: "\(dir)/payments.ndjson", atomically: true, encoding: .utf8)
        let peak = Mutex(0)
        let running = Atomic(true)
        let summary = try TestSupport.run("""
        engine: {batch: {max_records: \(batch), max_wait_ms: 1000}}
        sources:
          orders: {use: file.read, config: {path: \(dir)/orders.ndjson, event_time_field: created_at}}
          payments: {use: file.read, config: {path: \(dir)/payments.ndjson, event_time_field: paid_at}}
        processors:
          paid:
            use: join.join
            inputs: [orders, payments]
            config:
              type: inner
              left: {key: order_id, time: {field: created_at}}
              right: {key: order_id, time: {field: paid_at}}
              between: {lower_ms: 0, upper_ms: 5000}
              max_out_of_orderness_ms: 1000
        sinks:
          out: {use: file.discard, inputs: [paid]}
        """, dir: dir, during: { engine in
            let watcher = Thread {
                while running.load(ordering: .relaxed) {
                    let rows = engine.metrics.pluginMetrics.filter { $0.name == "sluice_join_state_records" }.map(\.gaugeValue).reduce(0, +)
                    peak.withLock { $0 = max($0, Int(rows)) }
                    usleep(200)
                }
            }
            watcher.start()
        })
        running.store(false, ordering: .relaxed)
        XCTAssertEqual(summary.stage("out")?.recordsIn, count, "every order paid, once")
        // Taken in event-time order, state holds about a batch of each input
        // and the window (about 260 rows); in arrival order, the payments ran
        // thousands of rows ahead (6,000 to 9,000). A hold lasts up to
        // max_wait_ms: a second leaves room for a loaded machine.
        let bound = 4 * batch
        XCTAssertGreaterThan(peak.withLock { $0 }, 0, "the watcher saw the join's state")
        XCTAssertLessThan(peak.withLock { $0 }, bound, "peak rows in the join's state")
    }

    /// Holds are off for a processor whose ports one component feeds, directly or through others.
    func testTheEngineKnowsWhenOneComponentFeedsTwoPorts() throws {
        let dir = TestSupport.tempDir("join-upstream")
        func plan(_ processors: String) throws -> PipelinePlan {
            try TestSupport.plan("""
            sources:
              a: {use: faker.generate, config: {profile: orders, count: 1}}
              b: {use: faker.generate, config: {profile: payments, count: 1}}
              c: {use: faker.generate, config: {profile: payments, count: 1}}
            processors:
            \(processors)
            sinks:
              out: {use: file.discard, inputs: [j]}
            """, dir: dir)
        }
        let join = "use: join.join, config: {left: {key: order_id, time: {field: created_at}}, right: {key: order_id, time: {field: paid_at}}, between: {lower_ms: 0, upper_ms: 1}}"
        XCTAssertFalse(try plan("  j: {inputs: [a, b], \(join)}").inputsShareAnUpstream("j"))
        XCTAssertTrue(try plan("  j: {inputs: [a, a], \(join)}").inputsShareAnUpstream("j"))
        XCTAssertTrue(try plan("  i: {inputs: [a, b], \(join)}\n  j: {inputs: [i, b], \(join)}").inputsShareAnUpstream("j"),
                      "b feeds port 1, and port 0 through i")
        XCTAssertFalse(try plan("  i: {inputs: [a, b], \(join)}\n  j: {inputs: [i, c], \(join)}").inputsShareAnUpstream("j"))
    }
}
