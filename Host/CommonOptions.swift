import ArgumentParser
import Foundation
import Logging
import SluiceCore

/// Options every command that loads plugins takes.
struct PluginOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder to search for plugins first (repeatable).", valueName: "dir"))
    var pluginPath: [String] = []

    func loader() -> PluginLoader {
        PluginLoader(locator: PluginLocator(extra: pluginPath.flatMap { $0.split(separator: ":").map(String.init) },
                                            executable: Executable.path))
    }
}

struct LogOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(name: .long, help: "Log level: trace, debug, info, warning, error.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Log lines as text, or as one JSON object per line (ts, level, component, message, metadata).")
    var logFormat: Format = .text

    /// These options as arguments: what an isolated component's child
    /// (`sluice isolate`) is started with, so it logs as the host does.
    var arguments: [String] { ["--log-level", logLevel, "--log-format", logFormat.rawValue] }

    func logger() throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level \(logLevel.debugDescription)")
        }
        switch logFormat {
        case .text: LoggingSystem.bootstrap { StatusLineLogHandler(RedactingLogHandler(StreamLogHandler.standardError(label: $0))) }
        case .json: LoggingSystem.bootstrap { StatusLineLogHandler(RedactingLogHandler(JSONLogHandler(label: $0))) }
        }
        var logger = Logger(label: "sluice")
        logger.logLevel = level
        return logger
    }
}

extension LogOptions {
    /// A fatal error for the user: `error: …` on stderr as text (manifest
    /// errors, which name their file and line, without the prefix), or a JSON
    /// log line, so that every line of a JSON log parses.
    func error(_ message: String, _ logger: Logger, prefixed: Bool = true) {
        let message = SecretRegistry.redact(message)
        if logFormat == .json {
            logger.error("\(message)")
        } else {
            FileHandle.standardError.write(Data("\(prefixed ? "error: " : "")\(message)\n".utf8))
        }
    }
}

enum Executable {
    /// This executable's real path (argv[0] may be relative or a symlink).
    static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// "500ms", "10s", "2m", "1h" → seconds.
struct DurationArgument: ExpressibleByArgument {
    let seconds: Double

    init?(argument: String) {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where argument.hasSuffix(suffix) {
            guard let v = Double(argument.dropLast(suffix.count)), v > 0 else { return nil }
            seconds = v * scale
            return
        }
        guard let v = Double(argument), v > 0 else { return nil }
        seconds = v
    }
}
