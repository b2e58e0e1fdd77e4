import Foundation
import Logging
import SluiceSDK

/// Why a run could not start.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    public let component: String
    /// The manifest line the error is about: the config key the message
    /// starts with, else the component's declaration.
    public let location: SourceLocation?
    public let message: String
    public var description: String { "\(location.map { "\($0): " } ?? "")\(component): \(message)" }

    init(_ spec: ComponentSpec, _ message: String) {
        component = "\(spec.role.rawValue)s.\(spec.name) (\(spec.use))"
        let (key, at) = PipelinePlanner.configKey(leading: message, in: spec)
        location = key == nil ? spec.location : at
        self.message = message
    }
}

/// What a finished run did, stage by stage.
public struct RunSummary: Sendable {
    public let stages: [StageMetrics.Snapshot]
    public let seconds: Double
    /// Records that failed and could not be written to the dead-letter queue
    /// either; their sources were not acked, so a next run reads them again.
    public let undeliverable: Int

    public init(stages: [StageMetrics.Snapshot], seconds: Double, undeliverable: Int = 0) {
        self.stages = stages
        self.seconds = seconds
        self.undeliverable = undeliverable
    }

    public func stage(_ name: String) -> StageMetrics.Snapshot? { stages.first { $0.name == name } }

    /// Records the sources read.
    public var read: Int { stages.filter { $0.role == .source }.map(\.recordsIn).reduce(0, +) }
    /// Records sent to the dead-letter queue, all stages together.
    public var deadLettered: Int { stages.filter { $0.name != Engine.deadLetterStageName }.map(\.deadLettered).reduce(0, +) }

    /// Why a finished run must not count as a success, if it must not: it
    /// delivered nothing ("exit 0, read 0" hides a wrong path or a dead
    /// server), or more than `maxDeadLetterRatio` of what it read failed.
    public func failure(maxDeadLetterRatio: Double) -> String? {
        let written = stages.filter { $0.role == .sink && $0.name != Engine.deadLetterStageName }.map(\.recordsOut).reduce(0, +)
        // A run that read nothing new but wrote what a disk buffer kept from
        // an earlier run delivered something.
        if read == 0, written == 0 { return "nothing was delivered: the sources read nothing" }
        if undeliverable > 0 {
            return "\(undeliverable) failed record(s) could not be written to the dead-letter queue either; their sources were not acked (a Kafka offset is not committed past them), so the next run reads them again"
        }
        if read == 0 { return nil }
        if written == 0, deadLettered > 0 {
            return "nothing was delivered: every record failed (\(deadLettered) of \(read) read went to the dead-letter queue and no sink wrote any)"
        }
        let ratio = Double(deadLettered) / Double(read)
        if ratio > maxDeadLetterRatio {
            return String(format: "%d of %d records read (%.0f%%) went to the dead-letter queue, more than engine.max_dead_letter_ratio (%g)",
                          deadLettered, read, ratio * 100, maxDeadLetterRatio)
        }
        return nil
    }
}

/// Runs a planned pipeline: creates the components (`workers: N` instances
/// of a processor or sink, or readers of a source that splits its input),
/// starts one thread per instance, and drains the graph on `stop()`
/// (SIGINT/SIGTERM) or when every source has ended, in the order
/// `ShutdownStateMachine` decides: sources stop reading and send
/// their end; each stage drains once all its inbound edges ended, then
/// passes the end on; the dead-letter stage closes last; sources ack what
/// was written; then every instance is destroyed.
///
/// `@unchecked Sendable`: `instances` and `groups` are touched only by the
/// thread in `run`; what other threads read (stop requests, the published
/// stage metrics, the shutdown state) sits behind `lifecycle`'s lock.
public final class Engine: @unchecked Sendable {
    /// Name of the built-in dead-letter stage (a file) when the manifest names none.
    public static let deadLetterStageName = "dead-letter"

    public let plan: PipelinePlan
    public let metrics: RunMetrics
    public let control: EngineControl
    let logger: Logger
    /// The components, each with its workers' stages.
    private var groups: [WorkerGroup] = []
    private var instances: [ComponentInstance] = []
    /// Components whose plugins run in child processes (`isolation: process`).
    private var isolated: [PluginChild] = []
    /// The state folders this run holds, released once every instance is destroyed (their last state saved).
    private var stateClaims: [StateFolderClaim] = []
    private let lifecycle: Lifecycle
    /// What every isolated component's child is started with after its own
    /// arguments: the host's log options, so its lines look like the host's.
    private let childLogArguments: [String]

