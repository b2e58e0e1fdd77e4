/// A row the join stored, as handed back in its results.
public struct JoinRow<Row, Handle> {
    public let row: Row
    public let time: Int64
    /// The input (port) it came from.
    public let input: Int
    /// Keeps the row's delivery open until released.
    public let hold: Handle
}

/// What the join asks its caller to do, in order.
public enum JoinEvent<Row, Handle> {
    /// Two rows match: emit them together, listing both holds.
    case pair(left: JoinRow<Row, Handle>, right: JoinRow<Row, Handle>)
    /// A row of a side the join type preserves can no longer match anything
    /// and never did: emit it with null for the other side, listing its hold.
    case unmatched(Side, JoinRow<Row, Handle>)
    /// The row left state: release its hold. Comes after every event that listed it.
    case release(Handle)
}

extension JoinRow: Sendable where Row: Sendable, Handle: Sendable {}
extension JoinEvent: Sendable where Row: Sendable, Handle: Sendable {}
