import Synchronization
import SluiceSDK

/// The secret values of the manifest being run (passwords, tokens, URL
/// credentials in component configs), collected when it is planned, so that
/// every log line and error the host prints can mask them wherever a plugin
/// or a library echoes them.
public enum SecretRegistry {
    private static let secrets = Mutex<Set<String>>([])

    /// Adds the secrets found in a component's config.
    public static func register(config: JSONValue) {
        let found = Redaction.secrets(in: config)
        guard !found.isEmpty else { return }
        secrets.withLock { $0.formUnion(found) }
    }

    /// `text` with every registered secret and every secret-looking pattern masked.
    public static func redact(_ text: String) -> String {
        Redaction.redact(text, secrets: secrets.withLock { $0 })
    }
}
