import Foundation

/// A real server process the tests start on 127.0.0.1, on a free port, and
/// stop by PID. Its output goes to a log file kept for failure messages.
public final class ManagedServer {
    public let name: String
    public let port: Int
    public let logPath: String
    private let executable: String
    private let arguments: [String]
    private var process: Process?

    /// `arguments` may contain "{port}", replaced with the chosen port.
    public init(name: String, executable: String, arguments: [String], port: Int? = nil, logDir: String) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestFailure("\(name): \(executable) is not installed; run `make deps` (it installs the test servers into .venv)")
        }
        let chosen = try port ?? ManagedServer.freePort()
        self.name = name
        self.port = chosen
        self.executable = executable
        self.arguments = arguments.map { $0.replacingOccurrences(of: "{port}", with: String(chosen)) }
        logPath = logDir + "/\(name).log"
    }

    /// Starts the process and waits until its port accepts connections.
    public func start(timeout: Double = 20) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if ManagedServer.accepts(port: port) { return }
            if !p.isRunning { break }
            usleep(50_000)
        }
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        stop()
        throw TestFailure("\(name) did not start on port \(port):\n\(output.suffix(2000))")
    }

    /// SIGKILL: the crash case.
    public func kill() {
        guard let p = process, p.isRunning else { return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// SIGTERM, then SIGKILL after 5 s.
    public func stop() {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        let deadline = Date(timeIntervalSinceNow: 5)
        while p.isRunning, Date() < deadline { usleep(20_000) }
        if p.isRunning { Foundation.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        process = nil
    }

    deinit { stop() }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Where `make deps` puts the Python-packaged test servers.
    public static var venv: String {
        ProcessInfo.processInfo.environment["SLUICE_TEST_VENV"] ?? TestSupport.repoRoot + "/.venv"
    }

    /// A Kafka-protocol broker (tansu), storage in memory. `advertised` is
    /// the address clients are told to connect to; it listens on every
    /// address when that is not loopback (hosts in network namespaces).
    public static func kafka(port: Int? = nil, advertised: String = "127.0.0.1", logDir: String) throws -> ManagedServer {
        let listen = advertised == "127.0.0.1" ? advertised : "0.0.0.0"
        return try ManagedServer(name: "tansu", executable: venv + "/bin/tansu",
                                 arguments: ["broker", "--listener-url", "tcp://\(listen):{port}",
                                             "--advertised-listener-url", "tcp://\(advertised):{port}"],
                                 port: port, logDir: logDir)
    }

    /// Creates topics with `partitions` partitions (tansu makes 4 by default)
    /// through confluent-kafka's admin client in the test venv.
    public static func createTopics(_ names: [String], partitions: Int, brokers: String) throws {
        let script = """
        import sys
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": sys.argv[1]})
        for f in admin.create_topics([NewTopic(n, num_partitions=int(sys.argv[2]), replication_factor=1) for n in sys.argv[3:]]).values():
            f.result(timeout=10)
        """
        let r = try TestSupport.runProcess(venv + "/bin/python", ["-c", script, brokers, String(partitions)] + names)
        guard r.status == 0 else { throw TestFailure("cannot create topics \(names): \(r.stderr)") }
    }

    /// The group's committed offsets per partition of `topic`, asked of the broker (confluent-kafka from the test venv).
    public static func committedOffsets(brokers: String, group: String, topic: String) throws -> [Int: Int] {
        let script = """
        import sys
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2], "enable.auto.commit": False})
        meta = c.list_topics(sys.argv[3], timeout=10)
        parts = [TopicPartition(sys.argv[3], p) for p in meta.topics[sys.argv[3]].partitions]
        for tp in c.committed(parts, timeout=10):
            if tp.offset >= 0:
                print(tp.partition, tp.offset)
        c.close()
        """
        let r = try TestSupport.runProcess(venv + "/bin/python3", ["-c", script, brokers, group, topic])
        guard r.status == 0 else { throw TestFailure("asking the broker for committed offsets failed: \(r.stderr)") }
        var out: [Int: Int] = [:]
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: " ").compactMap { Int($0) }
            if f.count == 2 { out[f[0]] = f[1] }
        }
        return out
    }

    /// Fails fast unless the loader finds the newer librdkafka first (`make test` arranges it).
    public static func requireTestRdKafka() throws {
        let path = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] ?? ""
        let found = path.split(separator: ":").contains { FileManager.default.fileExists(atPath: "\($0)/librdkafka.so.1") }
        guard found else {
            throw TestFailure("the Kafka tests need librdkafka 2.x first on LD_LIBRARY_PATH (Debian's 2.0.2 cannot talk to tansu): run them with `make test`")
        }
    }

    /// Sluice's own beach sensor API simulator (`sluice simulate sensors`).
    public static func sensorSimulator(_ arguments: [String], logDir: String) throws -> ManagedServer {
        try ManagedServer(name: "sensor-simulator", executable: TestSupport.sluice,
                          arguments: ["simulate", "sensors", "--port", "{port}"] + arguments, logDir: logDir)
    }

    /// An Elasticsearch REST server (noida-db), data in `dataDir`.
    public static func elasticsearch(dataDir: String, port: Int? = nil, logDir: String) throws -> ManagedServer {
        try ManagedServer(name: "noida-db", executable: venv + "/bin/noida-db-server",
                          arguments: ["start", "--data-dir", dataDir, "--host", "127.0.0.1", "--only", "elasticsearch",
                                      "--elasticsearch-port", "{port}"],
                          port: port, logDir: logDir)
    }

    /// syslog-ng in the foreground, standing in for Logstash: a TCP JSON-lines
    /// input forwarding each line as a document to `esPort`'s `_bulk`.
    /// Like a Logstash elasticsearch output configured with
    /// `index => "%{[@metadata][_index]}"` and `document_id => "%{[@metadata][_id]}"`,
    /// it takes the index and id from a line's `@metadata` when it has them
    /// (else `index` and the field `idField`); unlike Logstash, it leaves
    /// `@metadata` in the indexed document.
    /// With `tls` (a certificate and its key), the input is TLS-only, like a
    /// Logstash tcp input with `ssl_enable => true`.
    public static func logstashStandIn(esPort: Int, index: String, idField: String, dir: String,
                                       tls: (cert: String, key: String)? = nil) throws -> ManagedServer
    {
        let port = try freePort()
        let conf = dir + "/syslog-ng.conf"
        let transport = tls.map { #"transport("tls") tls(key-file("\#($0.key)") cert-file("\#($0.cert)") peer-verify(optional-untrusted))"# }
            ?? #"transport("tcp")"#
        try """
        @version: 3.38
        @include "scl.conf"
        source s_in { network(ip("127.0.0.1") port(\(port)) \(transport) flags(no-parse) log-msg-size(1048576)); };
        parser p_json { json-parser(prefix(".json.")); };
        destination d_es {
          elasticsearch-http(url("http://127.0.0.1:\(esPort)/_bulk") type("") index("${ES_INDEX}") custom-id("${ES_ID}")
                             template("${MESSAGE}") batch-lines(100) timeout(10));
        };
        rewrite r_route {
          set("\(index)" value("ES_INDEX"));
          set("${.json.\(idField)}" value("ES_ID"));
          set("${.json.@metadata._index}" value("ES_INDEX") condition("${.json.@metadata._index}" ne ""));
          set("${.json.@metadata._id}" value("ES_ID") condition("${.json.@metadata._id}" ne ""));
        };
        log { source(s_in); parser(p_json); rewrite(r_route); destination(d_es); };
        """.write(toFile: conf, atomically: true, encoding: .utf8)
        return try ManagedServer(name: "syslog-ng", executable: "/usr/sbin/syslog-ng",
                                 arguments: ["-F", "-f", conf, "--persist-file=\(dir)/sng.persist", "--pidfile=\(dir)/sng.pid",
                                             "--control=\(dir)/sng.ctl", "--no-caps"],
                                 port: port, logDir: dir)
    }

    /// Tests/Fixtures/fault_proxy.py in front of `targetPort`.
    public static func faultProxy(targetPort: Int, everyNth: Int, rejectRequests: Int, logDir: String) throws -> ManagedServer {
        try ManagedServer(name: "fault-proxy", executable: "/usr/bin/python3",
                          arguments: [TestSupport.repoRoot + "/Tests/Fixtures/fault_proxy.py", "{port}", String(targetPort),
                                      String(everyNth), String(rejectRequests)],
                          logDir: logDir)
    }

    /// A certificate (and key) for 127.0.0.1, made by `openssl`; the
    /// certificate is also the CA file a client trusts.
    public static func selfSignedCertificate(dir: String) throws -> (cert: String, key: String) {
        let (cert, key) = (dir + "/cert.pem", dir + "/key.pem")
        let made = try TestSupport.runProcess("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", key, "-out", cert,
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        guard made.status == 0 else { throw TestFailure("openssl could not make a certificate: \(made.stderr)") }
        return (cert, key)
    }

    /// Python's HTTPS server answering every GET with `file`, under a certificate
    /// made for 127.0.0.1 by `openssl` (returned: the CA file a client trusts).
    public static func httpsStatic(file: String, contentType: String, dir: String) throws -> (server: ManagedServer, caFile: String) {
        let (cert, key) = try selfSignedCertificate(dir: dir)
        let server = try ManagedServer(name: "https-static", executable: "/usr/bin/python3",
                                       arguments: [TestSupport.repoRoot + "/Tests/Fixtures/https_static.py", "{port}", cert, key, file, contentType],
                                       logDir: dir)
        return (server, cert)
    }

    /// A MongoDB wire-protocol server (nx-27017, over SQLite) with its data in `dataDir`.
    public static func mongo(dataDir: String, port: Int? = nil, host: String = "127.0.0.1", logDir: String) throws -> ManagedServer {
        try ManagedServer(name: "nx-27017", executable: venv + "/bin/nx-27017",
                          arguments: ["--data-dir", dataDir, "--host", host, "-p", "{port}",
                                      "--log-file", logDir + "/nx-27017.out", "--pid-file", dataDir + "/nx.pid"],
                          port: port, logDir: logDir)
    }
}
