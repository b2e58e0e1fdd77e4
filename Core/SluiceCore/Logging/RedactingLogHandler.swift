import Logging

/// Wraps a log handler so that no message or metadata value it prints
/// carries a secret (see `SecretRegistry`).
public struct RedactingLogHandler: WrappingLogHandler {
    public var inner: any LogHandler

    public init(_ inner: any LogHandler) { self.inner = inner }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(SecretRegistry.redact("\(event.message)"))"
        event.metadata = event.metadata?.mapValues { .string(SecretRegistry.redact("\($0)")) }
        inner.log(event: event)
    }
}
