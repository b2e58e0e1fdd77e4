import CSluicePlugin
import Foundation
import Logging
import Synchronization

/// What the host knows about one component instance; behind `host_data`.
///
/// Owns the instance's C host table and the strings it points to (input
/// names, state directory), which live until the host is deinitialised,
/// after the instance is destroyed.
final class ComponentHost: Sendable {
    let name: String
    /// The plugin's name: the prefix of its metric names.
    let plugin: String
    /// Its index among the component's workers when it has several: the
    /// `worker` label of its plugin metrics, so one worker's gauge does not
    /// overwrite another's.
    let worker: Int?
    let logger: Logger
    let metrics: RunMetrics
    /// Holds back repeats of the plugin's own log lines (and its libraries').
    let logLimiter = Mutex(LogRateLimiter())
    let control: EngineControl
    /// Holds the instance took and has not released (ABI 1.1).
    let holds: HoldTable
    /// A sink's records held in write and still in flight (ABI 1.4).
    let writes = InFlightWrites()
    /// Set for the final tick, so `stopping` answers yes to this instance
    /// even when the run drains because its sources ended.
    let draining = Atomic<Bool>(false)
    /// In an isolated child, which has no run of its own: the host's last
    /// tick said a stop was requested (`stopping` answers 2).
    let stopRequested = Atomic<Bool>(false)
    /// A processor's `stopping` means "this is the last tick": a SIGTERM drain
    /// still delivers its inputs, so the run's stop must not look like the end.
    private let answersStopOnlyAtLastTick: Bool
    /// The plugin was built against ABI 1.7 or later, where `stopping` 2
    /// means the inputs were cut short; before, the contract was only
    /// "non-zero", and a plugin comparing with 1 would miss a 2.
    private let tellsCutShort: Bool
    /// The C table handed to the plugin, with the strings it points to.
    private let table: CTable

    var api: UnsafePointer<sluice_host_api> { UnsafePointer(table.api) }

    /// - Parameter outputWired: processors: per output (0 the default), whether the manifest gives it a reader.
    /// - Parameter journalsHolds: in an isolated child: holds ended are noted for the host (`HoldTable.takeReleased`).
    /// - Parameter workerCount: the component's `workers:`, for the table's `worker_count` (`worker` is its `worker_index`).
    /// - Parameter pluginABIMinor: the ABI minor the plugin was built against (its note).
    init(name: String, plugin: String, pluginABIMinor: Int, role: ComponentRole, inputs: [String], stateDirectory: String?, outputWired: [Bool] = [],
         worker: Int? = nil, workerCount: Int = 1, logger: Logger, metrics: RunMetrics, control: EngineControl, journalsHolds: Bool = false)
    {
        holds = HoldTable(journalsReleases: journalsHolds)
        self.name = name
        self.plugin = plugin
        tellsCutShort = pluginABIMinor >= 7
        self.worker = worker
        answersStopOnlyAtLastTick = role == .processor
        var logger = logger
        logger[metadataKey: "component"] = "\(name)"
        if let worker { logger[metadataKey: "worker"] = "\(worker)" }
        self.logger = logger
        self.metrics = metrics
        self.control = control
        table = CTable(inputs: inputs, stateDirectory: stateDirectory, outputWired: role == .processor && !outputWired.isEmpty ? outputWired : nil,
                       worker: worker ?? 0, workerCount: workerCount)
        table.api.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// One line per kind of log line still held back, so a flood that
    /// ended the run is not lost without a count.
    func summarizeSuppressedLogs() {
        for (kind, count) in logLimiter.withLock({ $0.drainSuppressed() }) {
            logger.warning("\(count) similar line(s) suppressed: \(LogRateLimiter.message(ofKind: kind))", metadata: ["suppressed": "\(count)"])
        }
    }

    /// Runs `body` on the host behind a callback's `host_data` without
    /// retaining it: the plugin instance that calls back cannot outlive its
    /// host, and `release` (once per record a join holds) and `stopping`
    /// (polled in plugins' loops) would otherwise pay a retain and a release each.
    static func with<R>(_ p: UnsafeMutableRawPointer?, _ body: (ComponentHost) -> R) -> R {
        Unmanaged<ComponentHost>.fromOpaque(p!)._withUnsafeGuaranteedRef(body)
    }

    var isStopping: Bool {
        draining.load(ordering: .acquiring) || (!answersStopOnlyAtLastTick && control.isStopping)
    }

    /// What `host->stopping` answers: 0 while running; once stopping, 2 when
    /// the inputs were cut short (a stop was requested, or `--max-records`
    /// were all read), else 1 (they ended). A plugin built before ABI 1.7
    /// gets 1 either way.
    var stoppingAnswer: Int32 {
        guard isStopping else { return 0 }
        return tellsCutShort && (control.endsPartWay || stopRequested.load(ordering: .acquiring)) ? 2 : 1
    }

    /// The allocations behind the C table. Written once in `init`, read-only
    /// afterwards (the plugin reads them from any thread), freed in `deinit`.
    private final class CTable: @unchecked Sendable {
        let api: UnsafeMutablePointer<sluice_host_api>
        private let inputNames: UnsafeMutablePointer<UnsafePointer<CChar>?>
        private let inputCount: Int
        private let stateDirectory: UnsafeMutablePointer<CChar>?
        private let outputWired: UnsafeMutablePointer<UInt8>?

        init(inputs: [String], stateDirectory: String?, outputWired: [Bool]?, worker: Int, workerCount: Int) {
            inputCount = inputs.count
            inputNames = .allocate(capacity: max(1, inputs.count))
            for (i, input) in inputs.enumerated() { inputNames[i] = UnsafePointer(strdup(input)) }
            self.stateDirectory = stateDirectory.map { strdup($0) }
            if let outputWired {
                let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, outputWired.count))
                for (i, wired) in outputWired.enumerated() { flags[i] = wired ? 1 : 0 }
                self.outputWired = flags
            } else {
                self.outputWired = nil
            }
            api = .allocate(capacity: 1)
            var t = sluice_host_api()
            t.struct_size = UInt32(MemoryLayout<sluice_host_api>.size)
            t.abi_major = UInt16(SLUICE_ABI_MAJOR)
            t.abi_minor = UInt16(SLUICE_ABI_MINOR)
            HostCallbacks.install(into: &t)
            t.state_dir = UnsafePointer(self.stateDirectory)
            t.input_count = inputs.count
            t.inputs = UnsafePointer(inputNames)
            t.output_wired = UnsafePointer(self.outputWired)
            t.worker_index = UInt32(worker)
            t.worker_count = UInt32(max(1, workerCount))
            api.initialize(to: t)
        }

        deinit {
            for i in 0 ..< inputCount { free(UnsafeMutableRawPointer(mutating: inputNames[i])) }
            inputNames.deallocate()
            free(stateDirectory)
            outputWired?.deallocate()
            api.deallocate()
        }
    }
}
