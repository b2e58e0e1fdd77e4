import ArgumentParser
import Foundation
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
        try PipelineExecution(plan: plan, logger: logger, log: log).run(
            maxRecords: maxRecords, duration: duration?.seconds, statusListen: statusListen, progress: progress)
    }
}