    /// - Parameter childLogArguments: the host's `--log-format` and
    ///   `--log-level` as arguments, for `sluice isolate` children.
    public init(plan: PipelinePlan, logger: Logger, metrics: RunMetrics? = nil, maxRecords: Int? = nil, childLogArguments: [String] = []) {
        self.plan = plan
        self.logger = logger
        self.childLogArguments = childLogArguments
        self.metrics = metrics ?? RunMetrics(pipeline: plan.pipelineName)
        // Every reader of a split source shares `--max-records`.
        control = EngineControl(maxRecords: maxRecords, sources: plan.nodes.filter { $0.spec.role == .source }.map(\.spec.workers).reduce(0, +))
        lifecycle = Lifecycle(control: control, drainTimeoutMillis: plan.settings.drainTimeoutMillis)
    }

    /// Begins a graceful drain, bounded by `engine.drain_timeout_ms`. Safe
    /// from any thread, any number of times; only the first starts the clock.
    public func stop() { lifecycle.stop() }

    /// The stages' live counters (for progress lines and /metrics): empty
    /// until every stage is built, then the same list until the run ends.
    public var stageMetrics: [StageMetrics] { lifecycle.metrics }

    /// The components once built (empty before), for the status views.
    var liveComponents: [WorkerGroup] { lifecycle.components }

    /// Whether every stage is built (and the metric series of all exist).
    public var isBuilt: Bool { !liveComponents.isEmpty }

    /// `GET /ready`.
    public var readiness: Readiness {
        let components = liveComponents
        return Readiness.evaluate(built: !components.isEmpty, stopping: control.isStopping,
                                  components: components.map { ($0.name, $0.condition) })
    }

    /// Sets the series that are sampled rather than counted (queue depth,
    /// readiness); the status server calls it before each scrape.
    public func sampleGauges() {
        for component in liveComponents {
            component.metrics.sample(queueDepth: component.queueDepth, capacity: component.queueCapacity,
                                     isReady: component.condition.notReadyBecause == nil)
        }
    }

    /// Builds, runs to completion, and tears down. Blocks the calling thread.
    public func run() throws -> RunSummary {
        let started = Clock.monotonicNanos()
        try build()
        defer {
            for instance in instances.reversed() { instance.destroy() }
            instances.removeAll()
            for child in isolated { child.close() }
            isolated.removeAll()
            stateClaims.removeAll()
        }
        var watchdog: CallWatchdog?
        if plan.settings.callTimeoutMillis > 0 {
            let lifecycle = lifecycle
            watchdog = CallWatchdog(instances: instances, timeoutMillis: plan.settings.callTimeoutMillis, control: control, logger: logger) {
                lifecycle.stop()
            }
            watchdog?.start()
        }
        defer { watchdog?.finish() }
        let stages = groups.flatMap(\.workers)
        let sources = stages.compactMap { $0 as? SourceStage }
        lifecycle.begin(sources: sources, stages: stages, components: groups)
        for stage in stages where !(stage is SourceStage) { start(stage) }
        for stage in sources { start(stage) }
        lifecycle.awaitTeardown()
        let seconds = Double(Clock.monotonicNanos() - started) / 1e9
        return RunSummary(stages: groups.map(\.metrics.snapshot), seconds: seconds, undeliverable: control.undeliverable.load(ordering: .relaxed))
    }

    private func start(_ stage: Stage) {
        let lifecycle = lifecycle
        let thread = Thread {
            stage.condition = .running
            stage.run()
            stage.summarizeRecordErrors()
            stage.condition = .finished
            lifecycle.exited(stage)
        }
        let isOneOfSeveral = (stage.group?.workers.count ?? 1) > 1
        thread.name = isOneOfSeveral ? "sluice-\(stage.name)-\(stage.worker)" : "sluice-\(stage.name)"
        thread.stackSize = 4 << 20
        thread.start()
    }

