#if canImport(Glibc)
import Glibc
#endif
import SluiceSDK

/// `faker.generate`: deterministic fake records from a seed.
///
/// The same seed and config give byte-identical records, whatever the rate
/// or batch sizes. Event times advance by `interval_ms` from `start_time`
/// (not the wall clock), so runs are reproducible; `late_ratio` moves some
/// records' event time back by up to `late_by_ms` to exercise watermarks.
/// The `orders` and `payments` profiles are the two streams of one `Shop`:
/// order `n` at `start_time + n * interval_ms`, its payment drawn from
/// (seed, n), so sources with the same seed and shop are joinable.
public final class FakerSource: Source {
    public static let name = "generate"
    public static let summary = "Seeded fake records from a profile and/or field providers, with rate control, late and malformed records"
    public static let configSchema = #"""
    {"type": "object", "additionalProperties": false,
     "properties": {
       "seed": {"type": "integer", "description": "seeds every random draw: the same seed and config give the same records (default 0)"},
       "count": {"type": "integer", "minimum": 0, "description": "records to generate; omit for an endless stream"},
       "rate": {"type": "number", "exclusiveMinimum": 0, "description": "records per second; omit for as fast as possible"},
       "profile": {"enum": ["beach_sensor", "orders", "payments", "people"], "description": "a ready-made record shape: beach_sensor (beach water readings), orders and payments (one shop's two streams, see shop), people (id, names, email, phone, address, company, job); fields adds to it. Give profile, fields or both"},
       "fields": {"type": "object", "additionalProperties": {"type": "object", "required": ["provider"]}, "description": "field name → {provider: NAME, options}, written after the profile's fields: first_name, last_name, full_name, email, phone, street_address, city, country, postcode, company, job, uuid, ipv4, user_agent, latitude, longitude, date_time {start, end}, integer {min, max}, float {min, max, decimals}, choice {values, weights}, words {count}, sentence {words}, boolean {probability}, sequence {start}, constant {value}"},
       "start_time": {"type": "string", "format": "date-time", "description": "event time of the first record; record n's is start_time + n × interval_ms (default 2024-06-01T00:00:00Z)"},
       "interval_ms": {"type": "integer", "minimum": 0, "description": "event time between consecutive records, in ms of event time, not of wall time (1000; above 0 for orders and payments)"},
       "late_ratio": {"type": "number", "minimum": 0, "maximum": 1, "description": "share of records whose event time is moved back by 1 to late_by_ms (default 0)"},
       "late_by_ms": {"type": "integer", "minimum": 0, "description": "with late_ratio: how far back a late record may be moved, at most (60000)"},
       "malformed_ratio": {"type": "number", "minimum": 0, "maximum": 1, "description": "share of records given one realistic defect for a validator to catch: a beach reading's n/a temperature, cut RawData, missing Beach or -99999.992 turbidity, an order's amount N/A, a payment's amount null, a person's email not-an-email; with fields alone, an extra field FIELD_malformed: ??? (default 0)"},
       "key_field": {"type": "string", "description": "field, a string or an integer, that is each record's key; default: the profile's (beach_sensor Beach, orders and payments order_id, people id), none with fields alone"},
       "shop": \#(Shop.schema)
     }}
    """#

    let profile: Profile?
    let fields: [(String, Provider)]
    let count: Int64?
    let rate: Double?
    let startTime: Int64
    let interval: Int64
    let lateRatio: Double
    let lateBy: Int64
    let malformedRatio: Double
    /// The record key's field (`key_field`, or the profile's) as UTF-8, looked up in every record without a `String`.
    let keyBytes: [UInt8]?
    /// The key is the beach_sensor profile's `Beach`, whose place `BeachWriter` reports.
    let isBeachKey: Bool
    var random: SeededRandom
    /// The orders or payments stream, for those profiles.
    var shop: ShopStream?
    var generated: Int64 = 0
    var startedNanos: UInt64?
    let host: PluginHost
    var writer = BSONWriter(capacity: 512)
    /// The beach_sensor profile's records, written into `record`.
    var beach = BeachWriter()
    /// A beach reading's bytes (and any `fields:` after them); its count only grows.
    var record: [UInt8] = []

    /// Building a generator has no side effect: it checks the profile and every provider.
    public static func check(config: Config, host: PluginHost) throws {
        _ = try FakerSource(config: config, host: host)
    }

    public required init(config: Config, host: PluginHost) throws {
        self.host = host
        profile = try config.string("profile").map { name in
            guard let p = Profile(rawValue: name) else { throw SluiceError.config("profile: unknown \(name.debugDescription)") }
            return p
        }
        fields = try (config.object("fields")?.json.members ?? []).map { m in
            guard let spec = m.value.object else { throw SluiceError.config("fields.\(m.key): expected {provider: ...}") }
            return (m.key, try Provider(spec, field: m.key))
        }
        guard profile != nil || !fields.isEmpty else { throw SluiceError.config("profile: set profile: (beach_sensor, orders, payments, people) or fields:") }
        count = try config.int("count").map(Int64.init)
        rate = try config.double("rate")
        startTime = try config.string("start_time").map { s in
            guard let ms = ISO8601.parse(s) else { throw SluiceError.config("start_time: not an ISO 8601 date-time") }
            return ms
        } ?? 1_717_200_000_000
        interval = Int64(try config.int("interval_ms", default: 1000))
        lateRatio = try config.double("late_ratio", default: 0)
        lateBy = Int64(try config.int("late_by_ms", default: 60000))
        malformedRatio = try config.double("malformed_ratio", default: 0)
        keyBytes = try (config.string("key_field") ?? profile?.keyField).map { Array($0.utf8) }
        isBeachKey = profile == .beachSensor && keyBytes == Array("Beach".utf8)
        let seed = UInt64(bitPattern: Int64(try config.int("seed", default: 0)))
        random = SeededRandom(seed: seed)
        let shopConfig = try config.object("shop")
        switch profile {
        case .orders?, .payments?:
            guard interval > 0 else { throw SluiceError.config("interval_ms: the orders and payments profiles need it above 0") }
            shop = ShopStream(profile == .orders ? .orders : .payments, shop: try Shop(shopConfig), seed: seed,
                              start: startTime, interval: interval)
        default:
            if shopConfig != nil { throw SluiceError.config("shop: only for the orders and payments profiles") }
        }
    }

    public func poll(_ output: Output, maxRecords: Int, timeoutMillis: Int) throws -> PollResult {
        var allowed = maxRecords
        if let count { allowed = Int(min(Int64(allowed), count - generated)) }
        if let rate { allowed = min(allowed, waitForBudget(rate: rate, wanted: allowed, timeoutMillis: timeoutMillis)) }
        // One access to the stored buffers per poll: each access to a class's stored `var` is a dynamic exclusivity check.
        emit(max(0, allowed), output, &writer, &beach, &record, &random)
        if let count, generated >= count { return .end }
        return .more
    }

    /// Records due by now at `rate`, waiting (up to the timeout) for at least one.
    private func waitForBudget(rate: Double, wanted: Int, timeoutMillis: Int) -> Int {
        let now = host.monotonicNanos
        if startedNanos == nil { startedNanos = now }
        let deadline = now + UInt64(timeoutMillis) * 1_000_000
        while true {
            let elapsed = Double(host.monotonicNanos - startedNanos!) / 1e9
            let due = Int64(elapsed * rate) + 1 - generated
            if due > 0 { return Int(min(Int64(wanted), due)) }
            let nextAt = startedNanos! + UInt64(Double(generated) / rate * 1e9)
            let current = host.monotonicNanos
            if current >= deadline || host.isStopping { return 0 }
            let sleepNanos = min(nextAt > current ? nextAt - current : 0, deadline - current)
            usleep(UInt32(max(50, sleepNanos / 1000)))
        }
    }

    private func emit(_ count: Int, _ output: Output, _ writer: inout BSONWriter, _ beach: inout BeachWriter,
                      _ record: inout [UInt8], _ random: inout SeededRandom) {
        if profile == .beachSensor {
            if record.count < beach.capacity { record = [UInt8](repeating: 0, count: beach.capacity) }
            for _ in 0 ..< count { emitBeach(output, &writer, &beach, &record, &random) }
        } else {
            for _ in 0 ..< count { emitOne(output, &writer, &random) }
        }
    }

    /// Event time of record `index` (its order's, for the shop profiles), moved back if it is to be late.
    @inline(__always)
    private func eventTime(_ index: Int64, _ made: ShopStream.Record?, _ random: inout SeededRandom) -> Int64 {
        var time = made?.time ?? startTime + index * interval
        if lateRatio > 0, random.unit() < lateRatio { time -= random.int(1 ... max(1, lateBy)) }
        return time
    }

    private func emitBeach(_ output: Output, _ writer: inout BSONWriter, _ beach: inout BeachWriter, _ record: inout [UInt8],
                           _ random: inout SeededRandom) {
        let index = generated
        generated += 1
        let time = eventTime(index, nil, &random)
        let malformed = malformedRatio > 0 && random.unit() < malformedRatio
        var written = record.withUnsafeMutableBufferPointer { b in
            beach.write(at: b.baseAddress!, &random, index: index, time: time, malformed: malformed)
        }
        if !fields.isEmpty {
            // The fields' elements go in place of the beach document's final NUL.
            writer.reset()
            for (name, provider) in fields { provider.append(&writer, name, &random, index: index) }
            let extra = writer.finish()
            let total = written.count + extra.count - 5
            if record.count < total { record += [UInt8](repeating: 0, count: total - record.count) }
            record.withUnsafeMutableBytes { r in
                extra.withUnsafeBytes { e in
                    (r.baseAddress! + written.count - 1).copyMemory(from: e.baseAddress! + 4, byteCount: e.count - 4)
                }
                r.storeBytes(of: Int32(total).littleEndian, as: Int32.self)
            }
            written.count = total
        }
        record.withUnsafeBytes { r in
            let d = UnsafeRawBufferPointer(rebasing: r[0 ..< written.count])
            if written.nameCount > 0, isBeachKey {
                output.emit(d, eventTime: time, key: UnsafeRawBufferPointer(rebasing: r[written.name ..< written.name + written.nameCount]),
                            token: UInt64(index))
            } else {
                emit(d, time: time, index: index, output)
            }
        }
    }

    private func emitOne(_ output: Output, _ writer: inout BSONWriter, _ random: inout SeededRandom) {
        let index = generated
        generated += 1
        let made = shop?.next()
        let time = eventTime(index, made, &random)
        let malformed = malformedRatio > 0 && random.unit() < malformedRatio
        writer.reset()
        switch made?.item {
        case let .order(n)?: profile?.append(&writer, &random, index: n, time: time, malformed: malformed)
        case let .payment(p)?: p.append(&writer, time: time, malformed: malformed)
        case nil: profile?.append(&writer, &random, index: index, time: time, malformed: malformed)
        }
        for (name, provider) in fields { provider.append(&writer, name, &random, index: index) }
        if malformed, profile == nil, let victim = fields.first {
            writer.append(victim.0 + "_malformed", string: "???")
        }
        writer.finish().withUnsafeBytes { emit($0, time: time, index: index, output) }
    }

    /// Emits document `d` keyed by its `keyBytes` field, if it has one.
    private func emit(_ d: UnsafeRawBufferPointer, time: Int64, index: Int64, _ output: Output) {
        let view = BSONDocument(d)
        // Every profile writes its time field as a datetime of `time`, ahead of any `fields:`: no need to read it back.
        if let keyBytes, let k = keyBytes.withUnsafeBytes({ view.element(keyBytes: $0) }) {
            if let s = k.stringBytes {
                output.emit(d, eventTime: time, key: s, token: UInt64(index))
                return
            }
            if let i = k.integer {
                let text = Array(String(i).utf8)
                text.withUnsafeBytes { _ = output.emit(d, eventTime: time, key: $0, token: UInt64(index)) }
                return
            }
        }
        output.emit(d, eventTime: time, token: UInt64(index))
    }
}
