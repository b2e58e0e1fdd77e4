import CSluicePlugin
import SluiceSDK
import Foundation

/// Loads plugin libraries, refusing any it cannot run before running any of
/// their code.
///
/// Checks, in order: the file resolves into a plugin directory that only root
/// or the current user can write; it exists and is not world-writable; its
/// SHA-256 matches the manifest's pin; it is a 64-bit ELF shared library for
/// this machine (not an executable) whose link tables `ld.so` can read
/// safely; it has a Sluice note whose ABI major this host
/// speaks; it exports the matching entry symbol. Only then `dlopen`, and the
/// descriptor the entry returns must agree with the note.
///
/// `@unchecked Sendable`: `loaded` is read and written under `lock`.
public final class PluginLoader: @unchecked Sendable {
    public static let abiMajor = Int(SLUICE_ABI_MAJOR)
    public static let abiMinor = Int(SLUICE_ABI_MINOR)

    public let locator: PluginLocator
    private var loaded: [String: LoadedPlugin] = [:]
    private let lock = NSLock()

    public init(locator: PluginLocator = PluginLocator()) {
        self.locator = locator
    }

    /// Checks a file without loading it.
    public static func inspect(path: String, sha256: String? = nil) throws -> PluginFileInfo {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw LoadError(kind: .notFound, path: path, reason: "no such file")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw LoadError(kind: .notELF, path: path, reason: "is not a regular file")
        }
        if st.st_mode & S_IWOTH != 0 {
            throw LoadError(kind: .worldWritable, path: path,
                            reason: String(format: "is world-writable (mode %o): anyone could replace its code; chmod o-w it", st.st_mode & 0o7777))
        }
        if let expected = sha256 {
            let actual = try FileDigest.sha256(path: path)
            guard actual == expected.lowercased() else {
                throw LoadError(kind: .checksumMismatch, path: path, reason: "SHA-256 is \(actual), but the manifest pins \(expected)")
            }
        }
        let info = try ELFInspector.inspect(path)
        guard info.note.abiMajor == abiMajor else {
            throw LoadError(kind: .incompatibleABI, path: path,
                            reason: "is built for plugin ABI \(info.note.abiMajor).\(info.note.abiMinor); this host speaks ABI \(abiMajor).x")
        }
        guard info.entryMajors.contains(abiMajor) else {
            let others = info.entryMajors.map { "sluice_plugin_entry_v\($0)" }
            throw LoadError(kind: .missingEntry, path: path,
                            reason: "does not export sluice_plugin_entry_v\(abiMajor)" + (others.isEmpty ? "" : " (it exports \(others.joined(separator: ", ")))"))
        }
        return info
    }

    /// Loads the plugin called `name` from the plugin path.
    public func load(name: String, sha256: String? = nil) throws -> LoadedPlugin {
        guard let path = locator.locate(name) else {
            let known = locator.names()
            let hint = known.isEmpty ? "" : ManifestParser.suggestion(name, known)
            throw LoadError(kind: .notFound, path: name,
                            reason: "no plugin named \(name.debugDescription) on the plugin path (\(locator.directories.joined(separator: ":"))); tried \(PluginLocator.fileNames(for: name).joined(separator: ", "))\(hint)")
        }
        let plugin = try load(path: path, sha256: sha256)
        guard plugin.name == name else {
            throw LoadError(kind: .badDescriptor, path: path, reason: "was found for plugin \(name.debugDescription) but calls itself \(plugin.name.debugDescription)")
        }
        return plugin
    }

    /// Loads the plugin at `path` (once; later calls return the same plugin).
    /// The file must lie in a plugin directory or below one of `alsoUnder`
    /// (a manifest's own folder, for its `path:` entries).
    public func load(path: String, sha256: String? = nil, alsoUnder: [String] = []) throws -> LoadedPlugin {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        try Self.checkPlace(path: path, real: real, allowed: locator.directories, trees: alsoUnder)
        lock.lock()
        defer { lock.unlock() }
        if let plugin = loaded[real] {
            if let sha256 { _ = try Self.inspect(path: real, sha256: sha256) }
            return plugin
        }
        let started = Clock.monotonicNanos()
        let info = try Self.inspect(path: real, sha256: sha256)
        // RTLD_DEEPBIND: a plugin's own copies of shared code (SluiceSDK) bind to
        // themselves, never to the host's, whatever versions each was built with.
        guard let handle = dlopen(real, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) else {
            throw LoadError(kind: .dlopenFailed, path: real, reason: "dlopen failed: \(String(cString: dlerror()))")
        }
        // A refused library stays mapped: its code has run (the entry, Swift's
        // metadata registration), and unmapping a Swift image leaves the runtime
        // pointing into it, so printing the refusal itself could crash.
        let plugin = try describe(handle: handle, info: info, path: real, started: started)
        loaded[real] = plugin
        return plugin
    }

    private func describe(handle: UnsafeMutableRawPointer, info: PluginFileInfo, path: String, started: UInt64) throws -> LoadedPlugin {
        func bad(_ reason: String) -> LoadError { LoadError(kind: .badDescriptor, path: path, reason: reason) }
        guard let symbol = dlsym(handle, "sluice_plugin_entry_v\(Self.abiMajor)") else {
            throw bad("entry symbol not found after loading")
        }
        let entry = unsafeBitCast(symbol, to: sluice_plugin_entry_fn.self)
        guard let d = entry(UInt16(Self.abiMinor)) else { throw bad("the entry returned no descriptor") }
        let plugin = d.pointee
        guard structHasField(plugin.struct_size, \sluice_plugin_descriptor.components) else {
            throw bad("descriptor is too small (\(plugin.struct_size) bytes)")
        }
        guard Int(plugin.abi_major) == Self.abiMajor else { throw bad("descriptor says ABI \(plugin.abi_major), the note says \(info.note.abiMajor)") }
        let name = plugin.name.map { String(cString: $0) } ?? ""
        guard name == info.note.name else {
            throw bad("descriptor names the plugin \(name.debugDescription), its note \(info.note.name.debugDescription)")
        }
        var components: [ComponentInfo] = []
        for i in 0 ..< plugin.component_count {
            guard let c = plugin.components[i] else { throw bad("component \(i) is NULL") }
            let component = try Self.checkComponent(c, index: i, note: info.note, path: path)
            if components.contains(where: { $0.name == component.name }) { throw bad("two components are named \(component.name.debugDescription)") }
            components.append(component)
        }
        // The other way round: `plugins list` and `validate` trust the note, so
        // a component it announces must exist.
        for announced in info.note.components where !components.contains(where: { $0.name == announced.name }) {
            throw bad("the ELF note lists \(announced.kind):\(announced.name), which the descriptor does not have (it has: \(components.map(\.name).joined(separator: ", ")))")
        }
        let version = plugin.version.map { String(cString: $0) } ?? info.note.version
        return LoadedPlugin(path: path, note: info.note, version: version, components: components, handle: handle,
                            loadSeconds: Double(Clock.monotonicNanos() - started) / 1e9)
    }
}
