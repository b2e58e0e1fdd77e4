import Foundation

extension PluginLoader {
    /// Refuses a plugin file whose location lets someone else swap its code:
    /// it must resolve (through every symlink) into one of `allowed`
    /// directories or anywhere below one of `trees`, and both the directory the path names and the one the
    /// file really lives in must be writable only by root or the current
    /// user (or be world-writable with the sticky bit, like /tmp, where
    /// nobody can replace another user's file).
    static func checkPlace(path: String, real: String, allowed: [String], trees: [String] = []) throws {
        let realDirectory = (real as NSString).deletingLastPathComponent
        func resolved(_ p: String) -> String { URL(fileURLWithPath: p).resolvingSymlinksInPath().path }
        let trusted = Set(allowed.map(resolved))
        let roots = trees.map(resolved)
        guard trusted.contains(realDirectory) || roots.contains(where: { realDirectory == $0 || realDirectory.hasPrefix($0 + "/") }) else {
            let via = path == real ? "" : " (through a symlink from \(path))"
            throw LoadError(kind: .notInPluginPath, path: real,
                            reason: "is in \(realDirectory)\(via), not a plugin directory (\(allowed.joined(separator: ":")))\(trees.isEmpty ? "" : " nor under the manifest's folder \(trees.joined(separator: ", "))"); move it there or add its folder with --plugin-path")
        }
        var directories = [realDirectory]
        let named = (URL(fileURLWithPath: path).standardizedFileURL.path as NSString).deletingLastPathComponent
        if named != realDirectory { directories.append(named) }
        for directory in directories {
            if let problem = directoryProblem(directory) {
                throw LoadError(kind: .untrustedDirectory, path: real, reason: "lies in \(directory), which \(problem)")
            }
        }
    }

    /// Why a directory could let another user replace the files in it, or nil.
    static func directoryProblem(_ directory: String) -> String? {
        var st = stat()
        guard stat(directory, &st) == 0 else { return "cannot be examined: \(String(cString: strerror(errno)))" }
        let mode = st.st_mode & 0o7777
        if st.st_mode & S_IWOTH != 0, st.st_mode & S_ISVTX == 0 {
            return String(format: "is world-writable without the sticky bit (mode %o): anyone could replace the plugin; chmod o-w it", mode)
        }
        if st.st_uid != 0, st.st_uid != geteuid() {
            return "belongs to another user (uid \(st.st_uid)), who could replace the plugin; it must belong to you or root"
        }
        return nil
    }
}
