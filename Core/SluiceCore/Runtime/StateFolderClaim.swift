import Foundation

/// A run's hold on one state folder (a component's `state_dir/NAME`, or a
/// disk buffer's folder) for the whole run: an `flock` on `.lock` inside
/// it, and the manifest that owns it, recorded in `.owner` on first use.
///
/// Two runs of one manifest, or two manifests that name a component alike
/// and keep their state in one folder, would resume or remove each other's
/// checkpoint, or write one disk buffer from two processes. The lock stops
/// a second run at once; the owner stops another manifest later, when the
/// folder holds state (an empty one has nothing to lose). Both are
/// plain files in the folder, so nothing moves when a manifest's path does
/// (a ConfigMap's symbolic links, a `current -> releases/N` deploy): the
/// owner is the manifest's path as given, made absolute and normalised,
/// symbolic links not resolved.
///
/// A folder that hosts share on purpose (`engine.state_dir` named in the
/// manifest, a forecaster's partitions handed between hosts) is claimed
/// `shared`: a shared lock, which other shared claims may hold at once but
/// an exclusive claim may not, and an owner recorded but not checked.
final class StateFolderClaim {
    static let lockFile = ".lock"
    static let ownerFile = ".owner"

    /// The lock file, open (close-on-exec, so isolated children do not keep
    /// the lock past the host) until the claim is dropped.
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Makes `folder` if missing and claims it for a run of `manifest`.
    /// - Throws: `Refused` when another run holds the folder, or (not
    ///   `shared`) another manifest owns it and state is in it; its
    ///   message names both.
    static func claim(_ folder: String, manifest: String, shared: Bool) throws -> StateFolderClaim {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Refused("cannot create its state directory \(folder) (engine.state_dir): \(error.localizedDescription)")
        }
        let lockPath = folder + "/" + lockFile
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Refused("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        let claim = StateFolderClaim(descriptor: descriptor)
        guard flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            throw Refused("its state folder \(folder) is in use by another run\(holder.isEmpty ? "" : " (of \(holder))"): two runs must not share "
                + "a component's state; stop the other run, or give this pipeline its own engine.state_dir")
        }
        // Only a sole holder names itself: shared holders would overwrite each other.
        let holder = shared ? [] : Array((manifest + "\n").utf8)
        _ = ftruncate(descriptor, 0)
        _ = holder.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }

        let ownerPath = folder + "/" + ownerFile
        switch (try? String(contentsOfFile: ownerPath, encoding: .utf8))?.trimmingCharacters(in: .newlines) {
        case nil:
            try record(manifest, ownerPath)
        case let owner? where owner == manifest || shared:
            break
        case let owner?:
            // A folder without state (a stateless component's, a read that ended and removed its checkpoint) has nothing to lose.
            guard !holdsState(folder) else {
                throw Refused("its state folder \(folder) belongs to \(owner), not \(manifest): this run would resume or remove "
                    + "that pipeline's state. Give this pipeline its own engine.state_dir, or rename the component, "
                    + "or delete \(ownerPath) to hand the state over on purpose")
            }
            try record(manifest, ownerPath)
        }
        return claim
    }

    private static func record(_ manifest: String, _ ownerPath: String) throws {
        do {
            try (manifest + "\n").write(toFile: ownerPath, atomically: true, encoding: .utf8)
        } catch {
            throw Refused("cannot record its owner in \(ownerPath): \(error.localizedDescription)")
        }
    }

    /// Whether `folder` holds a file other than the claim's own, at any depth.
    private static func holdsState(_ folder: String) -> Bool {
        guard let walk = FileManager.default.enumerator(atPath: folder) else { return false }
        for case let path as String in walk {
            guard path != lockFile, path != ownerFile else { continue }
            if (walk.fileAttributes?[.type] as? FileAttributeType) != .typeDirectory { return true }
        }
        return false
    }

    /// `manifestFile` as the owner is recorded: absolute (from the working
    /// directory), `.` and `..` taken out, symbolic links kept.
    static func owner(ofManifest manifestFile: String) -> String {
        URL(fileURLWithPath: manifestFile).standardizedFileURL.path
    }

    /// Why a run cannot claim a state folder.
    struct Refused: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
