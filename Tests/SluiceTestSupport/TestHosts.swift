import Foundation

/// Several test hosts on one machine, each with an address of its own: a
/// network namespace per host, joined by veth pairs to a bridge in the
/// test's namespace, where the servers listen on the bridge's address
/// (`serverAddress`). `ip netns` needs root; where namespaces cannot be
/// made, the hosts fall back to processes on loopback (`isolated` false),
/// which still exercises everything but the separate addresses.
public final class TestHosts {
    /// One host: its namespace (nil on loopback) and its address.
    public struct Host {
        public let namespace: String?
        public let address: String
    }

    public let hosts: [Host]
    /// Where the hosts reach the servers.
    public let serverAddress: String
    public let isolated: Bool
    private let bridge: String?

    public init(count: Int) {
        let tag = String(getpid() % 100_000)
        let subnet = "10.\(200 + Int(getpid()) % 50).\(Int(getpid() / 50) % 250)"
        let bridge = "sbr\(tag)"
        var made: [Host] = []
        var ok = Self.ip(["link", "add", bridge, "type", "bridge"])
            && Self.ip(["addr", "add", "\(subnet).1/24", "dev", bridge])
            && Self.ip(["link", "set", bridge, "up"])
        for i in 0 ..< count where ok {
            let ns = "sluice-\(tag)-h\(i)", outside = "sv\(tag)h\(i)", inside = "sp\(tag)h\(i)"
            let address = "\(subnet).\(10 + i)"
            ok = Self.ip(["netns", "add", ns])
                && Self.ip(["link", "add", outside, "type", "veth", "peer", "name", inside])
                && Self.ip(["link", "set", inside, "netns", ns])
                && Self.ip(["link", "set", outside, "master", bridge, "up"])
                && Self.ip(["-n", ns, "addr", "add", "\(address)/24", "dev", inside])
                && Self.ip(["-n", ns, "link", "set", inside, "up"])
                && Self.ip(["-n", ns, "link", "set", "lo", "up"])
            if ok { made.append(Host(namespace: ns, address: address)) }
        }
        if ok {
            hosts = made
            serverAddress = "\(subnet).1"
            isolated = true
            self.bridge = bridge
        } else {
            for host in made { _ = Self.ip(["netns", "del", host.namespace!]) }
            _ = Self.ip(["link", "del", bridge])
            hosts = (0 ..< count).map { _ in Host(namespace: nil, address: "127.0.0.1") }
            serverAddress = "127.0.0.1"
            isolated = false
            self.bridge = nil
        }
    }

    deinit { tearDown() }

    /// Deletes the namespaces (their veth ends go with them) and the bridge.
    public func tearDown() {
        guard isolated else { return }
        for host in hosts { _ = Self.ip(["netns", "del", host.namespace!]) }
        if let bridge { _ = Self.ip(["link", "del", bridge]) }
    }

    /// Starts `sluice` with `arguments` on host `i`; stderr to `log`.
    public func launch(_ i: Int, _ arguments: [String], log: String) throws -> Process {
        let p = Process()
        if let ns = hosts[i].namespace {
            // `ip netns exec` execs the command after entering the namespace: the PID is sluice's own.
            p.executableURL = URL(fileURLWithPath: Self.ipPath)
            p.arguments = ["netns", "exec", ns, TestSupport.sluice] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: TestSupport.sluice)
            p.arguments = arguments
        }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        return p
    }

    private static let ipPath = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/ip"

    private static func ip(_ arguments: [String]) -> Bool {
        (try? TestSupport.runProcess(ipPath, arguments))?.status == 0
    }
}
