/// The parameters of an interval join, in milliseconds of event time
/// (except `idleTimeout`, which is processing time).
public struct JoinSettings: Sendable, Equatable {
    /// A right row matches a left row when
    /// `left.time - lower <= right.time <= left.time + upper` (both ends inclusive).
    public var lower: Int64
    public var upper: Int64
    public var type: JoinType
    /// How far behind an input's newest event time its watermark stays.
    public var maxOutOfOrderness: Int64
    /// How far behind the watermark a row may still arrive and be joined.
    public var allowedLateness: Int64
    /// An input that delivered nothing for this long stops holding the
    /// watermark back; 0 never declares an input idle.
    public var idleTimeout: Int64
    /// Rows kept in state at most (both sides together). Past it the
    /// watermark is pushed forward far enough to evict the row that expires first.
    /// At most `maxRowsLimit`.
    public var maxRows: Int
    /// State numbers its rows with 32-bit integers (`IntervalJoin.Link`).
    public static let maxRowsLimit = Int(Int32.max)

    public init(lower: Int64, upper: Int64, type: JoinType = .inner, maxOutOfOrderness: Int64 = 0,
                allowedLateness: Int64 = 0, idleTimeout: Int64 = 0, maxRows: Int = maxRowsLimit)
    {
        self.lower = lower
        self.upper = upper
        self.type = type
        self.maxOutOfOrderness = maxOutOfOrderness
        self.allowedLateness = allowedLateness
        self.idleTimeout = idleTimeout
        self.maxRows = maxRows
    }

    /// Why these settings cannot run, or nil.
    public var problem: String? {
        if lower.addingReportingOverflow(upper).overflow || lower + upper < 0 {
            return "between: the interval [left.time - \(lower), left.time + \(upper)] is empty"
        }
        if maxOutOfOrderness < 0 { return "max_out_of_orderness_ms: must not be negative" }
        if allowedLateness < 0 { return "allowed_lateness_ms: must not be negative" }
        if idleTimeout < 0 { return "idle_timeout_ms: must not be negative" }
        if maxRows < 1 { return "max_rows: must be at least 1" }
        if maxRows > Self.maxRowsLimit { return "max_rows: must be at most \(Self.maxRowsLimit)" }
        return nil
    }

    /// Whether a left row at `left` and a right row at `right` fall in the interval.
    @inline(__always)
    public func matches(left: Int64, right: Int64) -> Bool {
        right >= left.saturatingSubtract(lower) && right <= left.saturatingAdd(upper)
    }

    /// The latest event time a future row of the other side could have and
    /// still match a row of `side` at `time`: past it, the row can be evicted.
    @inline(__always)
    func lastPartnerTime(_ side: Side, _ time: Int64) -> Int64 {
        side == .left ? time.saturatingAdd(upper) : time.saturatingAdd(lower)
    }
}

extension Int64 {
    @inline(__always)
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    @inline(__always)
    func saturatingSubtract(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : difference
    }
}
