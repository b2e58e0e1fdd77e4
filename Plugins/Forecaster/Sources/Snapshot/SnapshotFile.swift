import Foundation

/// Reads and atomically replaces the snapshot file in the instance's state directory.
enum SnapshotFile {
    static let name = "forecaster.snapshot"

    /// The file's bytes, or nil when there is none yet.
    static func read(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes beside the file and renames over it, so a crash mid-write
    /// leaves the previous snapshot whole.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
