import Foundation

extension Engine {
    /// The engine's side of `ShutdownStateMachine`: feeds it stop requests
    /// and stage exits from any thread, and carries out its actions.
    ///
    /// `@unchecked Sendable`: every field is read and written under `condition`.
    final class Lifecycle: @unchecked Sendable {
        private let condition = NSCondition()
        private let control: EngineControl
        private var machine: ShutdownStateMachine
        private var sources: [SourceStage] = []
        private var published: [WorkerGroup] = []
        private var tornDown = false

        init(control: EngineControl, drainTimeoutMillis: Int) {
            self.control = control
            machine = ShutdownStateMachine(drainTimeoutMillis: drainTimeoutMillis)
        }

        var metrics: [StageMetrics] { components.map(\.metrics) }

        var components: [WorkerGroup] {
            condition.lock()
            defer { condition.unlock() }
            return published
        }

        /// `stages` are the threads about to start (every worker); `components` what the status views show.
        func begin(sources: [SourceStage], stages: [Stage], components: [WorkerGroup]) {
            condition.lock()
            defer { condition.unlock() }
            machine.started(sources: sources.count, others: stages.count - sources.count)
            self.sources = sources
            published = components
        }

        /// Before `begin` too: creation loops then see `isStopping` and give up.
        func stop() {
            condition.lock()
            defer { condition.unlock() }
            apply(machine.stopRequested(now: Clock.monotonicNanos()))
        }

        func exited(_ stage: Stage) {
            condition.lock()
            defer { condition.unlock() }
            apply(machine.stageExited(isSource: stage is SourceStage))
        }

        func awaitTeardown() {
            condition.lock()
            defer { condition.unlock() }
            while !tornDown { condition.wait() }
        }

        private func apply(_ action: ShutdownStateMachine.Action) {
            switch action {
            case .none: break
            case let .beginDrain(deadline): control.beginDrain(deadline: deadline)
            case .downstreamDone: for s in sources { s.mailbox.markDownstreamDone() }
            case .teardown:
                for s in sources { s.mailbox.markDownstreamDone() }
                tornDown = true
                condition.broadcast()
            }
        }
    }
}
