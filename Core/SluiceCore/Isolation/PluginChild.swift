import Foundation
import Logging
import SluiceSDK

/// One plugin component running in a child process (`sluice isolate`),
/// for `isolation: process`: starts the child, creates the component in it,
/// sends it requests and reads its answers, and tells the caller how the
/// child died when it does not answer.
///
/// A call whose child crashed or overran `engine.call_timeout_ms` fails with
/// `Died`; the next call starts a new child (the component created again
/// with the same config). Used by one stage thread only, like an in-process
/// instance.
final class PluginChild {
    /// What starts the child and what its component is created with.
    struct Launch {
        var executable: String
        var pluginPath: String
        var component: String
        var name: String
        var hello: IsolationWire.Hello
        /// `engine.call_timeout_ms`: a call not answered within it gets the
        /// child killed; 0 waits for ever.
        var callTimeoutMillis = 0
        /// The host's log options (`--log-format`, `--log-level`), passed on.
        var logArguments: [String] = []
    }

    /// How a call ended without an answer.
    struct Died: Error {
        /// Why, as the dead-letter reason of the call's records: "plugin
        /// crashed: its process was killed by signal 11 (SIGSEGV)", or that
        /// it overran `engine.call_timeout_ms` and was killed.
        let recordReason: String
    }

    private let launch: Launch
    private let logger: Logger
    private var child: Process?
    private var toChild: Int32 = -1
    private var fromChild: Int32 = -1
    private var handles: (FileHandle, FileHandle)?
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

    var isRunning: Bool { child != nil }

    /// Sends `request` and reads its answer with `read`, starting a new
    /// child first if the last one died. `call` names the request in logs.
    func call<T>(_ request: [UInt8], _ call: String, read: (Int32) -> T?) -> Result<T, Died> {
        if child == nil {
            do {
                try start()
                restarts += 1
                logger.notice("started its plugin process again (restart \(restarts))")
            } catch {
                logger.error("cannot start its plugin process again: \(error)")
                return .failure(Died(recordReason: "its plugin process could not be started again: \(error)"))
            }
        }
        let sent = ByteIO.writeAll(toChild, request)
        let inTime = !sent || answered(during: call)
        guard sent, inTime, let answer = read(fromChild) else {
            // Killed in case it is alive and sent an answer that does not
            // parse; a child that died already keeps the signal it died of.
            if let p = child { Foundation.kill(p.processIdentifier, SIGKILL) }
            let reason = reap()
            logger.error("its plugin process \(reason) during \(call); the records are retried in a new process")
            return .failure(Died(recordReason: inTime
                    ? "plugin crashed: its process \(reason)"
                    : "plugin did not answer within \(launch.callTimeoutMillis) ms (engine.call_timeout_ms): its process was killed"))
        }
        return .success(answer)
    }

    /// Ends the child after it destroyed its component; the next call
    /// would start a new one.
    func close() {
        guard child != nil else { return }
        _ = ByteIO.writeAll(toChild, [IsolationWire.Request.close.rawValue])
        stop()
    }

    /// Ends the child at once (its component's state with it).
    func kill() {
        guard let p = child else { return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        _ = reap()
    }

    private func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launch.executable)
        p.arguments = ["isolate", "--plugin", launch.pluginPath, "--component", launch.component, "--name", launch.name] + launch.logArguments
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
        handles = (input.fileHandleForWriting, output.fileHandleForReading)
        toChild = input.fileHandleForWriting.fileDescriptor
        fromChild = output.fileHandleForReading.fileDescriptor
        var hello: [UInt8] = []
        IsolationWire.put(launch.hello.json, into: &hello)
        guard ByteIO.writeAll(toChild, hello),
              let started = ByteIO.readExactly(fromChild, 1),
              let message = IsolationWire.readString(fromChild)
        else {
            throw ComponentInstance.CreateError.retriable("its plugin process \(reap()) while creating the component")
        }
        switch IsolationWire.Started(rawValue: started[0]) {
        case .ok: return
        case .retriable: stop(); throw ComponentInstance.CreateError.retriable(message)
        default: stop(); throw ComponentInstance.CreateError.config(message)
        }
    }

    /// Whether the child answers within the call timeout; if it does not, it
    /// is killed (the read that follows then sees it gone).
    private func answered(during call: String) -> Bool {
        guard !IsolationWire.waitReadable(fromChild, timeoutMillis: launch.callTimeoutMillis), let p = child else { return true }
        logger.error("its plugin process did not answer \(call) within \(launch.callTimeoutMillis) ms (engine.call_timeout_ms); killing it")
        Foundation.kill(p.processIdentifier, SIGKILL)
        return false
    }

    /// Waits for a child that is ending and says how it ended.
    private func reap() -> String {
        guard let p = child else { return "is not running" }
        try? handles?.0.close()
        p.waitUntilExit()
        child = nil
        try? handles?.1.close()
        handles = nil
        if p.terminationReason == .uncaughtSignal {
            let name = [SIGSEGV: " (SIGSEGV)", SIGABRT: " (SIGABRT)", SIGKILL: " (SIGKILL)", SIGBUS: " (SIGBUS)"][p.terminationStatus] ?? ""
            return "was killed by signal \(p.terminationStatus)\(name)"
        }
        return "exited with status \(p.terminationStatus)"
    }

    /// Ends the child: end of input first, then SIGKILL after 5 s.
    private func stop() {
        guard let p = child else { return }
        try? handles?.0.close()
        let deadline = Date(timeIntervalSinceNow: 5)
        while p.isRunning, Date() < deadline { usleep(10_000) }
        if p.isRunning { Foundation.kill(p.processIdentifier, SIGKILL) }
        _ = reap()
    }
}
