/// Pins to end together, grouped by their batch, so each batch ends them
/// under one lock with at most one ack: those released inside a
/// `HoldTable.deferUnpins` scope, and those of a pin group (`Ticket.unpin`).
/// A join's evictions and pairs alternate between the two sides' batches,
/// so runs of one batch are short: grouping, not runs, keeps the acks per batch.
struct DeferredUnpins {
    private var batches: [Ticket] = []
    /// Per entry of `batches`, the positions released.
    private var positions: [[Int]] = []
    /// The group the last pin went to: the next one is most likely there too.
    private var last = 0
    /// Each batch's entry in `batches`: a drain ends pins of thousands of batches at once.
    private var index: [ObjectIdentifier: Int] = [:]

    var isEmpty: Bool { batches.isEmpty }

    mutating func add(_ pin: Ticket.Pin) {
        if last >= batches.count || batches[last] !== pin.batch {
            if let known = index[ObjectIdentifier(pin.batch)] {
                last = known
            } else {
                last = batches.count
                index[ObjectIdentifier(pin.batch)] = last
                batches.append(pin.batch)
                positions.append([])
            }
        }
        positions[last].append(pin.position)
    }

    /// The pins so far, leaving none.
    mutating func take() -> DeferredUnpins {
        defer { self = DeferredUnpins() }
        return self
    }

    /// Ends every pin, batch by batch.
    func unpin() {
        for (batch, list) in zip(batches, positions) { batch.unpin(positions: list) }
    }
}
