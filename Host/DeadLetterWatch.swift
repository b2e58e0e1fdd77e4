import Foundation
import Logging
import SluiceCore

/// Warns once, while the run goes on, when the share of records read that
/// went to the dead-letter queue crosses `engine.max_dead_letter_ratio`:
/// a wrong mapping shows in the first seconds, not at exit.
///
/// `@unchecked Sendable`: `warned` is touched only on the timer's serial
/// queue, `timer` only by the thread that calls start and stop.
final class DeadLetterWatch: @unchecked Sendable {
    /// Below this many records read, a ratio says little.
    static let minimumRead = 100
    private let engine: Engine
    private let ratio: Double
    private let logger: Logger
    private var timer: DispatchSourceTimer?
    private var warned = false

    init(engine: Engine, ratio: Double, logger: Logger) {
        self.engine = engine
        self.ratio = ratio
        self.logger = logger
    }

    func start() {
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "sluice.dead-letter-watch"))
        t.schedule(deadline: .now() + 1, repeating: 1)
        t.setEventHandler { [weak self] in self?.check() }
        t.resume()
        timer = t
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }

    private func check() {
        guard !warned else { return }
        let summary = RunSummary(stages: engine.stageMetrics.map(\.snapshot), seconds: 0)
        guard summary.read >= Self.minimumRead, Double(summary.deadLettered) > ratio * Double(summary.read) else { return }
        warned = true
        let reasons = engine.control.firstDeadLetters.reasons
        logger.warning("\(summary.deadLettered) of \(summary.read) records read so far went to the dead-letter queue, more than engine.max_dead_letter_ratio (\(ratio)); the run will exit 3 if it stays so. First reasons: \(reasons.joined(separator: "; "))")
    }
}