    private func build() throws {
        let settings = plan.settings
        stateClaims = try plan.nodes.compactMap(claimStateFolder)
        var reported = Set<String>()
        for node in plan.nodes where reported.insert(node.plugin.name).inserted {
            metrics.pluginLoaded(node.plugin.name, seconds: node.plugin.loadSeconds)
        }
        var byName: [String: WorkerGroup] = [:]
        // Sinks first: if one cannot start, no source has read anything yet.
        let order = plan.nodes.filter { $0.spec.role == .sink } + plan.nodes.filter { $0.spec.role == .processor }
            + plan.nodes.filter { $0.spec.role == .source }
        do {
            for node in order {
                let spec = node.spec
                let stageMetrics = metrics.stage(name: spec.name, role: spec.role)
                let count = spec.workers
                var workers: [Stage] = []
                for index in 0 ..< count {
                    workers.append(try makeStage(node, worker: count > 1 ? index : nil, metrics: stageMetrics))
                }
                byName[spec.name] = WorkerGroup(name: spec.name, metrics: stageMetrics, workers: workers, spread: node.spread)
            }
        } catch {
            for instance in instances.reversed() { instance.destroy() }
            instances.removeAll()
            for child in isolated { child.close() }
            isolated.removeAll()
            stateClaims.removeAll()
            throw error
        }
        let deadLetter: WorkerGroup
        if let name = plan.manifest.deadLetter, let group = byName[name] {
            deadLetter = group
        } else {
            let dlqMetrics = metrics.stage(name: Self.deadLetterStageName, role: .sink)
            let stage = SinkStage(name: Self.deadLetterStageName, metrics: dlqMetrics, writer: DeadLetterFile(path: settings.deadLetterPath),
                                  settings: settings, control: control, logger: logger)
            deadLetter = WorkerGroup(name: Self.deadLetterStageName, metrics: dlqMetrics, workers: [stage], spread: .roundRobin)
        }
        for node in plan.nodes {
            let group = byName[node.spec.name]!
            let outputs = node.component.outputs
            // One counter per wire, shared by the producer's workers.
            let routes = plan.routes(of: node.spec.name).enumerated().map { output, wires in
                wires.map {
                    Edge(consumer: byName[$0.consumer]!, port: $0.port,
                         records: metrics.edge(from: node.spec.name, output: output == 0 ? nil : outputs[output - 1], to: $0.consumer))
                }
            }
            for stage in group.workers {
                stage.routes = routes
                // Every worker sends its own end to every worker of each consumer.
                for edge in routes.joined() {
                    for consumer in edge.consumer.workers {
                        consumer.inboundEdges += 1
                        (consumer.inbox as? PortedQueue)?.addEdge(port: edge.port)
                    }
                }
                if group !== deadLetter {
                    stage.deadLetterGroup = deadLetter
                    for consumer in deadLetter.workers { consumer.inboundEdges += 1 }
                }
            }
        }
        // The dead-letter sink last, where the run summary and the progress
        // line show it: a named one has no inputs, so the plan's order puts it
        // among the sources.
        groups = plan.nodes.map { byName[$0.spec.name]! }.filter { $0 !== deadLetter } + [deadLetter]
    }

    /// Claims the folder `node` keeps state in (`StateFolderClaim`), nil
    /// when it keeps none: a sink without a disk buffer. A disk buffer is one
    /// log with one cursor, never shared; sources' and processors' folders
    /// are shared when the manifest names `engine.state_dir`, how hosts hand
    /// a forecaster's partitions over.
    private func claimStateFolder(_ node: PipelinePlan.Node) throws -> StateFolderClaim? {
        let spec = node.spec, settings = plan.settings
        let folder: String, shared: Bool
        if spec.role != .sink {
            (folder, shared) = (settings.stateDirectory + "/" + spec.name, settings.namesStateDirectory)
        } else if let buffer = spec.buffer, buffer.kind == .disk {
            (folder, shared) = (buffer.path ?? settings.stateDirectory + "/" + spec.name, false)
        } else {
            return nil
        }
        do {
            return try StateFolderClaim.claim(folder, manifest: StateFolderClaim.owner(ofManifest: plan.manifest.file), shared: shared)
        } catch let refused as StateFolderClaim.Refused {
            throw EngineError(spec, refused.description)
        }
    }

