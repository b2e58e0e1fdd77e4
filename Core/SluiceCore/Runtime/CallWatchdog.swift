import Foundation
import Logging
import Synchronization

/// Watches the plugin calls in progress for one that does not return within
/// `engine.call_timeout_ms` (a plugin stuck in a lock or a dead socket
/// without a timeout). A thread cannot be taken back from a plugin, so the
/// watchdog names the component and starts the drain; if the call is still
/// running when the drain deadline passes, the host exits (status 1)
/// instead of hanging. Nothing it holds is acknowledged, so a replayable
/// source reads it again on the next run.
final class CallWatchdog: Sendable {
    private let instances: [ComponentInstance]
    private let timeoutNanos: UInt64
    private let control: EngineControl
    private let logger: Logger
    private let stop: @Sendable () -> Void
    private let finished = Atomic<Bool>(false)

    init(instances: [ComponentInstance], timeoutMillis: Int, control: EngineControl, logger: Logger, stop: @escaping @Sendable () -> Void) {
        self.instances = instances
        timeoutNanos = UInt64(timeoutMillis) * 1_000_000
        self.control = control
        self.logger = logger
        self.stop = stop
    }

    func start() {
        let thread = Thread { [self] in watch() }
        thread.name = "sluice-watchdog"
        thread.start()
    }

    /// The run is over: the thread ends at its next look.
    func finish() { finished.store(true, ordering: .relaxed) }

    private func watch() {
        let interval = min(Double(timeoutNanos) / 4e9, 0.25)
        var reported = Set<String>()
        while !finished.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: interval)
            let now = Clock.monotonicNanos()
            for instance in instances {
                let started = instance.callStarted.load(ordering: .relaxed)
                guard started != 0, now > started, now - started > timeoutNanos, !finished.load(ordering: .relaxed) else { continue }
                let name = instance.host.name
                let stuck = (now - started) / 1_000_000
                if reported.insert(name).inserted {
                    logger.error("\(name): a call into its plugin has not returned for \(stuck) ms (engine.call_timeout_ms); the pipeline drains without it")
                    stop()
                } else if control.drainDeadlinePassed {
                    logger.critical("\(name): its plugin call has still not returned after \(stuck) ms and the drain is over; exiting without acknowledging what it holds (the next run reads it again)")
                    fflush(nil)
                    _exit(1)
                }
            }
        }
    }
}
