import Foundation
import SluiceTestSupport
import XCTest

/// `sluice top` in a real terminal (tmux), attached to a running pipeline.
final class TopTests: XCTestCase {
    func testTopShowsEveryComponentWithNonZeroRates() throws {
        let tmux = "/usr/bin/tmux"
        guard FileManager.default.isExecutableFile(atPath: tmux) else { throw TestFailure("needs tmux: run `make deps`") }
        let dir = TestSupport.tempDir("top")
        let statusPort = try ManagedServer.freePort()
        try """
        engine: {state_dir: \(dir)/state}
        sources:
          readings: {use: faker.generate, config: {profile: beach_sensor, seed: 5, rate: 400}}
        processors:
          clean: {use: validator.validate, inputs: [readings], config: {schema: {type: object}}}
        sinks:
          archive: {use: file.write, inputs: [clean], config: {path: \(dir)/out.ndjson}}
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let p = try TestSupport.launch(["run", dir + "/p.yaml", "--no-progress", "--status-listen", "127.0.0.1:\(statusPort)"],
                                       stderr: dir + "/stderr.log")
        defer { if p.isRunning { p.terminate() } }
        // A tmux server of its own (-S), so the test never touches a user's sessions, and ends it whole.
        let socket = dir + "/tmux.sock"
        func tmuxRun(_ args: [String]) throws -> TestSupport.ProcessResult { try TestSupport.runProcess(tmux, ["-S", socket] + args) }
        // The server in the foreground (-D), as this test's child: a daemonised one would keep the
        // descriptors Foundation watches for the client's exit open, and waiting on the client would never end.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: tmux)
        server.arguments = ["-S", socket, "-D"]
        server.standardInput = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            _ = try? tmuxRun(["kill-server"])
            if server.isRunning { server.terminate() }
            server.waitUntilExit()
        }
        // A client that finds no server starts a daemonised one: wait for ours first.
        for _ in 0 ..< 100 where !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }
        let started = try tmuxRun(["new-session", "-d", "-s", "top", "-x", "140", "-y", "30",
                                   "\(TestSupport.sluice) top --status 127.0.0.1:\(statusPort) --interval 0.5"])
        XCTAssertEqual(started.status, 0, started.stderr)

        var screen = ""
        let rateOf = { (row: String) -> [String] in row.split(separator: " ").map(String.init).filter { $0.hasSuffix("/s") } }
        func row(_ name: String) -> String? { screen.split(separator: "\n").map(String.init).first { $0.hasPrefix(name + " ") } }
        let deadline = Date(timeIntervalSinceNow: 20)
        while Date() < deadline {
            screen = try tmuxRun(["capture-pane", "-p", "-t", "top"]).stdout
            if let r = row("archive"), rateOf(r).contains(where: { $0 != "0/s" }) { break }
            usleep(200_000)
        }
        for name in ["readings", "clean", "archive", "dead-letter"] {
            XCTAssertNotNil(row(name), "no row for \(name):\n\(screen)")
        }
        for name in ["readings", "clean", "archive"] {
            let rates = row(name).map(rateOf) ?? []
            XCTAssertEqual(rates.count, 2, "\(name): \(row(name) ?? "")")
            XCTAssertTrue(rates.allSatisfy { $0 != "0/s" }, "\(name) shows no rate:\n\(screen)")
        }
        XCTAssertTrue(screen.contains("readings → clean"), screen)
    }
}
