import Logging

/// Wraps a log handler so that no message or metadata value it prints
/// carries a secret (see `SecretRegistry`).
public struct RedactingLogHandler: LogHandler {
    private var inner: any LogHandler

    public init(_ inner: any LogHandler) { self.inner = inner }

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

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(SecretRegistry.redact("\(event.message)"))"
        event.metadata = event.metadata?.mapValues { .string(SecretRegistry.redact("\($0)")) }
        inner.log(event: event)
    }
}
