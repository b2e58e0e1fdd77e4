// Updates/s of the forecaster's per-key models over BSON records, against a
// loop that only reads the same fields from the same records, in one run.
//
//   forecaster-bench [--keys 10000] [--steps 168] [--export FILE]
//
// --export writes the records as CSV (key,step,value) so River can be timed
// on exactly the same data (bench/forecaster.sh).
import ForecasterPlugin
import Foundation
import SluiceSDK

var keys = 10000
var steps = 168
var exportPath: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--keys": keys = Int(arguments.next() ?? "") ?? keys
    case "--steps": steps = Int(arguments.next() ?? "") ?? steps
    case "--export": exportPath = arguments.next()
    default:
        FileHandle.standardError.write("unknown argument \(a)\n".data(using: .utf8)!)
        exit(2)
    }
}

let hour: Int64 = 3_600_000
let season = 24
/// Where errors start counting: after the warm-up (2 seasons) plus one more day for every model to settle.
let scoredFrom = 3 * season

/// Sensor-like series: a per-key level that drifts, a daily cycle, Gaussian noise.
/// Records are in time order, all keys per hour, as a gateway would send them.
func makeRecords() -> (bson: [UInt8], offsets: [Int], values: [Double]) {
    var random = SeededRandom(seed: 42)
    let shape = (0 ..< keys).map { _ in (level: 10 + 15 * random.unit(), amplitude: 1 + 3 * random.unit(), noise: 0.2 + 0.6 * random.unit()) }
    var levels = shape.map(\.level)
    var bson: [UInt8] = []
    var offsets: [Int] = []
    var values: [Double] = []
    var w = BSONWriter(capacity: 128)
    for t in 0 ..< steps {
        for k in 0 ..< keys {
            levels[k] += 0.05 * random.gaussian()
            let y = levels[k] + shape[k].amplitude * sin(2 * Double.pi * Double(t) / Double(season)) + shape[k].noise * random.gaussian()
            w.reset()
            w.append("sensor", string: "sensor-\(k)")
            w.append("time", datetime: Int64(t) * hour)
            w.append("temperature", double: y)
            offsets.append(bson.count)
            bson.append(contentsOf: w.finish())
            values.append(y)
        }
    }
    offsets.append(bson.count)
    return (bson, offsets, values)
}

func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = Int(text.split(separator: " ")[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

let (bson, offsets, values) = makeRecords()
let count = offsets.count - 1
if let exportPath {
    var csv = "key,step,value\n"
    for i in 0 ..< count { csv += "sensor-\(i % keys),\(i / keys),\(values[i])\n" }
    try csv.write(toFile: exportPath, atomically: true, encoding: .utf8)
}

/// Calls `body` with each record as a document view.
@inline(__always)
func forEachRecord(_ body: (BSONDocument) -> Void) {
    bson.withUnsafeBytes { all in
        for i in 0 ..< count {
            body(BSONDocument(UnsafeRawBufferPointer(rebasing: all[offsets[i] ..< offsets[i + 1]])))
        }
    }
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

// Baseline: read the key, the time and the value of every record, nothing else.
var checksum = 0.0
let readOnly = seconds {
    forEachRecord { doc in
        let key = doc["sensor"]!.string!
        checksum += doc["temperature"]!.number! + Double(doc["time"]!.datetime! & 1) + Double(key.utf8.count)
    }
}

struct Result {
    let name: String
    let seconds: Double
    let mae: Double
    let bytesPerKey: Double
}

func run(_ name: String, _ models: [ModelKind]) -> Result {
    let settings = SeriesSettings(intervalMillis: hour, season: season, models: models, maxGap: 72)
    var forecasts = KeyedForecasts(settings: settings, fields: ["temperature"], rules: [])
    var absError = 0.0
    var scored = 0
    let before = residentBytes()
    let time = seconds {
        forEachRecord { doc in
            let key = doc["sensor"]!.string!
            let t = doc["time"]!.datetime!
            let y = doc["temperature"]!.number!
            let slot = forecasts.slot(for: key)
            // The one-step forecast made before this reading is what the reading is scored on.
            if t / hour >= scoredFrom, let f = forecasts.series(slot, 0).forecast(1) {
                absError += abs(y - f.value)
                scored += 1
            }
            forecasts.observe(slot, 0, time: t, value: y)
        }
    }
    let bytes = Double(residentBytes() - before) / Double(keys)
    return Result(name: name, seconds: time, mae: absError / Double(max(scored, 1)), bytesPerKey: bytes)
}

let results = [run("holt-winters", [.holtWinters]), run("auto", ModelKind.allCases)]
print("records: \(count) (\(keys) keys x \(steps) hourly steps, season \(season)); MAE over steps >= \(scoredFrom)")
print(String(format: "%-28@ %12@ %14@ %10@ %12@", "loop" as NSString, "seconds" as NSString, "records/s" as NSString,
             "MAE" as NSString, "RSS/key" as NSString))
print(String(format: "%-28@ %12.3f %14.0f %10@ %12@", "read fields only" as NSString, readOnly, Double(count) / readOnly,
             "-" as NSString, "-" as NSString))
for r in results {
    print(String(format: "%-28@ %12.3f %14.0f %10.4f %10.0f B", "\(r.name): learn + forecast" as NSString, r.seconds,
                 Double(count) / r.seconds, r.mae, r.bytesPerKey))
}
if checksum == 0 { print("") }
