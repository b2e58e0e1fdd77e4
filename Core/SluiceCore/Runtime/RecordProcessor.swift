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
}

extension ComponentInstance: RecordProcessor {}
