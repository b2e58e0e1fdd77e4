import ArgumentParser
import Foundation
import SluiceCore

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List the plugins on the plugin path, or inspect one.",
        subcommands: [List.self, Inspect.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Name, version, ABI, components and path of every plugin found (read from ELF notes; nothing is loaded).")

        @OptionGroup var plugins: PluginOptions

        func run() throws {
            let locator = plugins.loader().locator
            var rows: [[String]] = [["NAME", "VERSION", "ABI", "COMPONENTS", "PATH"]]
            for path in locator.candidates() {
                guard let info = try? PluginLoader.inspect(path: path) else { continue }
                let n = info.note
                rows.append([n.name, n.version, "\(n.abiMajor).\(n.abiMinor)",
                             n.components.map { c in "\(c.kind):\(c.name)" + (c.outputs.isEmpty ? "" : "[\(c.outputs.joined(separator: ","))]") }.joined(separator: " "), path])
            }
            if rows.count == 1 {
                print("no plugins on the plugin path: \(locator.directories.joined(separator: ":"))")
                return
            }
            let widths = (0 ..< 4).map { c in rows.map { $0[c].count }.max()! }
            for r in rows {
                print((0 ..< 4).map { r[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + r[4])
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show a plugin's metadata and run every pre-load check, without loading it.",
            discussion: "Exit status: 0 when the plugin would load, 2 when it is refused or not found.")

        @Argument(help: "A plugin name on the plugin path (kafka) or a file (./libmine.so).")
        var plugin: String

        @Option(name: .long, help: "Also check the file's SHA-256 against this value.")
        var sha256: String?

        @OptionGroup var plugins: PluginOptions

        func run() throws {
            let locator = plugins.loader().locator
            let file: String
            if plugin.contains("/") || plugin.hasSuffix(".so") {
                file = plugin
            } else if let found = locator.locate(plugin) {
                file = found
            } else {
                let known = locator.names()
                FileHandle.standardError.write(Data("no plugin named \(plugin.debugDescription) on the plugin path (\(locator.directories.joined(separator: ":")))\(known.isEmpty ? "" : ManifestParser.suggestion(plugin, known))\n".utf8))
                throw ExitCode(2)
            }
            do {
                let info = try PluginLoader.inspect(path: file, sha256: sha256)
                let n = info.note
                print("""
                file:        \(file)
                name:        \(n.name)
                version:     \(n.version)
                description: \(n.description)
                abi:         \(n.abiMajor).\(n.abiMinor) (host speaks \(PluginLoader.abiMajor).\(PluginLoader.abiMinor))
                entry:       \(info.entryMajors.map { "sluice_plugin_entry_v\($0)" }.joined(separator: ", "))
                components:
                """)
                for c in n.components {
                    let outputs = c.outputs.isEmpty ? "" : "  outputs: default, \(c.outputs.joined(separator: ", ")) (read one as inputs: [NAME.OUTPUT])"
                    print("  \(c.kind.padding(toLength: 10, withPad: " ", startingAt: 0)) \(n.name).\(c.name)\(outputs)")
                }
                print("loadable:    yes")
            } catch let e as LoadError {
                FileHandle.standardError.write(Data("refused: \(e)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
