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
    /// `malformed` asks for one realistic defect.
    func append(_ w: inout BSONWriter, _ r: inout SeededRandom, index: Int64, time: Int64, malformed: Bool) {
        switch self {
        case .beachSensor:
            preconditionFailure("beach readings are written by BeachWriter, straight into the record's bytes")
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
}
