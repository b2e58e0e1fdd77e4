import Foundation
import SluiceFormats
import SluiceSDK

/// Where the simulated API's readings come from. Each reading is served
/// once, when its time has come; `due` hands out the next ones.
protocol ReadingFeed: AnyObject {
    /// Up to `max` readings not served before whose time has come.
    func due(max: Int, elapsedMillis: Int64) -> [SensorReading]
    /// Readings not served yet.
    var remaining: Int { get }
}

/// Replays a beach sensor CSV in time order. `speedup` simulated seconds
/// pass per real second; 0 makes every reading due at once. A quiet spell
/// longer than `maxGapMillis` (the sensors are out of the water in winter)
/// is replayed as that long, so a replay shows data at once.
///
/// Rows without a timestamp (the file has rows with only a beach name) keep
/// their place after the row before them, as they came in the original feed.
final class ReplayFeed: ReadingFeed {
    private let readings: [SensorReading]
    /// When each reading is due, in simulated ms from the first, gaps capped.
    private let dueMillis: [Int64]
    private let speedup: Double
    private var next = 0

    init(path: String, speedup: Double, maxGapMillis: Int64 = 3_600_000) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw SimulatorError("cannot read \(path)") }
        var rows: [(sortKey: Int64, file: Int, time: Int64?, cells: [String])] = []
        var records = CSVRecords()
        var lastTime = Int64.min
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            switch records.feed(line, number: i + 1) {
            case let .header(names):
                guard names == SensorColumns.names else {
                    throw SimulatorError("\(path): expected the beach sensor columns \(SensorColumns.names.joined(separator: ","))")
                }
            case let .record(cells, _):
                let time = SensorColumns.timestampFormat.parse(cells[SensorColumns.timestamp])
                if let time { lastTime = time }
                rows.append((time ?? lastTime, rows.count, time, cells))
            case nil, .mismatched, .unterminated:
                continue
            }
        }
        rows.sort { ($0.sortKey, $0.file) < ($1.sortKey, $1.file) }
        readings = rows.enumerated().map { SensorReading(sequence: $0.offset + 1, localMillis: $0.element.time, cells: $0.element.cells) }
        var due: [Int64] = []
        var clock: Int64 = 0
        var previous: Int64?
        for r in readings {
            if let t = r.localMillis {
                if let p = previous { clock += min(max(0, t - p), maxGapMillis) }
                previous = t
            }
            due.append(clock)
        }
        dueMillis = due
        self.speedup = speedup
    }

    var count: Int { readings.count }
    var remaining: Int { readings.count - next }

    func due(max: Int, elapsedMillis: Int64) -> [SensorReading] {
        guard next < readings.count else { return [] }
        let horizon = speedup == 0 ? Int64.max : Int64(Double(elapsedMillis) * speedup)
        var out: [SensorReading] = []
        while next < readings.count, out.count < max {
            if dueMillis[next] > horizon { break }
            out.append(readings[next])
            next += 1
        }
        return out
    }
}

/// Invents readings for six beaches at `rate` per second: values wander
/// the way the real sensors' do, timestamps are the current time.
final class SyntheticFeed: ReadingFeed {
    private static let beaches = ["Calumet Beach", "Montrose Beach", "Ohio Street Beach", "Osterman Beach", "63rd Street Beach", "Rainbow Beach"]
    private let rate: Double
    private let startMillis = Int64(Date().timeIntervalSince1970 * 1000)
    private var random: SeededRandom
    private var made = 0
    private var water: [Double]
    private var turbidity: [Double]
    private var battery: [Double]

    init(rate: Double, seed: UInt64) {
        self.rate = rate
        random = SeededRandom(seed: seed)
        water = Array(repeating: 18, count: Self.beaches.count)
        turbidity = Array(repeating: 1.5, count: Self.beaches.count)
        battery = Array(repeating: 11.5, count: Self.beaches.count)
    }

    var remaining: Int { Int.max }

    func due(max: Int, elapsedMillis: Int64) -> [SensorReading] {
        let target = Int(Double(elapsedMillis) / 1000 * rate) + 1
        var out: [SensorReading] = []
        while made < target, out.count < max {
            let b = made % Self.beaches.count
            water[b] = min(30, Swift.max(5, water[b] + Double.random(in: -0.3 ... 0.3, using: &random)))
            turbidity[b] = Swift.max(0.05, turbidity[b] * Double.random(in: 0.85 ... 1.18, using: &random))
            battery[b] = Swift.max(6, battery[b] - Double.random(in: 0 ... 0.002, using: &random))
            let time = startMillis + Int64(Double(made) / rate * 1000)
            let name = Self.beaches[b]
            let stamp = SyntheticFeed.stamp(time)
            let cells = [name, stamp, String(format: "%.1f", water[b]), String(format: "%.2f", turbidity[b]), "1.5", "0.2", "4",
                         String(format: "%.1f", battery[b]), stamp, name.replacingOccurrences(of: " ", with: "") + String(time / 1000)]
            made += 1
            out.append(SensorReading(sequence: made, localMillis: time, cells: cells))
        }
        return out
    }

    /// "08/30/2013 08:00:00 AM", the file's timestamp style.
    private static func stamp(_ ms: Int64) -> String {
        let days = ms / 86_400_000
        let (y, m, d) = Civil.date(fromDays: days)
        let secs = (ms / 1000) % 86400
        let hour = secs / 3600
        return String(format: "%02d/%02d/%04d %02d:%02d:%02d %@", m, d, y, hour % 12 == 0 ? 12 : hour % 12, secs / 60 % 60, secs % 60,
                      hour < 12 ? "AM" : "PM")
    }
}

struct SimulatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
