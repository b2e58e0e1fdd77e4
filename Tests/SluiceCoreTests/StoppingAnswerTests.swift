@testable import SluiceCore
import CSluicePlugin
import Logging
import XCTest

/// What `host->stopping` answers each role (ABI 1.7): 0 while running; a
/// processor only at its last tick, 1 when its inputs ended and 2 when a stop
/// was requested; sources and sinks 2 once a stop is requested.
final class StoppingAnswerTests: XCTestCase {
    private func host(_ role: ComponentRole, _ control: EngineControl, abiMinor: Int = PluginLoader.abiMinor) -> ComponentHost {
        ComponentHost(name: "c", plugin: "p", pluginABIMinor: abiMinor, role: role, inputs: [], stateDirectory: nil,
                      logger: Logger(label: "test"), metrics: RunMetrics(pipeline: "test"), control: control)
    }

    private func stopping(_ host: ComponentHost) -> Int32 { host.api.pointee.stopping(host.api.pointee.host_data) }

    func testAProcessorsLastTickSaysWhetherTheInputsEndedOrWereStopped() {
        let ended = EngineControl(maxRecords: nil)
        let processor = host(.processor, ended)
        XCTAssertEqual(stopping(processor), 0)
        processor.draining.store(true, ordering: .releasing)
        XCTAssertEqual(stopping(processor), 1, "every input ended by itself")

        let stopped = EngineControl(maxRecords: nil)
        let cut = host(.processor, stopped)
        stopped.beginDrain(deadline: 0)
        XCTAssertEqual(stopping(cut), 0, "a stop still delivers a processor's inputs")
        cut.draining.store(true, ordering: .releasing)
        XCTAssertEqual(stopping(cut), 2)

        let child = host(.processor, EngineControl(maxRecords: nil))
        child.draining.store(true, ordering: .releasing)
        child.stopRequested.store(true, ordering: .releasing)
        XCTAssertEqual(stopping(child), 2, "an isolated child learns of the stop from the last tick's byte")
    }

    /// Before ABI 1.7 the contract was "non-zero": a plugin built then gets
    /// 1 for a cut as well, in case it compares with 1.
    func testAPluginBuiltBeforeABI17IsAnsweredOneForACut() {
        for role in [ComponentRole.source, .processor, .sink] {
            let control = EngineControl(maxRecords: nil)
            let old = host(role, control, abiMinor: 6)
            control.beginDrain(deadline: 0)
            old.draining.store(true, ordering: .releasing)
            XCTAssertEqual(stopping(old), 1, "\(role)")
            old.stopRequested.store(true, ordering: .releasing)
            XCTAssertEqual(stopping(old), 1, "\(role): an isolated child told of the stop")
        }
    }

    func testSourcesAndSinksSeeARequestedStop() {
        for role in [ComponentRole.source, .sink] {
            let control = EngineControl(maxRecords: nil)
            let h = host(role, control)
            XCTAssertEqual(stopping(h), 0)
            control.beginDrain(deadline: 0)
            XCTAssertEqual(stopping(h), 2, "\(role)")
        }
    }
}
