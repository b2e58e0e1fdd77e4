/// The pins on one source batch's tokens (see `Ticket`), by position.
///
/// A token that occurs more than once in its batch is pinned at its first
/// position, so its occurrences are acked together once nothing pins it.
struct PinCounts {
    /// Per position of the batch's tokens, the pins on it; empty before the first pin.
    private(set) var counts: [Int32] = []
    /// Positions with a count above zero.
    private(set) var held = 0
    /// The batch's own count reached zero: pinned tokens are acked as their pins end.
    var batchDone = false
    /// Each token's first position, when the tokens do not strictly
    /// increase; otherwise a token's position is its hint or found by a
    /// binary search.
    private var firstPositions: [UInt64: Int]?

    /// Sets up the counts on the first pin: most batches are never pinned.
    mutating func start(_ tokens: [UInt64]) {
        counts = Array(repeating: 0, count: tokens.count)
        guard tokens.indices.dropFirst().contains(where: { tokens[$0] <= tokens[$0 - 1] }) else { return }
        var first: [UInt64: Int] = [:]
        first.reserveCapacity(tokens.count)
        for (position, token) in tokens.enumerated() where first[token] == nil { first[token] = position }
        firstPositions = first
    }

    /// The position `token` is pinned at, or nil if it is not one of `tokens`.
    func position(of token: UInt64, hint: Int, in tokens: [UInt64]) -> Int? {
        if let firstPositions { return firstPositions[token] }
        if hint >= 0, hint < tokens.count, tokens[hint] == token { return hint }
        var low = 0
        var high = tokens.count
        while low < high {
            let middle = (low + high) / 2
            if tokens[middle] < token { low = middle + 1 } else { high = middle }
        }
        return low < tokens.count && tokens[low] == token ? low : nil
    }

    /// The position the token at `position` is pinned at.
    func first(of position: Int, in tokens: [UInt64]) -> Int {
        firstPositions?[tokens[position]] ?? position
    }

    mutating func add(_ position: Int) {
        if counts[position] == 0 { held += 1 }
        counts[position] += 1
    }

    /// Ends one pin; true if it was the position's last.
    mutating func remove(_ position: Int) -> Bool {
        precondition(counts[position] > 0, "unpin of a position not pinned")
        counts[position] -= 1
        guard counts[position] == 0 else { return false }
        held -= 1
        return true
    }
}
