/// One rule's state for one series: open or not, and how many readings in a
/// row have pointed the other way.
public struct AlertState: Sendable, Equatable {
    public private(set) var isOpen = false
    var streak = 0

    /// Closed, with no streak.
    public init() {}

    /// What an alert record reports: `opened` or `cleared`.
    public enum Transition: String, Sendable {
        case opened, cleared
    }

    /// Counts one reading for which the rule's condition `holds` or not;
    /// returns the transition once `readings` in a row agree.
    public mutating func update(holds: Bool, readings: Int) -> Transition? {
        guard holds != isOpen else {
            streak = 0
            return nil
        }
        streak += 1
        guard streak >= readings else { return nil }
        streak = 0
        isOpen = holds
        return holds ? .opened : .cleared
    }

    func encode(_ w: inout SnapshotWriter) {
        w.write(isOpen)
        w.write(streak)
    }

    init(decoding r: inout SnapshotReader) throws {
        isOpen = try r.readBool()
        streak = try r.readInt()
    }
}
