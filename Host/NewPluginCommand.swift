import ArgumentParser
import Foundation

struct NewPluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-plugin",
        abstract: "Create a plugin project that builds: a pass-through processor in C (make) or Swift (swift build).")

    enum Language: String, ExpressibleByArgument, CaseIterable {
        case c, swift
    }

    @Argument(help: "Plugin name: lowercase letters, digits and -.")
    var name: String

    @Option(name: .long, help: "c or swift.")
    var lang: Language = .c

    @Option(name: .long, help: "Parent folder of the new project.")
    var output: String = "."

    @Option(name: .long, help: "The plugin kit's SDK folder (include/sluice/*.h and the SluiceSDK package): an installed PREFIX/share/sluice/SluiceSDK or a source tree's SDK; found from this executable by default.")
    var sdk: String?

    func validate() throws {
        guard name.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil else {
            throw ValidationError("plugin names are lowercase letters, digits and -, starting with a letter")
        }
    }

    func run() throws {
        let root = try sdkRoot()
        let dir = URL(fileURLWithPath: output).appendingPathComponent(name)
        guard !FileManager.default.fileExists(atPath: dir.path) else {
            throw ValidationError("\(dir.path) already exists")
        }
        let files = lang == .c ? PluginTemplates.c(name: name, sdk: root) : PluginTemplates.swift(name: name, sdk: root)
        for (path, text) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        print("created \(dir.path) (\(lang.rawValue)); build it with: \(lang == .c ? "make -C \(dir.path)" : "swift build -c release --package-path \(dir.path)")")
    }

    /// The SDK folder: it holds include/sluice/sluice_plugin.h and the
    /// SluiceSDK package. An installed kit (`make install`) puts it at
    /// PREFIX/share/sluice/SluiceSDK beside PREFIX/bin/sluice; a source
    /// tree has it at SDK/.
    private func sdkRoot() throws -> String {
        var candidates: [URL] = []
        if let sdk {
            let given = URL(fileURLWithPath: sdk)
            candidates += [given, given.appendingPathComponent("SDK")]
        }
        let exeDir = URL(fileURLWithPath: Executable.path).deletingLastPathComponent()
        candidates.append(exeDir.deletingLastPathComponent().appendingPathComponent("share/sluice/SluiceSDK"))
        var dir = exeDir
        for _ in 0 ..< 5 {
            candidates.append(dir.appendingPathComponent("SDK"))
            dir = dir.deletingLastPathComponent()
        }
        for c in candidates where FileManager.default.fileExists(atPath: c.appendingPathComponent("include/sluice/sluice_plugin.h").path)
            && FileManager.default.fileExists(atPath: c.appendingPathComponent("Package.swift").path)
        {
            return c.standardizedFileURL.path
        }
        throw ValidationError("cannot find the plugin kit (include/sluice/sluice_plugin.h and the SluiceSDK package); install it with `make install` or pass --sdk")
    }
}
