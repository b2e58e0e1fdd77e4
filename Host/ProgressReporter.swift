import Foundation
import SluiceCore

/// A one-line live view of the run on stderr, redrawn every second.
///
/// `@unchecked Sendable`: `last` and `lastTime` are touched only on the
/// timer's serial `queue`, `timer` only by the thread that calls start and stop.
final class ProgressReporter: @unchecked Sendable {
    let engine: Engine
    private var timer: DispatchSourceTimer?
    private let queue = DispatchQueue(label: "sluice.progress")
    private var last: [String: Int] = [:]
    private var lastTime = Date()

    init(engine: Engine) { self.engine = engine }

    func start() {
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + 1, repeating: 1)
        t.setEventHandler { [weak self] in self?.draw() }
        t.resume()
        timer = t
    }

    func stop() {
        timer?.cancel()
        timer = nil
        // A draw already running when the timer was cancelled ends first: one after the clear
        // would leave a stale line that every later log line draws again.
        queue.sync {}
        StatusLine.shared.clear()
    }

    private func draw() {
        let now = Date()
        let dt = max(0.001, now.timeIntervalSince(lastTime))
        lastTime = now
        let parts = engine.stageMetrics.map { m -> String in
            let s = m.snapshot
            let counted = s.role == .source ? s.recordsIn : s.recordsOut
            let rate = Double(counted - (last[s.name] ?? 0)) / dt
            last[s.name] = counted
            var text = "\(s.name) \(Self.short(counted))"
            if rate > 0 { text += " (\(Self.short(Int(rate)))/s)" }
            if s.deadLettered > 0 { text += " dlq \(Self.short(s.deadLettered))" }
            if s.retries > 0 { text += " retries \(Self.short(s.retries))" }
            return text
        }
        StatusLine.shared.show(parts.joined(separator: " │ "))
    }

    static func short(_ n: Int) -> String {
        switch n {
        case ..<10_000: return "\(n)"
        case ..<10_000_000: return String(format: "%.1fk", Double(n) / 1000)
        default: return String(format: "%.1fM", Double(n) / 1e6)
        }
    }

    /// The end-of-run table.
    static func summary(_ s: RunSummary) -> String {
        var out = String(format: "sluice: done in %.2f s; read %d, dead-lettered %d\n", s.seconds, s.read, s.deadLettered)
        out += "  stage                 in        out   dead-letter   retries\n"
        for st in s.stages {
            out += "  " + st.name.padding(toLength: 18, withPad: " ", startingAt: 0)
            out += String(format: "%7d %10d %13d %9d\n", st.recordsIn, st.recordsOut, st.deadLettered, st.retries)
        }
        return out
    }
}
