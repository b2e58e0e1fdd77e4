/// What every component type declares about itself.
public protocol Component: AnyObject, SendableMetatype {
    /// Name in manifests (`plugin.name`), [a-z0-9_-]+.
    static var name: String { get }
    /// One line for `sluice plugins list`.
    static var summary: String { get }
    /// JSON Schema (draft 2020-12) of the `config:` object; the host checks
    /// a manifest against it before creating anything.
    static var configSchema: String { get }
    /// Whether one instance may be called from several threads at once.
    static var threadSafe: Bool { get }
    /// Whether an instance keeps state per record key or per source split
    /// (`SLUICE_COMPONENT_KEYED_STATE`): with `workers: N` the host then
    /// sends every record of a key or split to the same instance, in order.
    static var keyedState: Bool { get }
    /// Sources (`SLUICE_COMPONENT_SPLITS_INPUT`, ABI 1.5): whether the input
    /// can be split, so a manifest may run the source with `workers: N`;
    /// each instance then reads part `PluginHost.workerIndex` of
    /// `PluginHost.workerCount`.
    static var splitsInput: Bool { get }
    /// Sinks (`SLUICE_COMPONENT_READS_TEXT`, ABI 1.6): whether the sink may
    /// write a record's source text (`Batch.jsonText`) instead of encoding
    /// its document; the host keeps sources' texts only on the way to one.
    static var readsText: Bool { get }
    /// Names of the outputs besides the default one (ABI 1.1), wired in a
    /// manifest as `component.name`; `Output.emit(…, output: i)` sends to
    /// `outputs[i - 1]`.
    static var outputs: [String] { get }

    /// Creates an instance from its validated config. Throw `.config` for
    /// bad settings and `.retriable` when an outside service is not reachable yet.
    init(config: Config, host: PluginHost) throws

    /// Checks a config as `init` would, with no side effect (ABI 1.2): no
    /// connection, nothing written, nothing started. `sluice validate` calls
    /// it, and `sluice run` before creating anything. Throw
    /// `SluiceError.config` with one problem per line, each led by the key it
    /// is about (`"schema_file: cannot read x.json"`), so the host points at
    /// its manifest line. The default accepts what the schema accepted; a
    /// component whose `init` has no side effect can run it here.
    static func check(config: Config, host: PluginHost) throws
}

extension Component {
    public static func check(config: Config, host: PluginHost) throws {}
    public static var threadSafe: Bool { false }
    public static var keyedState: Bool { false }
    public static var splitsInput: Bool { false }
    public static var readsText: Bool { false }
    public static var outputs: [String] { [] }

    /// The `output:` index of a named output for `Output.emit`; nil for a name not in `outputs`.
    public static func outputIndex(_ name: String) -> Int? {
        outputs.firstIndex(of: name).map { $0 + 1 }
    }
    public static var configSchema: String { #"{"type":"object"}"# }
}

/// Produces records.
public protocol Source: Component {
    /// Emits up to `maxRecords` records into `output` within about `timeoutMillis`.
    /// Returns `.end` when a finite input is exhausted.
    func poll(_ output: Output, maxRecords: Int, timeoutMillis: Int) throws -> PollResult
    /// The records emitted with these tokens are durably written by every sink.
    func ack(tokens: UnsafeBufferPointer<UInt64>)
}

extension Source {
    public func ack(tokens: UnsafeBufferPointer<UInt64>) {}
}

/// Outcome of a poll.
public enum PollResult: Sendable {
    /// More may come.
    case more
    /// The input is exhausted; the host drains the pipeline.
    case end
}

/// Transforms, filters or enriches records.
public protocol Processor: Component {
    /// Reads `batch` and emits results into `output`; bad records go to `output.fail`.
    func process(_ batch: Batch, _ output: Output) throws
    /// Called periodically to close windows and expire state, and once more
    /// at drain (then `PluginHost.isStopping` is true and no `process`
    /// follows): emit what can be emitted and release finished holds.
    func tick(nowMillis: Int64, _ output: Output) throws
}

extension Processor {
    public func tick(nowMillis: Int64, _ output: Output) throws {}
}

/// Writes records out.
public protocol Sink: Component {
    /// Writes `batch`. On return, every record not passed to `output.fail`,
    /// nor held as in flight (`Output.hold`, ABI 1.4), is durable.
    func write(_ batch: Batch, _ output: Output) throws
    /// Pushes out anything buffered; a sink with records in flight ends
    /// every hold it took before returning.
    func flush() throws
}

extension Sink {
    public func flush() throws {}
}
