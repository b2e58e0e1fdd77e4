import CSluicePlugin
import Foundation
import Logging

/// A sink whose plugin runs in a child process (`isolation: process`): the
/// same .so, loaded by `sluice isolate`, called over the child's stdin and
/// stdout (`IsolationWire`). A segfault or abort in the plugin ends the
/// child, not the host: the batch being written fails as retriable, the
/// stage's backoff spaces the retries, and the next write starts a new
/// child. Records already acknowledged by the child are never lost; a batch
/// the child died in is written again (at least once).
///
/// Used by its stage's thread only, like an in-process instance.
final class IsolatedSink: RecordWriter {
    /// What starts the child.
    struct Launch {
        var executable: String
        var pluginPath: String
        var component: String
        var name: String
        var config: String
        /// `engine.call_timeout_ms`: a write or flush not answered within it
        /// gets the child killed and the batch retried; 0 waits for ever.
        var callTimeoutMillis = 0
    }

    private let launch: Launch
    private let logger: Logger
    private var child: Process?
    private var toChild: FileHandle?
    private var fromChild: FileHandle?
    private(set) var restarts = 0

    /// Starts the child and creates the component in it; throws as an
    /// in-process create does.
    init(launch: Launch, logger: Logger) throws {
        self.launch = launch
        self.logger = logger
        // A write to a child that just died must fail, not kill the host.
        signal(SIGPIPE, SIG_IGN)
        try start()
    }

    /// The running host binary, which has the child mode.
    static var hostExecutable: String {
        if let set = ProcessInfo.processInfo.environment["SLUICE_EXECUTABLE"] { return set }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    private func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launch.executable)
        p.arguments = ["isolate", "--plugin", launch.pluginPath, "--component", launch.component, "--name", launch.name]
        // Swift's crash reporter would hold a crashed child for seconds while
        // it symbolicates (past call_timeout_ms); the host reports the signal.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        p.environment = environment
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        do {
            try p.run()
        } catch {
            throw ComponentInstance.CreateError.config("cannot start its plugin process \(launch.executable): \(error.localizedDescription)")
        }
        child = p
        toChild = input.fileHandleForWriting
        fromChild = output.fileHandleForReading
        var hello: [UInt8] = []
        IsolationWire.put(launch.config, into: &hello)
        guard ByteIO.writeAll(toChild!.fileDescriptor, hello),
              let started = ByteIO.readExactly(fromChild!.fileDescriptor, 1),
              let message = IsolationWire.readString(fromChild!.fileDescriptor)
        else {
            throw ComponentInstance.CreateError.retriable("its plugin process \(reap()) while creating the component")
        }
        switch IsolationWire.Started(rawValue: started[0]) {
        case .ok: return
        case .retriable: stop(); throw ComponentInstance.CreateError.retriable(message)
        default: stop(); throw ComponentInstance.CreateError.config(message)
        }
    }

    func write(_ records: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status {
        if child == nil {
            do {
                try start()
                restarts += 1
                logger.notice("started its plugin process again (restart \(restarts))")
            } catch {
                logger.error("cannot start its plugin process again: \(error)")
                return SLUICE_RETRIABLE
            }
        }
        let request = [IsolationWire.Request.write.rawValue] + BufferFrame.encode(records, port: port)
        guard ByteIO.writeAll(toChild!.fileDescriptor, request), answered(during: "a write") else {
            return died(during: "a write of \(records.count) record(s)")
        }
        guard let answer = IsolationWire.readWriteAnswer(fromChild!.fileDescriptor) else {
            return died(during: "a write of \(records.count) record(s)")
        }
        for f in answer.failures where f.index >= 0 && f.index < records.count {
            ctx.fail(f.index, f.retriable ? SLUICE_FAILURE_RETRIABLE : SLUICE_FAILURE_PERMANENT, f.reason)
        }
        return sluice_status(rawValue: UInt32(bitPattern: answer.status))
    }

    func flush() -> sluice_status {
        guard child != nil else { return SLUICE_OK }
        guard ByteIO.writeAll(toChild!.fileDescriptor, [IsolationWire.Request.flush.rawValue]), answered(during: "a flush"),
              let status = IsolationWire.readUInt32(fromChild!.fileDescriptor)
        else { return died(during: "a flush") }
        return sluice_status(rawValue: status)
    }

    func close() {
        guard child != nil else { return }
        _ = ByteIO.writeAll(toChild!.fileDescriptor, [IsolationWire.Request.close.rawValue])
        stop()
    }

    /// Whether the child answers within the call timeout; if it does not, it
    /// is killed (the read that follows then sees it gone).
    private func answered(during call: String) -> Bool {
        guard !IsolationWire.waitReadable(fromChild!.fileDescriptor, timeoutMillis: launch.callTimeoutMillis), let p = child else { return true }
        logger.error("its plugin process did not answer \(call) within \(launch.callTimeoutMillis) ms (engine.call_timeout_ms); killing it")
        kill(p.processIdentifier, SIGKILL)
        return false
    }

    /// The child is gone in the middle of a call: say how, and retry.
    private func died(during call: String) -> sluice_status {
        logger.error("its plugin process \(reap()) during \(call); the batch is retried in a new process")
        return SLUICE_RETRIABLE
    }

    /// Waits for a child that is ending and says how it ended.
    private func reap() -> String {
        guard let p = child else { return "is not running" }
        try? toChild?.close()
        p.waitUntilExit()
        child = nil
        try? fromChild?.close()
        return p.terminationReason == .uncaughtSignal
            ? "was killed by signal \(p.terminationStatus)\(p.terminationStatus == SIGSEGV ? " (SIGSEGV)" : p.terminationStatus == SIGABRT ? " (SIGABRT)" : "")"
            : "exited with status \(p.terminationStatus)"
    }

    /// Ends the child: end of input first, then SIGKILL after 5 s.
    private func stop() {
        guard let p = child else { return }
        try? toChild?.close()
        let deadline = Date(timeIntervalSinceNow: 5)
        while p.isRunning, Date() < deadline { usleep(10_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        _ = reap()
    }
}