    /// One worker's stage of a component: its plugin instance in the host,
    /// or in a child process (`isolation: process`), and for a sink its
    /// buffer.
    private func makeStage(_ node: PipelinePlan.Node, worker: Int?, metrics stageMetrics: StageMetrics) throws -> Stage {
        let spec = node.spec
        let settings = plan.settings
        // A processor with several inputs holds one that is ahead for up to a batch's wait, unless one component feeds two of them.
        let maxHoldMillis = spec.role == .processor && !plan.inputsShareAnUpstream(spec.name) ? settings.batch.maxWaitMillis : 0
        let stage: Stage
        if spec.isolation == .process {
            var logger = logger
            logger[metadataKey: "component"] = "\(spec.name)"
            if let worker { logger[metadataKey: "worker"] = "\(worker)" }
            let isProcessor = spec.role == .processor
            let hello = IsolationWire.Hello(config: spec.config, inputs: spec.inputs,
                                            outputWired: isProcessor ? plan.routes(of: spec.name).map { !$0.isEmpty } : [],
                                            stateDirectory: try stateDirectory(node, worker: worker),
                                            worker: worker ?? 0, workerCount: spec.workers)
            let launch = PluginChild.Launch(executable: PluginChild.hostExecutable, pluginPath: node.plugin.path, component: node.component.name,
                                            name: spec.name, hello: hello, callTimeoutMillis: settings.callTimeoutMillis,
                                            logArguments: childLogArguments)
            let child = try retryingCreate(node) { try PluginChild(launch: launch, logger: logger) }
            isolated.append(child)
            let childMetrics = ChildMetrics(metrics: metrics, plugin: node.plugin.name, component: spec.name, worker: worker)
            switch spec.role {
            case .source:
                stage = SourceStage(name: spec.name, metrics: stageMetrics,
                                    instance: IsolatedSource(child: child, takesAcks: node.component.hasAck, control: control,
                                                                     metrics: childMetrics, logger: logger),
                                    batch: spec.batch ?? settings.batch, settings: settings, control: control, logger: self.logger, worker: worker)
            case .processor:
                // The host side keeps what the stage reads: the drain flag, the (empty) holds.
                let host = componentHost(node, worker: worker, stateDirectory: nil)
                stage = ProcessorStage(name: spec.name, metrics: stageMetrics, instance: IsolatedProcessor(info: node.component, host: host, child: child,
                                                                        restoreBackoff: Backoff(initialMillis: settings.initialBackoffMillis,
                                                                                                maxMillis: settings.maxBackoffMillis)),
                                       receivesRevocations: node.plugin.note.abiMinor >= 3, settings: settings, control: control,
                                       logger: self.logger, worker: worker, inputPorts: spec.inputs.count,
                                       maxHoldMillis: maxHoldMillis)
            case .sink:
                stage = SinkStage(name: spec.name, metrics: stageMetrics, writer: IsolatedSink(child: child, metrics: childMetrics), settings: settings, control: control,
                                  logger: self.logger, worker: worker)
            }
        } else {
            let instance = try create(node, worker: worker)
            instances.append(instance)
            switch spec.role {
            case .source:
                stage = SourceStage(name: spec.name, metrics: stageMetrics, instance: instance, batch: spec.batch ?? settings.batch,
                                    keepsText: plan.feedsTextReader(spec.name), settings: settings, control: control, logger: logger,
                                    worker: worker)
            case .processor:
                stage = ProcessorStage(name: spec.name, metrics: stageMetrics, instance: instance,
                                       receivesRevocations: node.plugin.note.abiMinor >= 3, settings: settings, control: control,
                                       logger: logger, worker: worker, inputPorts: spec.inputs.count,
                                       maxHoldMillis: maxHoldMillis)
            case .sink:
                if let buffer = spec.buffer, buffer.kind == .disk {
                    stage = BufferedSinkStage(name: spec.name, metrics: stageMetrics, writer: instance,
                                              queue: try openDiskBuffer(spec, buffer, worker: worker), settings: settings, control: control,
                                              logger: logger, worker: worker)
                } else {
                    stage = SinkStage(name: spec.name, metrics: stageMetrics, writer: instance,
                                      inFlight: node.plugin.note.abiMinor >= 4 ? instance.host.writes : nil, settings: settings, control: control,
                                      logger: logger, worker: worker)
                }
            }
        }
        if spec.role != .source { stage.configure(retry: spec.retry ?? RetrySettings()) }
        return stage
    }

