import SluiceSDK

/// The world the `orders` and `payments` profiles share: order `n` is
/// created at `start + n * interval`, and whether and when it is paid is
/// drawn from a generator seeded by (seed, n) alone. Two generators with the
/// same seed, interval and shop therefore agree on every order and payment,
/// whether they run as two sources of one manifest or in two manifests.
///
/// `duplicate_ratio` and `disorder_ms` shape only the stream of the source
/// they are set on (its own generator draws them).
public struct Shop: Sendable, Equatable {
    public static let schema = #"""
    {"type": "object", "additionalProperties": false,
     "description": "orders and payments profiles: the shop both streams come from; give both sources the same seed, interval_ms and shop",
     "properties": {
       "payment_delay": {"type": "object", "additionalProperties": false,
         "description": "how long after its order a payment comes, in ms of event time; a key left out takes the default's value",
         "default": {"distribution": "uniform", "min_ms": 0, "max_ms": 60000, "mean_ms": 20000, "stddev_ms": 10000},
         "properties": {
           "distribution": {"enum": ["fixed", "uniform", "exponential", "normal"],
                            "description": "fixed: mean_ms; uniform: min_ms..max_ms; exponential: min_ms + exp(mean_ms - min_ms), cut at max_ms; normal: mean_ms ± stddev_ms, clamped to min_ms..max_ms"},
           "mean_ms": {"type": "integer", "minimum": 0, "description": "fixed: the delay; exponential: the mean, between min_ms and max_ms; normal: the centre (20000)"},
           "stddev_ms": {"type": "integer", "minimum": 0, "description": "normal: the standard deviation (10000)"},
           "min_ms": {"type": "integer", "minimum": 0, "description": "shortest delay, for uniform, exponential and normal (0)"},
           "max_ms": {"type": "integer", "minimum": 0, "description": "longest delay, at least min_ms, for uniform, exponential and normal (60000)"}}},
       "missing_payment_ratio": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.1,
                                 "description": "share of orders never paid"},
       "orphan_payment_ratio": {"type": "number", "minimum": 0, "maximum": 1, "default": 0,
                                "description": "per order, the chance of one more payment whose order_id matches no order"},
       "clock_skew_ratio": {"type": "number", "minimum": 0, "maximum": 1, "default": 0,
                            "description": "share of payments stamped before their order (a payment service's clock running behind)"},
       "clock_skew_ms": {"type": "integer", "minimum": 1, "default": 5000,
                         "description": "how far before its order a skewed payment is stamped, at most"},
       "duplicate_ratio": {"type": "number", "minimum": 0, "maximum": 1, "default": 0,
                           "description": "share of this stream's records delivered twice (at-least-once upstream)"},
       "disorder_ms": {"type": "integer", "minimum": 0, "default": 0,
                       "description": "this stream's records arrive shuffled, each at most this much event time behind the newest before it"}
     }}
    """#

    public let delay: PaymentDelay
    public let missingRatio: Double
    public let orphanRatio: Double
    public let skewRatio: Double
    public let skewBy: Int64
    public let duplicateRatio: Double
    public let disorder: Int64

    public init(_ config: Config?) throws {
        let defaults = Self.defaults
        func ratio(_ key: String) throws -> Double { try config?.double(key) ?? defaults[key]!.number! }
        delay = try PaymentDelay(config?.object("payment_delay") ?? Config(JSONObject()), defaults: defaults["payment_delay"]!.object!)
        missingRatio = try ratio("missing_payment_ratio")
        orphanRatio = try ratio("orphan_payment_ratio")
        skewRatio = try ratio("clock_skew_ratio")
        skewBy = Int64(try config?.int("clock_skew_ms") ?? Int(defaults["clock_skew_ms"]!.integer!))
        duplicateRatio = try ratio("duplicate_ratio")
        disorder = Int64(try config?.int("disorder_ms") ?? Int(defaults["disorder_ms"]!.integer!))
        guard skewBy >= 1, disorder >= 0 else { throw SluiceError.config("shop: clock_skew_ms must be at least 1 and disorder_ms not negative") }
    }

    /// Every key's default, as the schema declares it.
    static let defaults: JSONObject = {
        var out = JSONObject()
        for m in (try! JSONParser.parse(schema))["properties"]!.object! {
            if let d = m.value["default"] { out[m.key] = d }
        }
        return out
    }()

    /// A payment of order `order`, or an orphan payment made alongside it.
    public struct Payment: Sendable, Hashable {
        public let order: Int64
        public let orphan: Bool
        public let time: Int64
        public let amount: Double
        public let method: String

        public var paymentID: String { (orphan ? "P-X-" : "P-") + Profile.orderID(order) }
        /// An orphan's order id is one no order has.
        public var orderID: String { (orphan ? "X-" : "") + Profile.orderID(order) }

        /// The payments profile's fields, stamped `time` (the payment's, or moved back by `late_ratio`);
        /// `malformed` leaves the amount null.
        func append(_ w: inout BSONWriter, time: Int64, malformed: Bool) {
            w.append("payment_id", string: paymentID)
            w.append("order_id", string: orderID)
            if malformed { w.appendNull("amount") } else { w.append("amount", double: amount) }
            w.append("method", string: method)
            w.append("paid_at", datetime: time)
        }
    }

    /// The payments made for order `order` created at `created`: none, its
    /// payment, and perhaps an orphan. Depends on (seed, order) only.
    public func payments(order: Int64, created: Int64, seed: UInt64) -> [Payment] {
        var r = SeededRandom(seed: seed ^ (UInt64(bitPattern: order) &* 0x9E37_79B9_7F4A_7C15) ^ 0x5D58_8B65_6C07_8965)
        var out: [Payment] = []
        let missing = r.unit() < missingRatio
        let skewed = r.unit() < skewRatio
        let time = skewed ? created - r.int(1 ... skewBy) : created + delay.draw(&r)
        let amount = Fake.round(5 + r.unit() * 495, 2), method = r.pick(Vocabulary.paymentMethods)
        if !missing { out.append(Payment(order: order, orphan: false, time: time, amount: amount, method: method)) }
        if r.unit() < orphanRatio {
            out.append(Payment(order: order, orphan: true, time: created + delay.draw(&r), amount: amount, method: method))
        }
        return out
    }

    /// How far before its order's creation a payment may be stamped.
    var earliestPayment: Int64 { skewRatio > 0 ? skewBy : 0 }
}
