import ArgumentParser
import SluiceCore

@main
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A streaming ETL engine: YAML pipelines of plugin sources, processors and sinks.",
        discussion: """
        Plugins are shared libraries found on the plugin path: --plugin-path, then \
        SLUICE_PLUGIN_PATH, then the folder of this executable.

        Examples:
          sluice run examples/demo.yaml
          sluice validate examples/sensors-clean.yaml
          sluice explain file.read
          sluice dlq inspect out/demo-dead-letter.ndjson
          sluice plugins list
          sluice new-plugin my-filter --lang c
          sluice simulate sensors --file examples/data/beach_water_quality_sample.csv
        """,
        version: "0.1.0 (plugin ABI \(PluginLoader.abiMajor).\(PluginLoader.abiMinor))",
        subcommands: [RunCommand.self, ValidateCommand.self, ExplainCommand.self, DeadLetterCommand.self, PluginsCommand.self, NewPluginCommand.self, SimulateCommand.self,
                      TopCommand.self, IsolateCommand.self])
}
