/// The run's life from start to teardown: stop requests, the drain
/// deadline, and the order in which stages may finish.
///
/// Sources stop reading first; every other stage drains once its inputs end
/// (`DrainStateMachine`); when the last of those has exited, sources stop
/// waiting for acks; when the last source has exited, the instances are
/// destroyed. A value type with no I/O: the engine reports events and
/// carries out the actions.
struct ShutdownStateMachine {
    enum Action: Equatable {
        case none
        /// First stop request: sources stop polling; retries give up at `deadline` (monotonic ns).
        case beginDrain(deadline: UInt64)
        /// Every non-source stage has exited: no more acks can come.
        case downstreamDone
        /// Every stage has exited: destroy the instances and report.
        case teardown
    }

    enum Phase: Equatable {
        case running
        case draining(deadline: UInt64)
    }

    private(set) var phase: Phase = .running
    private var sourcesLeft = 0
    private var othersLeft = 0
    private let drainTimeoutNanos: UInt64

    /// Exists before the stages do, so a stop while components are still
    /// being created starts the one drain clock of the run.
    init(drainTimeoutMillis: Int) {
        drainTimeoutNanos = UInt64(max(0, drainTimeoutMillis)) * 1_000_000
    }

    /// The stages are built and about to start.
    mutating func started(sources: Int, others: Int) {
        sourcesLeft = sources
        othersLeft = others
    }

    var drainDeadline: UInt64? {
        if case let .draining(deadline) = phase { return deadline }
        return nil
    }

    /// SIGINT/SIGTERM or `--duration`, before or after `started`: only the first request starts the clock.
    mutating func stopRequested(now: UInt64) -> Action {
        guard phase == .running else { return .none }
        let deadline = now + drainTimeoutNanos
        phase = .draining(deadline: deadline)
        return .beginDrain(deadline: deadline)
    }

    mutating func stageExited(isSource: Bool) -> Action {
        if isSource {
            precondition(sourcesLeft > 0, "more sources exited than started")
            sourcesLeft -= 1
        } else {
            precondition(othersLeft > 0, "more stages exited than started")
            othersLeft -= 1
            if othersLeft == 0 { return sourcesLeft == 0 ? .teardown : .downstreamDone }
        }
        return sourcesLeft == 0 && othersLeft == 0 ? .teardown : .none
    }
}
