import Logging

/// A log handler that changes how lines are written and hands everything
/// else (level, metadata) to the handler it wraps: the forwarding each such
/// wrapper would write again, written once.
public protocol WrappingLogHandler: LogHandler {
    /// The handler lines go to.
    var inner: any LogHandler { get set }
}

extension WrappingLogHandler {
    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }
}
