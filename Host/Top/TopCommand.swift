import ArgumentParser
import Foundation
import SluiceCore
import SluiceSDK

/// `sluice top --status ADDR`: a live table of a running pipeline's
/// components, read from its status server's `/api/topology` and redrawn
/// in place with plain ANSI codes.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Show a live per-component table (rates, queue depth, lag, dead letters) of a pipeline run with --status-listen.")

    @Option(name: .long, help: "The status address of the running `sluice run` (host:port, as given to --status-listen).")
    var status: String

    @Option(name: .long, help: "Seconds between refreshes.")
    var interval: Double = 1

    @Flag(name: .long, help: "Print one frame as plain text and exit (for scripts).")
    var once = false

    func validate() throws {
        _ = try address()
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    func run() throws {
        let client = StatusClient(address: try address(), timeoutMillis: 2000)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let path = "/api/topology"
        let url = "http://\(status)\(path)"
        while true {
            let frame: [String]
            do {
                let r = try client.get(path)
                guard r.status == 200 else { throw TopError(description: "\(url) answered \(r.status)") }
                frame = TopTable(topology: try decoder.decode(Topology.self, from: Data(r.body)), address: status).lines
            } catch {
                if once { throw TopError(description: "cannot read \(url): \(error)") }
                frame = ["sluice top — \(status)", "", "cannot read \(url): \(error); retrying"]
            }
            if once {
                print(frame.joined(separator: "\n"))
                return
            }
            // Home, draw each line clearing its tail, then clear below: no flicker from a full clear.
            let text = "\u{1B}[H" + frame.map { $0 + "\u{1B}[K" }.joined(separator: "\n") + "\n\u{1B}[J"
            FileHandle.standardOutput.write(Data(text.utf8))
            Thread.sleep(forTimeInterval: interval)
        }
    }

    private func address() throws -> HostPort {
        guard let address = HostPort(status), !address.host.isEmpty else { throw ValidationError("--status: expected host:port, got \(status.debugDescription)") }
        return address
    }

    struct TopError: Error, CustomStringConvertible {
        let description: String
    }
}
