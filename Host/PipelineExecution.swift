import ArgumentParser
import CMalloc
import Dispatch
import Foundation
import Logging
import Metrics
import SluiceCore

/// Runs a planned pipeline to its end the way `sluice run` does: signals
/// drain it, `/metrics` and the progress line show it, and the exit status
/// says whether it delivered (0), could not start (1), or delivered nothing
/// or too little (3). Shared by `run` and `dlq replay`.
struct PipelineExecution {
    let plan: PipelinePlan
    let logger: Logger
    let log: LogOptions

    func run(maxRecords: Int?, duration: Double?, statusListen: String?, progress: Bool?) throws {
        // Batch buffers are around a megabyte: above glibc's default mmap
        // threshold each would be a fresh mapping, zeroed page by page on first
        // touch. Keeping them on the heap lets freed batches be reused.
        mallopt(M_MMAP_THRESHOLD, 64 << 20)
        mallopt(M_TRIM_THRESHOLD, 256 << 20)
        let engine = Engine(plan: plan, logger: logger, maxRecords: maxRecords, childLogArguments: log.arguments)
        // Libraries that report through swift-metrics land on the same /metrics page.
        MetricsSystem.bootstrap(engine.metrics.factory)
        let signals = SignalHandling.install {
            logger.notice("draining: finishing records already read (signal again to exit at once)")
            engine.stop()
        }
        defer { withExtendedLifetime(signals) {} }
        var status: StatusServer?
        if let statusListen {
            do { status = try StatusServer(listen: statusListen, engine: engine) } catch {
                log.error("\(error)", logger)
                throw ExitCode(2)
            }
            logger.info("status on \(status!.url): /metrics, /health, /ready, /api/topology")
        }
        defer { status?.close() }
        if let duration {
            DispatchQueue.global().asyncAfter(deadline: .now() + duration) { engine.stop() }
        }
        let reporter = progress ?? (isatty(STDERR_FILENO) != 0) ? ProgressReporter(engine: engine) : nil
        reporter?.start()
        let watch = DeadLetterWatch(engine: engine, ratio: plan.settings.maxDeadLetterRatio, logger: logger)
        watch.start()
        defer { watch.stop() }
        let summary: RunSummary
        do {
            summary = try engine.run()
        } catch {
            reporter?.stop()
            log.error("\(error)", logger)
            throw ExitCode(1)
        }
        reporter?.stop()
        if log.logFormat == .json {
            for s in summary.stages {
                logger.info("stage summary", metadata: ["component": "\(s.name)", "records_in": "\(s.recordsIn)", "records_out": "\(s.recordsOut)",
                                                        "dead_lettered": "\(s.deadLettered)", "retried": "\(s.retries)"])
            }
        } else {
            FileHandle.standardError.write(Data(ProgressReporter.summary(summary).utf8))
        }
        if summary.deadLettered > 0, plan.manifest.deadLetter == nil {
            let path = URL(fileURLWithPath: plan.settings.deadLetterPath).standardizedFileURL.path
            logger.notice("dead letters (each with its reason): \(path)")
        }
        if let why = summary.failure(maxDeadLetterRatio: plan.settings.maxDeadLetterRatio) {
            let reasons = engine.control.firstDeadLetters.reasons.map { "\n  first reason: \($0)" }.joined()
            log.error(why + reasons, logger)
            throw ExitCode(3)
        }
    }
}
