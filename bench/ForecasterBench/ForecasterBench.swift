// Updates/s of the forecaster's per-key models over BSON records, against a
// loop that only reads the same fields from the same records, in one run.
//
//   ForecasterBench [--keys 10000] [--steps 168] [--export FILE] [--loops read,holt-winters,auto]
//
// --export writes the records as CSV (key,step,value) so River can be timed
// on exactly the same data (bench/forecaster.sh). --loops runs only the named
// loops (`none` for none: the records are still made), so callgrind can count
// one loop's instructions as the difference of two runs.
import CMalloc
import ForecasterPlugin
import Foundation
import SluiceSDK

@main
struct ForecasterBench {
    static let hour: Int64 = 3_600_000
    static let season = 24
    /// Where errors start counting: after the warm-up (2 seasons) plus one more day for every model to settle.
    static let scoredFrom = Int64(3 * season)

    /// The records as one buffer of BSON documents with their offsets, and the values they carry.
    struct Records {
        var bson: [UInt8] = []
        var offsets: [Int] = []
        var values: [Double] = []
        var count: Int { offsets.count - 1 }

        /// Calls `body` with each record in `range` (default: all) as a document view.
        func forEach(_ range: Range<Int>? = nil, _ body: (BSONDocument) -> Void) {
            bson.withUnsafeBytes { all in
                for i in range ?? 0 ..< count {
                    body(BSONDocument(UnsafeRawBufferPointer(rebasing: all[offsets[i] ..< offsets[i + 1]])))
                }
            }
        }
    }

    struct Result {
        let name: String
        let seconds: Double
        let records: Int
        let mae: Double?
        let bytesPerKey: Double?
    }

    static func main() throws {
        var keys = 10000
        var steps = 168
        var exportPath: String?
        var loops = ["read", "holt-winters", "auto"]
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let a = arguments.next() {
            switch a {
            case "--keys": keys = Int(arguments.next() ?? "") ?? keys
            case "--steps": steps = Int(arguments.next() ?? "") ?? steps
            case "--export": exportPath = arguments.next()
            case "--loops": loops = (arguments.next() ?? "").split(separator: ",").map(String.init)
            default:
                FileHandle.standardError.write(Data("unknown argument \(a)\n".utf8))
                exit(2)
            }
        }
        let records = makeRecords(keys: keys, steps: steps)
        if let exportPath {
            var csv = "key,step,value\n"
            for i in 0 ..< records.count { csv += "sensor-\(i % keys),\(i / keys),\(records.values[i])\n" }
            try csv.write(toFile: exportPath, atomically: true, encoding: .utf8)
        }
        var results: [Result] = []
        if loops.contains("read") { results.append(readOnly(records)) }
        if loops.contains("holt-winters") { results += run("holt-winters", [.holtWinters], records, keys: keys) }
        if loops.contains("auto") { results += run("auto", ModelKind.allCases, records, keys: keys) }
        print("records: \(records.count) (\(keys) keys x \(steps) hourly steps, season \(season)); MAE over steps >= \(scoredFrom)")
        print(pad("loop", 44) + pad("seconds", 10) + pad("records/s", 14) + pad("MAE", 10) + "heap/key")
        for r in results {
            print(pad(r.name, 44) + pad(String(format: "%.3f", r.seconds), 10) + pad(String(format: "%.0f", Double(r.records) / r.seconds), 14)
                + pad(r.mae.map { String(format: "%.4f", $0) } ?? "-", 10) + (r.bytesPerKey.map { String(format: "%.0f B", $0) } ?? "-"))
        }
    }

