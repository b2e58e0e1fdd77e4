import ArgumentParser
import CMalloc
import Dispatch
import Foundation
import Metrics
import SluiceCore

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline until its sources end, --max-records or --duration is reached, or SIGINT/SIGTERM.",
        discussion: "On SIGINT or SIGTERM, sources stop reading and every record already read is written or dead-lettered before exit. A second signal exits at once. Exit status: 0 when records were delivered, 1 when the pipeline could not start, 2 for a bad manifest, 3 when the run delivered nothing (read nothing, or every record went to the dead-letter queue), dead-lettered more than engine.max_dead_letter_ratio of what it read, or could not write failed records even to the dead-letter queue (their sources are not acked), 128 + the signal number when a second signal cuts the drain short.")

    @Argument(help: "The pipeline manifest (YAML).")
    var manifest: String

    @Option(name: .long, help: "Stop after the sources have read this many records in total.")
    var maxRecords: Int?

    @Option(name: .long, help: "Stop after this long (e.g. 30s, 5m).")
    var duration: DurationArgument?

    @Option(name: .long, help: "Serve GET /metrics (Prometheus), /health, /ready and /api/topology on host:port (e.g. 127.0.0.1:9464).")
    var statusListen: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Show a live progress line (default: when stderr is a terminal).")
    var progress: Bool?

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var log: LogOptions

    func run() throws {
        let logger = try log.logger()
        let plan: PipelinePlan
        do {
                        plan = try PipelinePlanner(loader: plugins.loader()).plan(file: manifest)
            for w in plan.warnings { logger.warning("\(w)") }
        } catch let e as ManifestErrors {
            log.error("\(e)", logger, prefixed: false)
            throw ExitCode(2)
        }
        // Batch buffers are around a megabyte: above glibc's default mmap
        // threshold each would be a fresh mapping, zeroed page by page on first
        // touch. Keeping them on the heap lets freed batches be reused.
        mallopt(M_MMAP_THRESHOLD, 64 << 20)
        mallopt(M_TRIM_THRESHOLD, 256 << 20)
        let engine = Engine(plan: plan, logger: logger, maxRecords: maxRecords)
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
            DispatchQueue.global().asyncAfter(deadline: .now() + duration.seconds) { engine.stop() }
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
