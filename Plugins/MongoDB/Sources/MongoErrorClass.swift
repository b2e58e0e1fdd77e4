/// Which MongoDB server errors are worth retrying.
///
/// Codes from the server's error_codes.yml. Duplicate keys (11000) and
/// document validation (121) are facts about the record: permanent. Topology
/// changes, shutdowns and write-concern timeouts pass: retriable.
public enum MongoErrorClass {
    static let retriableCodes: Set<Int32> = [
        6, // HostUnreachable
        7, // HostNotFound
        50, // MaxTimeMSExpired
        64, // WriteConcernFailed (wtimeout)
        89, // NetworkTimeout
        91, // ShutdownInProgress
        189, // PrimarySteppedDown
        262, // ExceededTimeLimit
        9001, // SocketException
        10107, // NotWritablePrimary
        11600, // InterruptedAtShutdown
        11602, // InterruptedDueToReplStateChange
        13435, // NotPrimaryNoSecondaryOk
        13436, // NotPrimaryOrSecondary
    ]

    public static func isRetriable(code: Int32) -> Bool { retriableCodes.contains(code) }
}
