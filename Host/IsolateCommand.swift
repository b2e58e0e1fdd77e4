import ArgumentParser
import SluiceCore

/// The child mode behind `isolation: process`: the host starts `sluice
/// isolate` for each isolated source, processor or sink (one per worker) and talks
/// to it over shared memory, with control frames on stdin and stdout (`WireChannel`).
/// Not for people to run, so not listed in `--help`.
struct IsolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isolate",
        abstract: "Run one plugin component for a host over shared memory (isolation: process).",
        shouldDisplay: false)

    @Option(name: .long, help: "The plugin's shared library.")
    var plugin: String

    @Option(name: .long, help: "The component in it.")
    var component: String

    @Option(name: .long, help: "The component's name in the manifest, for logs.")
    var name: String

    @OptionGroup var log: LogOptions

    func run() throws {
        var logger = try log.logger()
        logger[metadataKey: "component"] = "\(name)"
        logger[metadataKey: "process"] = "isolated"
        let status = IsolatedChild.serve(pluginPath: plugin, component: component, name: name, logger: logger)
        if status != 0 { throw ExitCode(status) }
    }
}
