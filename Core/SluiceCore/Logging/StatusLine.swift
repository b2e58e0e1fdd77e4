import Foundation
import Logging

/// The live line `ProgressReporter` keeps at the foot of a terminal, and
/// the log lines written under it.
///
/// A log line written while the progress line was shown continued it
/// (`in 3.2k │ check 3.1k2026-11-30T… warning: …`), and the next redraw
/// began on the log line's row. Each log line now clears the progress
/// line first and draws it again after itself, under one lock. Lines
/// written past the logger (a plugin printing to stderr, an isolated
/// child's logs, which have a `StatusLine` of their own) still run into it.
///
/// `@unchecked Sendable`: `shown` is read and written only under `lock`;
/// `output` is a `let`, called only under it.
public final class StatusLine: @unchecked Sendable {
    /// The process's: stderr, where the progress line and the text logs go.
    public static let shared = StatusLine { FileHandle.standardError.write(Data($0.utf8)) }

    private let lock = NSLock()
    private let output: @Sendable (String) -> Void
    /// The progress line on the terminal now; empty when none is.
    private var shown = ""

    /// A status line written through `output` (tests: a string they read).
    public init(output: @escaping @Sendable (String) -> Void) {
        self.output = output
    }

    /// Replaces the progress line with `text`.
    public func show(_ text: String) {
        lock.withLock {
            shown = text
            output("\r\u{1B}[K" + text)
        }
    }

    /// Removes the progress line.
    public func clear() {
        lock.withLock {
            shown = ""
            output("\r\u{1B}[K")
        }
    }

    /// Runs `write` (a log line to stderr) with the progress line cleared
    /// before and drawn again after it. `write` must not log: the lock is held.
    public func writing(_ write: () -> Void) {
        lock.withLock {
            if shown.isEmpty { return write() }
            output("\r\u{1B}[K")
            write()
            output(shown)
        }
    }
}

/// A log handler whose lines go under the progress line (`StatusLine`)
/// instead of through it.
public struct StatusLineLogHandler: WrappingLogHandler {
    public var inner: any LogHandler
    private let line: StatusLine

    public init(_ inner: any LogHandler, line: StatusLine = .shared) {
        self.inner = inner
        self.line = line
    }

    public func log(event: LogEvent) {
        line.writing { inner.log(event: event) }
    }
}
