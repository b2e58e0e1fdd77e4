import Foundation
import Logging
@testable import SluiceCore
import XCTest

/// Log lines written while the progress line is shown go under it, not
/// after it on its row.
final class StatusLineTests: XCTestCase {
    /// What a terminal was sent, in order.
    private final class Screen: @unchecked Sendable {  // `text` only under `lock`
        private let lock = NSLock()
        private var text = ""
        func write(_ s: String) { lock.withLock { text += s } }
        var written: String { lock.withLock { text } }
    }

    /// A handler that writes each message as one line to `screen`.
    private struct LineHandler: LogHandler {
        let screen: Screen
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) { screen.write("\(event.message)\n") }
    }

    func testALogLineClearsTheProgressLineAndItIsDrawnAgainUnderIt() {
        let screen = Screen()
        let line = StatusLine(output: screen.write)
        let logger = Logger(label: "t") { _ in StatusLineLogHandler(LineHandler(screen: screen), line: line) }
        logger.warning("before any progress")
        line.show("in 10 │ out 9")
        logger.warning("during")
        line.show("in 20 │ out 19")
        line.clear()
        logger.warning("after")
        // Each log line after a clear, so on a row of its own; the progress line drawn again after it.
        let clear = "\r\u{1B}[K"
        XCTAssertEqual(screen.written, "before any progress\n" + clear + "in 10 │ out 9" + clear + "during\n" + "in 10 │ out 9"
            + clear + "in 20 │ out 19" + clear + "after\n")
    }
}
