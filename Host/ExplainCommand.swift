import ArgumentParser
import Foundation
import SluiceCore

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print a component's config reference (keys, types, defaults, descriptions, an example) from its schema.",
        discussion: "sluice explain kafka lists the components of a plugin; sluice explain kafka.write documents one.")

    @Argument(help: "PLUGIN.COMPONENT (e.g. file.read), or a plugin name.")
    var component: String

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        let parts = component.split(separator: ".", maxSplits: 1).map(String.init)
        let plugin: LoadedPlugin
        do {
            plugin = try plugins.loader().load(name: parts[0])
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        guard parts.count == 2 else {
            print("\(plugin.name) \(plugin.version): \(plugin.note.description)")
            for c in plugin.components {
                print("  \(plugin.name).\(c.name)".padding(toLength: 28, withPad: " ", startingAt: 0) + "\(c.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(c.summary)")
            }
            return
        }
        guard let info = plugin.component(parts[1]) else {
            let known = plugin.components.map(\.name)
            FileHandle.standardError.write(Data("error: plugin \(plugin.name) has no component \(parts[1].debugDescription)\(ManifestParser.suggestion(parts[1], known))\n".utf8))
            throw ExitCode(2)
        }
        print(ConfigReference(use: component, component: info).text, terminator: "")
    }
}
