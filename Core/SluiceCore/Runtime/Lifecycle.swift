import Foundation

extension Engine {
    /// The engine's side of `ShutdownStateMachine`: feeds it stop requests
    /// and stage exits from any thread, and carries out its actions.
    ///
    /// `@unchecked Sendable`: every field is read and written under `condition`.
    final class Lifecycle: @unchecked Sendable {
        private let condition = NSCondition()
        private var machine: ShutdownStateMachine?
        private var sources: [SourceStage] = []
        private var published: [StageMetrics] = []
        /// A stop that came before the stages were built; applied at `begin`.
        private var stopEarly = false
        private var tornDown = false

        var metrics: [StageMetrics] {
            condition.lock()
            defer { condition.unlock() }
            return published
        }

        func begin(sources: [SourceStage], others: Int, metrics: [StageMetrics], drainTimeoutMillis: Int, control: EngineControl) {
            condition.lock()
            defer { condition.unlock() }
            machine = ShutdownStateMachine(sources: sources.count, others: others, drainTimeoutMillis: drainTimeoutMillis)
            self.sources = sources
            published = metrics
            if stopEarly { apply(machine!.stopRequested(now: Clock.monotonicNanos()), control: control) }
        }

        func stop(control: EngineControl, drainTimeoutMillis: Int) {
            condition.lock()
            defer { condition.unlock() }
            guard machine != nil else {
                // Not running yet: creation loops see `isStopping` and give up; the run drains at once.
                stopEarly = true
                control.beginDrain(deadline: Clock.monotonicNanos() + UInt64(max(0, drainTimeoutMillis)) * 1_000_000)
                return
            }
            apply(machine!.stopRequested(now: Clock.monotonicNanos()), control: control)
        }

        func exited(_ stage: Stage) {
            condition.lock()
            defer { condition.unlock() }
            apply(machine!.stageExited(isSource: stage is SourceStage), control: nil)
        }

        func awaitTeardown() {
            condition.lock()
            defer { condition.unlock() }
            while !tornDown { condition.wait() }
        }

        private func apply(_ action: ShutdownStateMachine.Action, control: EngineControl?) {
            switch action {
            case .none: break
            case let .beginDrain(deadline): control?.beginDrain(deadline: deadline)
            case .downstreamDone: for s in sources { s.mailbox.markDownstreamDone() }
            case .teardown:
                for s in sources { s.mailbox.markDownstreamDone() }
                tornDown = true
                condition.broadcast()
            }
        }
    }
}
