/// Where a sink keeps the records it has taken from its inputs but not yet
/// written (`buffer:` on a sink in the manifest).
public struct BufferSettings: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The inbox only: a source is acknowledged once the sink has written
        /// its records, so a crash loses nothing a replayable source cannot
        /// read again.
        case memory
        /// A checksummed log on disk: a source is acknowledged once its
        /// records are appended and fsync'd, and the log is replayed after a
        /// crash. Makes sources that cannot replay (HTTP push, faker) crash-safe
        /// and lets a sink's server be down while the source keeps going.
        case disk
    }

    public var kind: Kind = .memory
    /// Bytes the disk log may hold before the sink's inputs block (backpressure; nothing is dropped).
    public var maxBytes = 256 << 20
    /// Folder of the log; default `<engine.state_dir>/<sink>/buffer`.
    public var path: String?

    public init() {}

    /// The manifest keys under `buffer:`, for suggestions.
    static let keys = ["type", "max_bytes", "path"]
}
