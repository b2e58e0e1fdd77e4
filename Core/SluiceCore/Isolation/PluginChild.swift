import CLinux
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
        /// crashed: its process was killed by signal 11 (SIGSEGV)", that
        /// it overran `engine.call_timeout_ms` and was killed, or that the
        /// wire refused a message (past its bound, or a lying frame).
        let recordReason: String
    }

    private let launch: Launch
    private let logger: Logger
    private var child: ChildProcess?
    /// The wire to the running child, and the host's ends of its pipes.
    private var channel: WireChannel?
    private var pipes: (toChild: Int32, fromChild: Int32) = (-1, -1)
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

    deinit {
        // Dropped without close (an error path): nothing is left running or unreaped.
        kill()
        closePipes()
    }

    /// The running host binary, which has the child mode.
    static var hostExecutable: String {
        if let set = ProcessInfo.processInfo.environment["SLUICE_EXECUTABLE"] { return set }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    var isRunning: Bool { child != nil }

    /// Sends `request` and reads its answer with `read`, starting a new
    /// child first if the last one died. `call` names the request in logs.
    func call<T>(_ request: [UInt8], _ call: String, read: ([UInt8]) -> T?) -> Result<T, Died> {
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
        guard let channel else { return .failure(Died(recordReason: "its plugin process is not running")) }
        let sent = channel.send(request)
        if !sent, let refusal = channel.refusal {
            // Nothing reached the child, which keeps running.
            logger.error("cannot send \(call) to its plugin process: \(refusal)")
            return .failure(Died(recordReason: "the isolation wire refused it: \(refusal)"))
        }
        let inTime = !sent || answered(during: call)
        guard sent, inTime, let answer = channel.receive().flatMap(read) else {
            // Killed in case it is alive and sent an answer that does not
            // parse; a child that died already keeps the signal it died of.
            let refusal = channel.refusal
            child?.kill()
            let reason = reap()
            if let refusal {
                logger.error("its plugin process sent what the isolation wire refuses during \(call): \(refusal); it \(reason), the records are retried in a new process")
                return .failure(Died(recordReason: "its plugin process sent what the isolation wire refuses: \(refusal)"))
            }
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
        _ = channel?.send([IsolationWire.Request.close.rawValue])
        stop()
    }

    /// Ends the child at once (its component's state with it).
    func kill() {
        guard let child else { return }
        child.kill()
        _ = reap()
    }

    private func start() throws {
        let requests = try pipe()
        let answers: (read: Int32, write: Int32)
        do { answers = try pipe() } catch {
            Glibc.close(requests.read)
            Glibc.close(requests.write)
            throw error
        }
        // The host's ends; the child's are closed once it has them.
        pipes = (requests.write, answers.read)
        defer { Glibc.close(requests.read); Glibc.close(answers.write) }
        let toChild: SharedRegion, fromChild: SharedRegion
        do {
            toChild = try SharedRegion.create(name: "sluice-\(launch.name)-requests", role: .writer)
            fromChild = try SharedRegion.create(name: "sluice-\(launch.name)-answers", role: .reader)
        } catch {
            closePipes()
            throw ComponentInstance.CreateError.retriable("cannot make the shared memory of its plugin process: \(error)")
        }
        // Swift's crash reporter would hold a crashed child for seconds while
        // it symbolicates (past call_timeout_ms); the host reports the signal.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        do {
            child = try ChildProcess.spawn(
                executable: launch.executable,
                arguments: ["isolate", "--plugin", launch.pluginPath, "--component", launch.component, "--name", launch.name] + launch.logArguments,
                environment: environment,
                descriptors: [(requests.read, 0), (answers.write, 1), (2, 2),
                              (toChild.fd, WireChannel.childRequestRegion), (fromChild.fd, WireChannel.childAnswerRegion)])
        } catch {
            closePipes()
            throw ComponentInstance.CreateError.config("cannot start its plugin process \(launch.executable): \(error)")
        }
        let channel = WireChannel(outgoing: toChild, sendPipe: requests.write, incoming: fromChild, receivePipe: answers.read)
        self.channel = channel
        var hello: [UInt8] = []
        IsolationWire.put(launch.hello.json, into: &hello)
        guard channel.send(hello), let answer = channel.receive(), let (started, message) = IsolationWire.readStarted(answer) else {
            throw ComponentInstance.CreateError.retriable("its plugin process \(reap()) while creating the component")
        }
        switch started {
        case .ok: return
        case .retriable: stop(); throw ComponentInstance.CreateError.retriable(message)
        default: stop(); throw ComponentInstance.CreateError.config(message)
        }
    }

    private func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_CLOEXEC) == 0 else {
            throw ComponentInstance.CreateError.retriable("cannot make a pipe to its plugin process: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }

    /// Whether the child answers within the call timeout; if it does not, it
    /// is killed (the read that follows then sees it gone).
    private func answered(during call: String) -> Bool {
        guard let channel, !IsolationWire.waitReadable(channel.receivePipe, timeoutMillis: launch.callTimeoutMillis),
              let child
        else { return true }
        logger.error("its plugin process did not answer \(call) within \(launch.callTimeoutMillis) ms (engine.call_timeout_ms); killing it")
        child.kill()
        return false
    }

    /// Waits for a child that is ending and says how it ended.
    private func reap() -> String {
        guard let p = child else { return "is not running" }
        closeRequests()
        let ending = p.wait()
        child = nil
        closePipes()
        return ending.description
    }

    /// Ends the child: end of input first, then SIGKILL after 5 s.
    private func stop() {
        guard let p = child else { return }
        closeRequests()
        let deadline = Date(timeIntervalSinceNow: 5)
        while Date() < deadline {
            if p.ended() != nil {
                child = nil
                closePipes()
                return
            }
            usleep(10_000)
        }
        p.kill()
        _ = reap()
    }

    /// The child's end of input: it returns from its loop and exits.
    private func closeRequests() {
        if pipes.toChild >= 0 { Glibc.close(pipes.toChild) }
        pipes.toChild = -1
    }

    private func closePipes() {
        closeRequests()
        if pipes.fromChild >= 0 { Glibc.close(pipes.fromChild) }
        pipes.fromChild = -1
        channel = nil
    }
}
