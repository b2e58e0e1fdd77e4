/// Errors a component throws. The SDK maps them to ABI status codes.
public enum SluiceError: Error, CustomStringConvertible, Sendable {
    /// Invalid configuration: the pipeline will not start.
    case config(String)
    /// Transient: the host backs off and retries the call.
    case retriable(String)
    /// Retrying will not help: the records go to the dead-letter queue with this reason.
    case permanent(String)

    public var description: String {
        switch self {
        case let .config(m), let .retriable(m), let .permanent(m): return m
        }
    }
}
