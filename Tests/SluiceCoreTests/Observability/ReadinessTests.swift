import SluiceCore
import XCTest

/// The rules of `GET /ready`, without an engine.
final class ReadinessTests: XCTestCase {
    func testReadyOnlyWhenBuiltRunningAndNotDraining() {
        let running: [(name: String, condition: ComponentCondition)] = [("in", .running), ("out", .running), ("done", .finished)]
        XCTAssertTrue(Readiness.evaluate(built: true, stopping: false, components: running).isReady)
        XCTAssertEqual(Readiness.evaluate(built: false, stopping: false, components: []).reasons, ["the pipeline is starting"])
        XCTAssertFalse(Readiness.evaluate(built: true, stopping: true, components: running).isReady)
    }

    func testEachUnhealthyComponentIsNamed() {
        let r = Readiness.evaluate(built: true, stopping: false,
                                   components: [("in", .unreachable), ("mid", .running), ("out", .retrying), ("new", .starting)])
        XCTAssertFalse(r.isReady)
        XCTAssertEqual(r.reasons, ["in: cannot reach its server", "out: backing off before a retry", "new: starting"])
    }
}
