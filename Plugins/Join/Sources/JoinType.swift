/// Which side of the join a row belongs to.
public enum Side: Int, Sendable, CaseIterable {
    case left = 0
    case right = 1

    public var other: Side { self == .left ? .right : .left }
}

/// SQL's join types: which sides keep their unmatched rows.
public enum JoinType: String, Sendable, CaseIterable {
    case inner, left, right, full

    /// Whether a row of `side` that never matched comes out alone (with null for the other side).
    public func preserves(_ side: Side) -> Bool {
        switch self {
        case .inner: return false
        case .left: return side == .left
        case .right: return side == .right
        case .full: return true
        }
    }
}
