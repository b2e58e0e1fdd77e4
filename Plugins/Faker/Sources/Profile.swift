import SluiceSDK

/// Ready-made record shapes whose fields depend on each other (a sensor's
/// raw line repeats its typed fields; a payment points at an earlier order).
public enum Profile: String, Sendable, CaseIterable {
    case beachSensor = "beach_sensor"
    case orders
    case payments
    case people

    /// The default record key: the join key for orders and payments.
    var keyField: String? {
        switch self {
        case .beachSensor: return "Beach"
        case .orders, .payments: return "order_id"
        case .people: return "id"
        }
    }

    /// Order ids are shared by the orders and payments profiles (see `Shop`).
    static func orderID(_ n: Int64) -> String { "O-\(zeroPadded(5, n % 100_000))\(n >= 100_000 ? "-\(n / 100_000)" : "")" }

    /// Writes the profile's fields for record `index` (for orders: the order
    /// number) at event time `time`, which its time field (TimeStamp,
    /// created_at; paid_at in `Shop.Payment`) holds as a datetime.
    /// `malformed` asks for one realistic defect. `scratch` is reused for
    /// text built from parts (its contents are replaced).
    func append(_ w: inout BSONWriter, _ r: inout SeededRandom, index: Int64, time: Int64, malformed: Bool, scratch: inout [UInt8]) {
        switch self {
        case .beachSensor: beach(&w, &r, index: index, time: time, malformed: malformed, raw: &scratch)
        case .orders:
            w.append("order_id", string: Self.orderID(index))
            w.append("customer", string: Fake.fullName(&r))
            w.append("email", string: Fake.email(&r))
            if malformed { w.append("amount", string: "N/A") } else { w.append("amount", double: Fake.round(5 + r.unit() * 495, 2)) }
            w.append("currency", string: r.pick(Vocabulary.currencies))
            w.append("items", int32: Int32(r.int(1 ... 8)))
            w.append("status", string: r.pick(Vocabulary.orderStatuses))
            w.append("created_at", datetime: time)
        case .payments:
            preconditionFailure("payments are written by Shop.Payment.append: they come from a ShopStream")
        case .people:
            w.append("id", string: Fake.uuid(&r))
            w.append("first_name", string: r.pick(Vocabulary.firstNames))
            w.append("last_name", string: r.pick(Vocabulary.lastNames))
            if malformed { w.append("email", string: "not-an-email") } else { w.append("email", string: Fake.email(&r)) }
            w.append("phone", string: Fake.phone(&r))
            w.appendDocument("address") { a in
                a.append("street", string: Fake.streetAddress(&r))
                a.append("city", string: r.pick(Vocabulary.cities))
                a.append("postcode", string: zeroPadded(5, r.int(501 ... 99950)))
                a.append("country", string: r.pick(Vocabulary.countries))
            }
            w.append("company", string: "\(r.pick(Vocabulary.companyStems)) \(r.pick(Vocabulary.companySuffixes))")
            w.append("job", string: r.pick(Vocabulary.jobs))
        }
    }

    /// A Chicago beach sensor reading in the seed's shape, with RawData the
    /// text line "2020-02-17T11:12:58.765969 26.04 540.1 13.12 Montrose_Beach 758028".
    private func beach(_ w: inout BSONWriter, _ r: inout SeededRandom, index: Int64, time: Int64, malformed: Bool, raw: inout [UInt8]) {
        let beach = Vocabulary.beaches[Int(index % Int64(Vocabulary.beaches.count))]
        let temperature = Fake.round(beach.temperature + 3 * r.gaussian(), 2)
        var turbidity = Fake.round(max(0.05, 1.5 + 1.2 * r.gaussian()), 2)
        if r.unit() < 0.02 { turbidity = Fake.round(100 + r.unit() * 900, 2) }
        let battery = Fake.round(9 + r.unit() * 3.5, 2)
        let id = 758_000 + index
        let defect = malformed ? r.int(0 ... 3) : -1
        // The real feed's sentinel for a failed reading, in the raw line and the typed field alike.
        if defect == 3 { turbidity = -99999.992 }
        // Built in place, part by part: the parts as Strings in an array cost several allocations per record.
        raw.removeAll(keepingCapacity: true)
        ISO8601.appendDateTime(milliseconds: time, to: &raw)
        raw.append(UInt8(ascii: "."))
        raw.appendDecimal(r.int(0 ... 999_999), width: 6)
        raw.append(UInt8(ascii: " "))
        if defect == 0 { raw.appendText("n/a") } else { DoubleText.append(temperature, to: &raw) }
        raw.append(UInt8(ascii: " "))
        DoubleText.append(turbidity, to: &raw)
        raw.append(UInt8(ascii: " "))
        DoubleText.append(battery, to: &raw)
        raw.append(UInt8(ascii: " "))
        raw.appendText(beach.code)
        raw.append(UInt8(ascii: " "))
        raw.appendDecimal(id, width: 1)
        if defect == 1 { raw.removeLast(raw.count / 2) }
        if defect != 2 { w.append("Beach", string: beach.name) }
        w.append("MeasurementID", int64: id)
        w.append("BatteryLife", double: battery)
        raw.withUnsafeBytes { w.append("RawData", stringBytes: $0) }
        if defect == 0 { w.append("WaterTemperature", string: "n/a") } else { w.append("WaterTemperature", double: temperature) }
        w.append("Turbidity", double: turbidity)
        w.append("TimeStamp", datetime: time)
    }
}


extension [UInt8] {
    mutating func appendText(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }

    /// `v` (not negative) in decimal, left-padded with zeros to `width` digits, as `zeroPadded` writes it.
    mutating func appendDecimal(_ v: Int64, width: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var i = buffer.count
            var rest = v.magnitude
            repeat {
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: 48 &+ rest % 10)
                rest /= 10
            } while i > 0 && (rest > 0 || buffer.count - i < width)
            append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i...]))
        }
    }
}
