import Foundation

/// Whether the host will be able to write a path the manifest names (the
/// dead-letter file, the state folder, a disk buffer), checked when the
/// manifest is read so `validate` reports it rather than the first failure.
enum WritablePath {
    /// Why `path` cannot be written (as a file, or as a folder to create
    /// files in when `folder`), or nil if it can. Reads only.
    static func problem(_ path: String, folder: Bool) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue != folder { return "\(path) is \(folder ? "a file, not a folder" : "a folder, not a file")" }
            return access(path, W_OK) == 0 ? nil : "\(path) is not writable by this user"
        }
        var ancestor = (path as NSString).deletingLastPathComponent
        while !ancestor.isEmpty, !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory) {
            let parent = (ancestor as NSString).deletingLastPathComponent
            if parent == ancestor { break }
            ancestor = parent
        }
        if ancestor.isEmpty { ancestor = "." }
        guard FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "cannot create \(path): \(ancestor) is not a folder"
        }
        return access(ancestor, W_OK) == 0 ? nil : "cannot create \(path): \(ancestor) is not writable by this user"
    }
}
