import Foundation
import Synchronization
import Logging
import SluiceCore
import SluiceSDK

/// Shared helpers for the test targets: paths, temp dirs, C compilation,
/// and running a pipeline from YAML against the built plugins.
public enum TestSupport {
    /// The repository root (this file is Tests/SluiceTestSupport/TestSupport.swift).
    public static let repoRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    /// Where `swift build` put the plugins and the `sluice` binary (next to the test bundle).
    public static let buildDir: String = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("libsluice-file.so").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return repoRoot + "/.build/debug"
    }()

    public static var sluice: String { buildDir + "/sluice" }

    public static func tempDir(_ label: String = "sluice-test") -> String {
        let path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func loader(extra: [String] = []) -> PluginLoader {
        PluginLoader(locator: PluginLocator(extra: extra + [buildDir], environment: [:], executable: buildDir + "/sluice"))
    }

    public static var quietLogger: Logger {
        var l = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        l.logLevel = .critical
        return l
    }

    /// Parses and plans a manifest given as text (written to `dir/pipeline.yaml`).
    public static func plan(_ yaml: String, dir: String, environment: [String: String] = [:], extraPluginDirs: [String] = []) throws -> PipelinePlan {
        let file = dir + "/pipeline.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        var manifest = try ManifestParser.parse(file: file, environment: environment)
        // Processors' snapshots go to the test's folder, not the working
        // directory's .sluice-state, where a later run would restore them.
        if !manifest.engine.namesStateDirectory {
            manifest.engine.stateDirectory = dir + "/.sluice-state"
        }
        return try PipelinePlanner(loader: loader(extra: extraPluginDirs)).plan(manifest)
    }

    /// Runs a pipeline to completion in-process. `during`, if given, runs on
    /// the calling thread while the engine runs on its own, so it may touch
    /// the test's state freely.
    public static func run(_ yaml: String, dir: String, maxRecords: Int? = nil, environment: [String: String] = [:],
                           extraPluginDirs: [String] = [], during: ((Engine) -> Void)? = nil) throws -> RunSummary
    {
        let plan = try plan(yaml, dir: dir, environment: environment, extraPluginDirs: extraPluginDirs)
        let engine = Engine(plan: plan, logger: quietLogger, maxRecords: maxRecords)
        guard let during else { return try engine.run() }
        let outcome = Mutex<Result<RunSummary, Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let result = Result { try engine.run() }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
        during(engine)
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    /// Compiles C source into a shared library (or, with `shared: false`, an executable).
    @discardableResult
    /// `include` replaces the SDK's header directory (e.g. to build against an older header).
    public static func compileC(_ source: String, name: String, dir: String, flags: [String] = [], shared: Bool = true,
                                include: String = repoRoot + "/SDK/include") throws -> String {
        let src = dir + "/\(name).c"
        let out = dir + (shared ? "/lib\(name).so" : "/\(name)")
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        var args = ["-std=c11", "-Wall", "-Werror", "-I\(include)", "-o", out, src] + flags
        if shared { args = ["-shared", "-fPIC"] + args }
        let result = try runProcess("/usr/bin/cc", args)
        guard result.status == 0 else { throw TestFailure("cc failed: \(result.stderr)") }
        return out
    }

    /// Starts `sluice` with `args` in the background, stderr to `stderr` (or discarded).
    public static func launch(_ args: [String], stderr: String? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sluice)
        p.arguments = args
        if let stderr { _ = FileManager.default.createFile(atPath: stderr, contents: nil) }
        p.standardError = FileHandle(forWritingAtPath: stderr ?? "/dev/null")
        try p.run()
        return p
    }

    public struct ProcessResult {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public static func runProcess(_ path: String, _ args: [String], cwd: String? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// The objects of a JSON-lines file.
    public static func readNDJSON(_ path: String) throws -> [JSONValue] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// The integer fields `names` of each document in a file of BSON
    /// documents back to back (what the C test sinks write); a torn last
    /// document is left out.
    public static func bsonIntegers(_ path: String, _ names: [String]) throws -> [[String: Int64]] {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var out: [[String: Int64]] = []
        var at = 0
        while at + 4 <= data.count {
            let length = Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24
            guard length >= 5, at + length <= data.count else { break }
            var fields: [String: Int64] = [:]
            data[at ..< at + length].withUnsafeBytes { b in
                let doc = BSONDocument(b)
                for name in names { fields[name] = doc[name]?.integer }
            }
            out.append(fields)
            at += length
        }
        return out
    }

    public static func lineCount(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
