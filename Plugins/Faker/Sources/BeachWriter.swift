import SluiceSDK

/// The beach_sensor profile's record, written as BSON straight into a byte
/// buffer: keys and element headers are constants, numbers are written from
/// their digits, and the date part of the time ("2024-06-01T") is kept while
/// the day stays the same. Built through `BSONWriter` and `[UInt8]` appends,
/// each field paid the array's uniqueness and capacity checks several times,
/// a third of what a record cost to make.
///
/// Writes the same bytes, from the same random draws, as the record
/// `Profile.beachSensor` describes (FakerTests compares them).
struct BeachWriter {
    /// The beaches' names then their codes (the name as the raw line writes it), as UTF-8.
    private let text: [UInt8]
    private let beaches: [(name: Int, nameCount: Int, code: Int, codeCount: Int, temperature: Double)]
    /// The day whose "YYYY-MM-DDT" `datePrefix` holds (its first 11 bytes).
    private var day: Int64 = .min
    private var datePrefix: (UInt64, UInt64) = (0, 0)
    /// Text made by the SDK for the rare cases written without the fast path.
    private var scratch: [UInt8] = []

    /// The most a record takes beyond its beach's name and code: the raw
    /// line's numbers and time and the elements' fixed parts, with room to spare.
    static let fixedBound = 512
    /// Bytes the buffer passed to `write` must have.
    let capacity: Int

    /// Times written by the fast path: years 0000 … 9999 (up to 10000-01-01T00:00:00Z).
    private static let fastTimes: Range<Int64> = 0 ..< 253_402_300_800_000

    init() {
        var text: [UInt8] = []
        var beaches: [(Int, Int, Int, Int, Double)] = []
        for b in Vocabulary.beaches {
            let name = text.count
            text += Array(b.name.utf8)
            let code = text.count
            text += Array(b.code.utf8)
            beaches.append((name, code - name, code, text.count - code, b.temperature))
        }
        self.text = text
        self.beaches = beaches
        capacity = Self.fixedBound + 2 * text.count
    }

    /// Where the record's `Beach` name is (for the record key); `count` 0 when the record has none.
    struct Written {
        var count: Int
        var name: Int
        var nameCount: Int
    }

    /// Writes the whole document for record `index` at event time `time` at
    /// `p` (`capacity` bytes), drawing from `r` as `Profile.beachSensor` does.
    mutating func write(at p: UnsafeMutablePointer<UInt8>, _ r: inout SeededRandom, index: Int64, time: Int64,
                        malformed: Bool) -> Written {
        let beach = beaches[Int(index % Int64(beaches.count))]
        let temperature = Hundredths(beach.temperature + 3 * r.gaussian())
        var turbidity = Hundredths(max(0.05, 1.5 + 1.2 * r.gaussian()))
        if r.unit() < 0.02 { turbidity = Hundredths(100 + r.unit() * 900) }
        let battery = Hundredths(9 + r.unit() * 3.5)
        let id = 758_000 + index
        let defect = malformed ? r.int(0 ... 3) : -1
        let micros = r.int(0 ... 999_999)
        var n = 4
        var written = Written(count: 0, name: 0, nameCount: 0)
        // A local copy: the closure below calls this writer's mutating methods.
        let text = self.text
        text.withUnsafeBufferPointer { t in
            if defect != 2 {
                n += Self.key(0x02, "Beach", at: p + n)
                Self.int32(Int32(beach.nameCount + 1), at: p + n)
                written.name = n + 4
                written.nameCount = beach.nameCount
                n += 4 + Self.bytes(t.baseAddress! + beach.name, beach.nameCount, at: p + n + 4)
                p[n] = 0
                n += 1
            }
            n += Self.key(0x12, "MeasurementID", at: p + n)
            Self.int64(id, at: p + n)
            n += 8
            n += Self.key(0x01, "BatteryLife", at: p + n)
            Self.int64(Int64(bitPattern: battery.value.bitPattern), at: p + n)
            n += 8
            n += Self.key(0x02, "RawData", at: p + n)
            // The raw line: "2020-02-17T11:12:58.765969 26.04 540.1 13.12 Montrose_Beach 758028".
            let lengthAt = n
            let start = n + 4
            var q = start
            q += dateTime(time, at: p + q)
            p[q] = UInt8(ascii: ".")
            q += 1 + DecimalDigits.write(UInt64(micros), minimumWidth: 6, into: p + q + 1)
            p[q] = UInt8(ascii: " ")
            q += 1
            if defect == 0 {
                q += Self.bytes(("n/a" as StaticString).utf8Start, 3, at: p + q)
            } else {
                q += double(temperature, at: p + q)
            }
            p[q] = UInt8(ascii: " ")
            q += 1
            q += defect == 3 ? double(-99999.992, at: p + q) : double(turbidity, at: p + q)
            p[q] = UInt8(ascii: " ")
            q += 1
            q += double(battery, at: p + q)
            p[q] = UInt8(ascii: " ")
            q += 1
            q += Self.bytes(t.baseAddress! + beach.code, beach.codeCount, at: p + q)
            p[q] = UInt8(ascii: " ")
            q += 1
            q += DecimalDigits.write(UInt64(id), into: p + q)
            if defect == 1 { q -= (q - start) / 2 }
            p[q] = 0
            Self.int32(Int32(q + 1 - start), at: p + lengthAt)
            n = q + 1
            if defect == 0 {
                n += Self.key(0x02, "WaterTemperature", at: p + n)
                Self.int32(4, at: p + n)
                n += 4 + Self.bytes(("n/a" as StaticString).utf8Start, 3, at: p + n + 4)
                p[n] = 0
                n += 1
            } else {
                n += Self.key(0x01, "WaterTemperature", at: p + n)
                Self.int64(Int64(bitPattern: temperature.value.bitPattern), at: p + n)
                n += 8
            }
            n += Self.key(0x01, "Turbidity", at: p + n)
            Self.int64(Int64(bitPattern: (defect == 3 ? -99999.992 : turbidity.value).bitPattern), at: p + n)
            n += 8
            n += Self.key(0x09, "TimeStamp", at: p + n)
            Self.int64(time, at: p + n)
            n += 8
            p[n] = 0
            n += 1
            Self.int32(Int32(n), at: p)
        }
        written.count = n
        if defect == 2 { written.nameCount = 0 }
        return written
    }