    static func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: max(width, s.count + 1), withPad: " ", startingAt: 0) }

    /// Sensor-like series: a per-key level that drifts, a daily cycle, Gaussian noise.
    /// Records are in time order, all keys per hour, as a gateway would send them.
    static func makeRecords(keys: Int, steps: Int) -> Records {
        var random = SeededRandom(seed: 42)
        let shape = (0 ..< keys).map { _ in (level: 10 + 15 * random.unit(), amplitude: 1 + 3 * random.unit(), noise: 0.2 + 0.6 * random.unit()) }
        var levels = shape.map(\.level)
        var records = Records()
        var w = BSONWriter(capacity: 128)
        for t in 0 ..< steps {
            for k in 0 ..< keys {
                levels[k] += 0.05 * random.gaussian()
                let daily = sin(2 * Double.pi * Double(t) / Double(season))
                let y = levels[k] + shape[k].amplitude * daily + shape[k].noise * random.gaussian()
                w.reset()
                w.append("sensor", string: "sensor-\(k)")
                w.append("time", datetime: Int64(t) * hour)
                w.append("temperature", double: y)
                records.offsets.append(records.bson.count)
                records.bson.append(contentsOf: w.finish())
                records.values.append(y)
            }
        }
        records.offsets.append(records.bson.count)
        return records
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The fields every loop reads, as the processor reads them: key, time, value.
    /// Each loop keeps its own copy: read through the static, every record paid its lazy initialisation's check.
    static let fields = ["sensor", "time", "temperature"]

    /// The baseline: read the key, the time and the value of every record, nothing else
    /// (its state behind a pointer, as the forecaster loops' is).
    struct ReadLoop {
        let paths = FieldPaths(fields)
        var found: [BSONElement?] = []
        var checksum = 0.0

        mutating func read(_ doc: BSONDocument) {
            paths.read(doc, into: &found)
            let key = found[0]!.stringBytes!
            checksum += found[2]!.number! + Double(found[1]!.datetime! & 1) + Double(key.count + Int(key[0]))
        }
    }

    static func readOnly(_ records: Records) -> Result {
        var loop = ReadLoop()
        let time = withUnsafeMutablePointer(to: &loop) { loop in seconds { records.forEach { loop.pointee.read($0) } } }
        // Printed so the loop cannot be optimised away.
        FileHandle.standardError.write(Data("checksum \(loop.checksum)\n".utf8))
        return Result(name: "read fields only", seconds: time, records: records.count, mae: nil, bytesPerKey: nil)
    }

    /// One forecaster loop's state. A struct reached through a pointer:
    /// variables captured by the loop's closure paid a dynamic exclusivity
    /// check per access, which the processor does not.
    struct Loop {
        var forecasts: KeyedForecasts
        let paths = FieldPaths(fields)
        var found: [BSONElement?] = []
        var absError = 0.0
        var scored = 0

        /// The key's series, the one-step forecast made before the reading (scored), then the update.
        mutating func update(_ doc: BSONDocument) {
            paths.read(doc, into: &found)
            let t = found[1]!.datetime!
            let y = found[2]!.number!
            let slot = forecasts.slot(forBytes: found[0]!.stringBytes!)
            if let f = forecasts.forecast(slot, 0, 1), t / hour >= scoredFrom {
                absError += abs(y - f.value)
                scored += 1
            }
            forecasts.observe(slot, 0, time: t, value: y)
        }
    }

    /// The same reads, then per record: the key's series, the one-step forecast (scored) and the update.
    /// Timed in two phases: the warm-up (two seasons collected, then every candidate fitted by
    /// grid search: once per key) and the steady state after it.
    static func run(_ name: String, _ models: [ModelKind], _ records: Records, keys: Int) -> [Result] {
        let settings = SeriesSettings(intervalMillis: hour, season: season, models: models, maxGap: 72)
        var loop = Loop(forecasts: KeyedForecasts(settings: settings, fields: ["temperature"], rules: []))
        let warmupRecords = min(settings.warmup * keys, records.count)
        let heapBefore = mallinfo2().uordblks
        let (warmup, steady) = withUnsafeMutablePointer(to: &loop) { loop in
            (seconds { records.forEach(0 ..< warmupRecords) { loop.pointee.update($0) } },
             seconds { records.forEach(warmupRecords ..< records.count) { loop.pointee.update($0) } })
        }
        let heapBytes = Double(mallinfo2().uordblks - heapBefore) / Double(keys)
        return [
            Result(name: "\(name): warm-up + fit (steps < \(settings.warmup))", seconds: warmup, records: warmupRecords,
                   mae: nil, bytesPerKey: nil),
            Result(name: "\(name): forecast + learn", seconds: steady, records: records.count - warmupRecords,
                   mae: loop.absError / Double(max(loop.scored, 1)), bytesPerKey: heapBytes),
        ]
    }
}
