import CSluicePlugin

/// What a processor stage calls: a plugin instance in the host
/// (`ComponentInstance`), or one in a child process (`IsolatedProcessor`,
/// `isolation: process`). Called from the stage's thread only.
protocol RecordProcessor: AnyObject {
    var info: ComponentInfo { get }
    /// Its host-side state: the holds its results carry, the drain flag.
    var host: ComponentHost { get }
    var hasTick: Bool { get }
    func process(_ input: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status
    /// A control batch: the source behind input `port` stopped reading `splits`.
    func revoke(_ splits: [UInt32], port: Int, _ ctx: CallContext) -> sluice_status
    func tick(now: Int64, _ ctx: CallContext) -> sluice_status
    /// Whether `restore` must run before the next call: an isolated
    /// processor whose child died holding records.
    var needsRestore: Bool { get }
    /// Gives a new child what the dead one held, emitting into `ctx`; false
    /// if that failed (calls then fail as retriable until it succeeds).
    func restore(_ ctx: CallContext) -> Bool
}

extension ComponentInstance: RecordProcessor {
    /// An instance in the host never loses its state while the host runs.
    var needsRestore: Bool { false }

    func restore(_: CallContext) -> Bool { true }
}
