import CLinux
import Foundation

/// A child process started with `posix_spawn`, given the descriptors its
/// parent names and no others. Foundation's `Process` closes every
/// descriptor but stdin, stdout and stderr in the child, and a plugin
/// child needs its two shared regions as well (`WireChannel`).
///
/// Like `Process`, the child gets a process group of its own, so a ^C at
/// the terminal reaches the host, which then ends its children in order.
struct ChildProcess {
    /// How a child ended.
    enum Ending: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case let .exited(status): return "exited with status \(status)"
            case let .signalled(signal):
                let name = [SIGSEGV: " (SIGSEGV)", SIGABRT: " (SIGABRT)", SIGKILL: " (SIGKILL)", SIGBUS: " (SIGBUS)"][signal] ?? ""
                return "was killed by signal \(signal)\(name)"
            }
        }

        init(waitStatus status: Int32) {
            // <sys/wait.h>'s WIFSIGNALED and friends are macros Swift does not import.
            let signal = status & 0x7F
            self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        }
    }

    let pid: pid_t

    /// Starts `executable` with `arguments` and `environment`; each pair of
    /// `descriptors` is (the parent's descriptor, its number in the child).
    /// Every other descriptor is closed in the child.
    static func spawn(executable: String, arguments: [String], environment: [String: String],
                      descriptors: [(parent: Int32, child: Int32)]) throws -> ChildProcess {
        guard access(executable, X_OK) == 0 else {
            throw SpawnError(description: "\(executable): \(String(cString: strerror(errno)))")
        }
        // A parent descriptor whose number another one takes in the child would be
        // overwritten before it is copied: each is first copied above every child number.
        let above = (descriptors.map(\.child).max() ?? 2) + 1
        var copies: [Int32] = []
        defer { copies.forEach { close($0) } }
        for d in descriptors {
            let copy = fcntl(d.parent, F_DUPFD_CLOEXEC, above)
            guard copy >= 0 else { throw SpawnError(description: "descriptor \(d.parent): \(String(cString: strerror(errno)))") }
            copies.append(copy)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (copy, d) in zip(copies, descriptors) {
            posix_spawn_file_actions_adddup2(&actions, copy, d.child)
        }
        posix_spawn_file_actions_addclosefrom_np(&actions, above)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw SpawnError(description: "\(executable): \(String(cString: strerror(status)))") }
        return ChildProcess(pid: pid)
    }

    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    func kill() {
        Glibc.kill(pid, SIGKILL)
    }

    /// Waits until the child ends and reaps it.
    func wait() -> Ending {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return .exited(-1) }
        }
        return Ending(waitStatus: status)
    }

    /// How the child ended, reaping it, or nil while it runs.
    func ended() -> Ending? {
        var status: Int32 = 0
        let n = waitpid(pid, &status, WNOHANG)
        if n == pid { return Ending(waitStatus: status) }
        return n < 0 ? .exited(-1) : nil
    }
}
