import SluiceSDK

/// A position in a manifest file, for error messages.
public struct SourceLocation: Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int

    public var description: String { "\(file):\(line):\(column)" }
}

/// A parsed pipeline manifest: what to load, what to build, how to wire it.
public struct Manifest: Sendable {
    /// The file it came from.
    public var file: String
    public var plugins: [PluginReference]
    /// Every component in declaration order: sources, then processors, then sinks.
    public var components: [ComponentSpec]
    /// The sink that receives dead-lettered records, if one is named.
    public var deadLetter: String?
    public var deadLetterLocation: SourceLocation?
    public var engine: EngineSettings
    /// Secrets written in clear (`password: hunter2` rather than `${DB_PASSWORD}`): `validate` warns about each.
    public var literalSecrets: [ManifestError] = []

    public func component(_ name: String) -> ComponentSpec? { components.first { $0.name == name } }
}

/// An entry of `plugins:`: a name looked up on the plugin path, or a file.
public struct PluginReference: Sendable {
    public var name: String?
    public var path: String?
    /// Expected SHA-256 of the file, lowercase hex.
    public var sha256: String?
    public var location: SourceLocation
}

/// The role of a component, fixed by the manifest section it is declared in.
public enum ComponentRole: String, Sendable {
    case source, processor, sink
}

/// Where a component's plugin code runs (`isolation:`).
public enum Isolation: String, Sendable, CaseIterable {
    /// In the host process, on its stage's thread.
    case none
    /// In a child process (`sluice isolate`): a crash in the plugin fails
    /// the batch (or poll) as retriable and the child is started again;
    /// records a processor held there are given to the new child again.
    case process
}

/// One named component of the pipeline.
public struct ComponentSpec: Sendable {
    public var name: String
    public var role: ComponentRole
    /// `plugin.component`, e.g. "faker.generate".
    public var use: String
    public var inputs: [String]
    public var config: JSONObject
    public var batch: BatchSettings?
    /// A sink's buffer; nil is the in-memory default.
    public var buffer: BufferSettings?
    /// A sink's or processor's retry settings; nil for the defaults.
    public var retry: RetrySettings?
    /// Where the component's plugin runs.
    public var isolation: Isolation = .none
    public var location: SourceLocation
    public var useLocation: SourceLocation
    public var inputLocations: [SourceLocation]
    /// Where each config key (as a JSON Pointer, "" for the config itself) was written.
    public var configLocations: [String: SourceLocation]
    /// `workers:`: instances of the component, each on its own thread.
    /// Processors and sinks share their input; a source whose plugin splits
    /// its input (`ComponentInfo.splitsInput`) reads part i of N in each. Default 1.
    public var workers = 1
    /// Where `workers:` was written, for the planner's errors.
    public var workersLocation: SourceLocation?
    /// `spread:`, how the workers share the input; nil: the component's
    /// default (`Spread.default(keyedState:)`).
    public var spread: Spread?
    /// Where `spread:` was written, for the planner's errors.
    public var spreadLocation: SourceLocation?

    /// `inputs:` as component and output: `forecast.alerts` reads output
    /// `alerts` of `forecast`, a bare name its default output.
    public var inputReferences: [InputReference] { inputs.map(InputReference.init) }
    /// The components `inputs:` reads from, one per entry.
    var producers: [String] { inputReferences.map(\.component) }

    public var pluginName: String { String(use.split(separator: ".", maxSplits: 1).first ?? "") }
    public var componentName: String {
        let parts = use.split(separator: ".", maxSplits: 1)
        return parts.count == 2 ? String(parts[1]) : ""
    }
}

/// How the workers of a component share its records (`spread:`).
public enum Spread: String, Sendable, CaseIterable {
    /// Whole batches in turn, to whichever worker is next: for components
    /// that keep no state across records.
    case roundRobin = "round_robin"
    /// Record by record: by the record's source split when it has one
    /// (`kafka.read`'s partition), else by a hash of its key. Every record of
    /// a split, or of a key, goes to the same worker, in order, so state
    /// kept per key or per split (a join's window, a forecaster's models)
    /// stays whole on one worker.
    case key

    /// `key` for a component whose descriptor says it keeps keyed state
    /// (`SLUICE_COMPONENT_KEYED_STATE`), else `round_robin`.
    public static func `default`(keyedState: Bool) -> Spread { keyedState ? .key : .roundRobin }
}

/// One entry of `inputs:`: a component and which of its outputs (Vector's
/// `component.output` convention; component names cannot contain a dot).
public struct InputReference: Sendable, Hashable, CustomStringConvertible {
    public var component: String
    /// nil for the default output.
    public var output: String?

    public init(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 1)
        component = String(parts.first ?? "")
        output = parts.count == 2 ? String(parts[1]) : nil
    }

    public var description: String { output.map { "\(component).\($0)" } ?? component }
}

/// How a source groups records into batches.
public struct BatchSettings: Sendable {
    /// Dispatch once this many records are collected.
    public var maxRecords: Int
    /// ... or once the first record has waited this long.
    public var maxWaitMillis: Int

    public init(maxRecords: Int = 1000, maxWaitMillis: Int = 100) {
        self.maxRecords = maxRecords
        self.maxWaitMillis = maxWaitMillis
    }
}

/// Engine-wide settings (`engine:` in the manifest).
public struct EngineSettings: Sendable {
    /// Batches each stage's inbox holds before its producers block (backpressure).
    public var queueCapacity = 8
    public var batch = BatchSettings()
    /// How often processors' tick runs.
    public var tickIntervalMillis = 1000
    /// How long a sink waits idle before calling flush.
    public var flushIntervalMillis = 1000
    /// On shutdown, how long a sink keeps retrying before dead-lettering what is left.
    public var drainTimeoutMillis = 30_000
    public var initialBackoffMillis = 100
    public var maxBackoffMillis = 30_000
    /// How long create may keep answering "retriable" (server not up yet) before the run fails.
    public var startupTimeoutMillis = 30_000
    /// How long one call into a plugin may run before the component is
    /// taken for stuck (`CallWatchdog`; an isolated sink's child is killed
    /// and the batch retried); 0 turns the watch off.
    public var callTimeoutMillis = 0
    /// Where dead letters go when the manifest names no dead-letter sink;
    /// written in a manifest, relative to its folder, else in the working directory.
    public var deadLetterPath = "dead-letter.ndjson"
    /// A run that dead-letters more than this share of what it read fails
    /// (exit 3) even though it delivered something.
    public var maxDeadLetterRatio = 0.5
    /// Parent of each component's state directory (`state_dir/NAME`), for
    /// snapshots that survive a restart; written in a manifest, relative to
    /// its folder, else in the working directory.
    public var stateDirectory = ".sluice-state"
    /// The manifest names `state_dir`: hosts may share it on purpose (a
    /// forecaster's partitions handed over), so its processors' and
    /// sources' folders are locked shared and their owner is not checked
    /// (`StateFolderClaim`).
    public var namesStateDirectory = false

    public init() {}
}
