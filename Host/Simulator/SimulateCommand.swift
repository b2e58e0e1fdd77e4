import ArgumentParser
import Foundation
import SluiceSDK

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a stand-in for an outside system, for demos and tests.",
        subcommands: [Sensors.self])

    struct Sensors: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sensors",
            abstract: "Serve a beach water-quality sensor API that replays real readings.",
            discussion: """
            Endpoints:
              GET /          the current reading as one text line (with an ETag),
                             e.g. 2013-08-30T08:00:00.000000 20.3 1.18 9.4 Montrose_Beach 1
              GET /readings?format=json|ndjson|csv|text&n=K
                             up to K readings not served before
              GET /stats     requests, readings served, faults injected

            With --file, a beach sensor CSV (City of Chicago, dataset qmqz-2xku) is
            replayed in time order, --speedup simulated seconds per second (0: all
            at once). Without it, readings for six beaches are invented at --rate
            per second.

            Examples:
              sluice simulate sensors --speedup 3600 \\
                  --file examples/data/beach_water_quality_sample.csv
              sluice simulate sensors --port 0 --error-rate 0.2 --throttle-rate 0.1
            """)

        @Option(help: "Address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "Port to listen on; 0 picks a free one (printed at start).")
        var port = 8081

        @Option(help: "A beach sensor CSV to replay.")
        var file: String?

        @Option(help: "Replay speed: simulated seconds per real second; 0 serves every reading at once.")
        var speedup = 3600.0

        @Option(help: "With --file: replay a quiet spell longer than this many simulated seconds as that long (the sample has gaps of weeks).")
        var maxGap = 3600.0

        @Option(help: "Without --file: readings invented per second.")
        var rate = 6.0

        @Option(help: "Share of requests answered 500.")
        var errorRate = 0.0

        @Option(help: "Share of requests answered 503 with Retry-After.")
        var throttleRate = 0.0

        @Option(help: "The Retry-After seconds sent with injected 503s.")
        var retryAfter = 1

        @Option(help: "Share of requests answered late.")
        var slowRate = 0.0

        @Option(help: "How late a slow answer is, in ms.")
        var slowMs = 2000

        @Option(help: "Share of served readings garbled (a field lost or noise; JSON and CSV cut short).")
        var malformedRate = 0.0

        @Option(help: "Require this bearer token (Authorization: Bearer <token>); 401 without it.")
        var token: String?

        @Option(help: "Seed for the injected faults and invented readings.")
        var seed: UInt64 = 1

        func validate() throws {
            for (name, rate) in [("error-rate", errorRate), ("throttle-rate", throttleRate), ("slow-rate", slowRate), ("malformed-rate", malformedRate)]
                where !(0 ... 1).contains(rate)
            {
                throw ValidationError("--\(name) is a share between 0 and 1, got \(rate)")
            }
            guard speedup >= 0, rate > 0 else { throw ValidationError("--speedup must be >= 0 and --rate > 0") }
        }

        func run() throws {
            let feed: ReadingFeed
            let origin: String
            if let file {
                let replay = try ReplayFeed(path: file, speedup: speedup, maxGapMillis: Int64(maxGap * 1000))
                feed = replay
                origin = "\(replay.count) readings from \(file), \(speedup == 0 ? "all at once" : "speed-up \(speedup)×")"
            } else {
                feed = SyntheticFeed(rate: rate, seed: seed)
                origin = "invented readings, \(rate)/s"
            }
            let faults = FaultPlan(errorRate: errorRate, throttleRate: throttleRate, retryAfterSeconds: retryAfter, slowRate: slowRate,
                                   slowMillis: slowMs, malformedRate: malformedRate, random: SeededRandom(seed: seed))
            let api = SensorAPI(feed: feed, faults: faults, token: token)
            let server = try LocalHTTPServer(host: host, port: port, what: "simulate sensors") { api.answer($0) }
            print("serving beach sensor readings on \(server.url)/ (\(origin))")
            fflush(nil)
            let signals = SignalHandling.install { server.close() }
            try server.wait()
            withExtendedLifetime(signals) {}
        }
    }
}
