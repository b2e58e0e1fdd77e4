import CSluicePlugin

/// What a source stage calls: a plugin instance in the host
/// (`ComponentInstance`), or one in a child process (`IsolatedSource`,
/// `isolation: process`). Called from the stage's thread only.
protocol RecordSource: AnyObject {
    func poll(_ ctx: CallContext, maxRecords: Int, timeoutMillis: Int) -> sluice_status
    func ack(_ tokens: [UInt64])
}

extension ComponentInstance: RecordSource {}
