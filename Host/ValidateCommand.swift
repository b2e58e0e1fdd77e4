import ArgumentParser
import Foundation
import SluiceCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a manifest without running it: YAML, plugins, component names, wiring, and every config against its schema.")

    @Argument(help: "The pipeline manifest (YAML).")
    var manifest: String

    @OptionGroup var plugins: PluginOptions

    func run() throws {
        do {
            let plan = try PipelinePlanner(loader: plugins.loader()).plan(file: manifest)
            for w in plan.warnings { FileHandle.standardError.write(Data("warning: \(SecretRegistry.redact("\(w)"))\n".utf8)) }
            let counts = [ComponentRole.source, .processor, .sink].map { role in
                "\(plan.nodes.filter { $0.spec.role == role }.count) \(role.rawValue)(s)"
            }
            print("\(manifest): OK (\(counts.joined(separator: ", ")))")
        } catch let e as ManifestErrors {
            FileHandle.standardError.write(Data("\(SecretRegistry.redact("\(e)"))\n".utf8))
            throw ExitCode(2)
        }
    }
}
