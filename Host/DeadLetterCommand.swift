import ArgumentParser
import Foundation
import SluiceCore
import SluiceSDK

/// `sluice dlq`: act on a dead-letter file.
struct DeadLetterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Summarise a dead-letter file, or send its records again through a pipeline once the cause is fixed.",
        subcommands: [Inspect.self, Replay.self])

    /// The entries of `file`; a file that cannot be read is reported with
    /// the system's reason through `report` (`replay` logs it, in the
    /// `--log-format` asked for), and the command exits 2.
    static func entries(_ file: String,
                        report: (String) -> Void = { FileHandle.standardError.write(Data("error: \($0)\n".utf8)) }) throws -> [DeadLetterEntry]
    {
        let text: String
        do {
            text = try TextFile.read(file)
        } catch {
            report("\(error)")
            throw ExitCode(2)
        }
        let (entries, malformed) = DeadLetterEntry.read(ndjson: text)
        if malformed > 0 {
            FileHandle.standardError.write(Data("warning: \(malformed) line(s) of \(file) are not dead-letter entries ({stage, error_class, reason, attempts, failed_at, record}); skipped\n".utf8))
        }
        return entries
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Count a dead-letter file's entries by component, error class and reason, most frequent first.")

        @Argument(help: "The dead-letter file (NDJSON).")
        var file: String

        @Option(name: .long, help: "Reasons to list.")
        var top = 20

        func run() throws {
            let entries = try DeadLetterCommand.entries(file)
            let times = entries.compactMap(\.failedAt)
            let span = times.min().map { " from \(ISO8601.format(milliseconds: $0)) to \(ISO8601.format(milliseconds: times.max()!))" } ?? ""
            print("\(file): \(entries.count) entr\(entries.count == 1 ? "y" : "ies")\(span)")
            let byStage = Dictionary(grouping: entries, by: \.stage).sorted { $0.value.count > $1.value.count }
            for (stage, group) in byStage {
                print("  \(stage): \(group.count)")
                let counts: [(reason: String, count: Int)] = Dictionary(grouping: group) { e in e.errorClass.map { "[\($0)] \(e.reason)" } ?? e.reason }
                    .map { ($0.key, $0.value.count) }
                let byReason = counts.sorted { a, b in a.count != b.count ? a.count > b.count : a.reason < b.reason }
                for (reason, count) in byReason.prefix(top) { print("    \(String(count).leftPadded(to: 8))  \(reason)") }
                if byReason.count > top { print("    \(byReason.count - top) more reason(s)") }
            }
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Send dead-lettered records back into the components they failed at, and on through what follows them.",
            discussion: "Each entry's record goes into the component named by its `stage`, which reads it instead of its inputs; the manifest's sources and everything not downstream of those components are left out. Fix the cause first (the mapping, the schema, the server). Records that fail again go to --dead-letter with their reasons, never back into FILE. Exit status as for `run`.")

        @Argument(help: "The dead-letter file (NDJSON).")
        var file: String

        @Option(name: .long, help: "The pipeline manifest to replay into.")
        var into: String

        @Option(name: .long, help: "Replay only the entries of this component.")
        var component: String?

        @Option(name: .long, help: "Where records that fail again go (default: FILE with .replay.ndjson).")
        var deadLetter: String?

        @OptionGroup var plugins: PluginOptions
        @OptionGroup var log: LogOptions

        func run() throws {
            let logger = try log.logger()
            let entries = try DeadLetterCommand.entries(file) { log.error($0, logger) }.filter { component == nil || $0.stage == component }
            guard !entries.isEmpty else {
                log.error("nothing to replay: \(file) has no entries\(component.map { " of \($0)" } ?? "")", logger)
                throw ExitCode(3)
            }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-replay-\(getpid())").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var inputs: [String: String] = [:]
            for (stage, group) in Dictionary(grouping: entries, by: \.stage) {
                let path = "\(folder)/\(inputs.count).ndjson"
                let lines = group.compactMap(\.record).map { JSONWriter.string(.object($0)) + "\n" }
                try lines.joined().write(toFile: path, atomically: true, encoding: .utf8)
                inputs[stage] = path
            }
            let base = URL(fileURLWithPath: file).deletingPathExtension().path
            let rejects = URL(fileURLWithPath: deadLetter ?? base + ".replay.ndjson").standardizedFileURL.path
            let plan: PipelinePlan
            do {
                let (parsed, errors) = ManifestParser.read(file: into, environment: ProcessInfo.processInfo.environment)
                guard let parsed else { throw ManifestErrors(errors: errors) }
                plan = try PipelinePlanner(loader: plugins.loader()).plan(DeadLetterReplay.manifest(parsed, inputs: inputs, deadLetterPath: rejects))
            } catch let e as ManifestErrors {
                log.error("\(e)", logger, prefixed: false)
                throw ExitCode(2)
            } catch let e as DeadLetterReplay.Refusal {
                log.error("\(e)", logger)
                throw ExitCode(2)
            }
            logger.info("replaying \(entries.count) record(s) into \(inputs.keys.sorted().joined(separator: ", ")); records that fail again: \(rejects)")
            try PipelineExecution(plan: plan, logger: logger, log: log).run(maxRecords: nil, duration: nil, statusListen: nil, progress: false)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
