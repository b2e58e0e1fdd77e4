/// How a sink or processor retries (`retry:` on the component; the backoff
/// defaults come from `engine:`).
public struct RetrySettings: Equatable, Sendable {
    /// Calls per batch before the records still failing go to the
    /// dead-letter queue (`retries_exhausted`); 0 retries until they succeed
    /// (or, when draining, until `drain_timeout_ms`).
    public var maxAttempts = 0
    /// Overrides `engine.initial_backoff_ms` for this component.
    public var initialBackoffMillis: Int?
    /// Overrides `engine.max_backoff_ms` for this component.
    public var maxBackoffMillis: Int?
    /// Consecutive failed calls that open the circuit breaker; 0 turns it off.
    public var breakerFailures = 10
    /// How long an open breaker keeps the component from calling its
    /// server; default: the component's max backoff.
    public var breakerCoolDownMillis: Int?

    public init() {}

    /// The manifest keys under `retry:`, for suggestions.
    static let keys = ["max_attempts", "initial_backoff_ms", "max_backoff_ms", "breaker_failures", "breaker_cool_down_ms"]
}