    /// "YYYY-MM-DDTHH:MM:SS" of `ms`, as `ISO8601.appendDateTime` writes it.
    @inline(__always)
    private mutating func dateTime(_ ms: Int64, at p: UnsafeMutablePointer<UInt8>) -> Int {
        guard Self.fastTimes.contains(ms) else { return slowDateTime(ms, at: p) }
        let days = ms / 86_400_000
        if days != day { newDay(days) }
        UnsafeMutableRawPointer(p).storeBytes(of: datePrefix.0, as: UInt64.self)
        UnsafeMutableRawPointer(p + 8).storeBytes(of: datePrefix.1, as: UInt64.self)
        let second = Int((ms - days * 86_400_000) / 1000)
        DecimalDigits.pair(second / 3600, at: p + 11)
        p[13] = UInt8(ascii: ":")
        DecimalDigits.pair(second / 60 % 60, at: p + 14)
        p[16] = UInt8(ascii: ":")
        DecimalDigits.pair(second % 60, at: p + 17)
        return 19
    }

    private mutating func newDay(_ days: Int64) {
        scratch.removeAll(keepingCapacity: true)
        ISO8601.appendDateTime(milliseconds: days * 86_400_000, to: &scratch)
        scratch += [UInt8](repeating: 0, count: 5)
        scratch.withUnsafeBytes { s in
            datePrefix = (s.loadUnaligned(fromByteOffset: 0, as: UInt64.self), s.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        day = days
    }

    private mutating func slowDateTime(_ ms: Int64, at p: UnsafeMutablePointer<UInt8>) -> Int {
        scratch.removeAll(keepingCapacity: true)
        ISO8601.appendDateTime(milliseconds: ms, to: &scratch)
        return scratch.withUnsafeBufferPointer { Self.bytes($0.baseAddress!, $0.count, at: p) }
    }

    @inline(__always)
    private mutating func double(_ h: Hundredths, at p: UnsafeMutablePointer<UInt8>) -> Int {
        h.small ? h.write(at: p) : double(h.value, at: p)
    }

    /// Any double's text through the SDK: the sentinel, or a reading too large for `Hundredths` to write.
    private mutating func double(_ d: Double, at p: UnsafeMutablePointer<UInt8>) -> Int {
        scratch.removeAll(keepingCapacity: true)
        DoubleText.append(d, to: &scratch)
        return scratch.withUnsafeBufferPointer { Self.bytes($0.baseAddress!, $0.count, at: p) }
    }

    /// An element's type byte, key and NUL.
    @inline(__always)
    private static func key(_ type: UInt8, _ name: StaticString, at p: UnsafeMutablePointer<UInt8>) -> Int {
        p[0] = type
        let count = name.utf8CodeUnitCount
        bytes(name.utf8Start, count, at: p + 1)
        p[1 + count] = 0
        return count + 2
    }

    @discardableResult
    @inline(__always)
    private static func bytes(_ from: UnsafePointer<UInt8>, _ count: Int, at p: UnsafeMutablePointer<UInt8>) -> Int {
        UnsafeMutableRawPointer(p).copyMemory(from: from, byteCount: count)
        return count
    }

    @inline(__always)
    private static func int32(_ v: Int32, at p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v.littleEndian, as: Int32.self)
    }

    @inline(__always)
    private static func int64(_ v: Int64, at p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v.littleEndian, as: Int64.self)
    }
}