    /// Opens a sink's disk buffer (one per worker: `worker-i` inside it for
    /// worker i > 0), saying what an earlier run left in it.
    private func openDiskBuffer(_ spec: ComponentSpec, _ buffer: BufferSettings, worker: Int?) throws -> DurableQueue {
        var directory = buffer.path
            ?? URL(fileURLWithPath: plan.settings.stateDirectory).appendingPathComponent(spec.name).appendingPathComponent("buffer").path
        if let worker, worker > 0 { directory += "/worker-\(worker)" }
        let log: SegmentLog
        do {
            log = try SegmentLog(directory: directory, segmentBytes: min(buffer.maxBytes / 4, 64 << 20))
        } catch {
            throw EngineError(spec, "cannot open its disk buffer: \(error)")
        }
        let found = log.recovery
        for lost in found.corrupted {
            logger.critical("\(spec.name): disk buffer corrupted, records lost: \(lost)")
        }
        if found.tornBytes > 0 {
            logger.warning("\(spec.name): cut a torn write of \(found.tornBytes) bytes off the disk buffer (its source was not acknowledged)")
        }
        if found.frames > 0 {
            logger.info("\(spec.name): writing \(found.frames) batch(es), \(found.bytes) bytes, left in the disk buffer \(directory) by an earlier run")
        }
        return DurableQueue(log: log, maxBytes: buffer.maxBytes)
    }

    /// Creates an instance, retrying with backoff while it reports a retriable
    /// failure (a server still starting), up to the startup timeout.
    ///
    /// - Parameter worker: its index among the component's workers when it
    ///   has several. Worker 0 keeps the component's state directory, so a
    ///   snapshot outlives a change between 1 worker and N; worker i > 0
    ///   gets `worker-i` inside it.
    private func create(_ node: PipelinePlan.Node, worker: Int?) throws -> ComponentInstance {
        let host = componentHost(node, worker: worker, stateDirectory: try stateDirectory(node, worker: worker))
        return try retryingCreate(node) { try ComponentInstance.create(node.component, config: node.spec.config, host: host) }
    }

    /// A processor's or source's state directory, made if missing; nil for
    /// sinks. Each reader of a split source keeps its read position in its own.
    private func stateDirectory(_ node: PipelinePlan.Node, worker: Int?) throws -> String? {
        guard node.spec.role != .sink else { return nil }
        var url = URL(fileURLWithPath: plan.settings.stateDirectory).appendingPathComponent(node.spec.name)
        if let worker, worker > 0 { url.appendPathComponent("worker-\(worker)") }
        let path = url.path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw EngineError(node.spec, "cannot create its state directory \(path) (engine.state_dir): \(error.localizedDescription)")
        }
        return path
    }

    private func componentHost(_ node: PipelinePlan.Node, worker: Int?, stateDirectory: String?) -> ComponentHost {
        ComponentHost(name: node.spec.name, plugin: node.plugin.name, pluginABIMinor: node.plugin.note.abiMinor, role: node.spec.role, inputs: node.spec.inputs,
                      stateDirectory: stateDirectory, outputWired: plan.routes(of: node.spec.name).map { !$0.isEmpty },
                      worker: worker, workerCount: node.spec.workers, logger: logger, metrics: metrics, control: control)
    }

    /// Calls `make` until it does not report a retriable failure, with
    /// backoff, up to the startup timeout.
    private func retryingCreate<T>(_ node: PipelinePlan.Node, _ make: () throws -> T) throws -> T {
        let settings = plan.settings
        var backoff = Backoff(initialMillis: settings.initialBackoffMillis, maxMillis: min(settings.maxBackoffMillis, 5000))
        let deadline = Clock.monotonicNanos() + UInt64(settings.startupTimeoutMillis) * 1_000_000
        while true {
            do {
                return try make()
            } catch let ComponentInstance.CreateError.config(message) {
                throw EngineError(node.spec, message)
            } catch let ComponentInstance.CreateError.retriable(message) {
                if Clock.monotonicNanos() >= deadline || control.isStopping {
                    throw EngineError(node.spec, "not ready after \(settings.startupTimeoutMillis) ms: \(message)")
                }
                logger.warning("\(node.spec.name) is not ready (\(message)); retrying")
                backoff.sleep { control.isStopping }
            }
        }
    }
}
