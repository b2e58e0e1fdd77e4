/// `--max-records`, shared by every source of a run.
///
/// A source takes up to a batch of it before polling and settles after:
/// what it did not read goes back. While another source holds part of the
/// budget, an empty budget is not yet exhausted: it may come back, and a
/// source that took "empty" for "done" would end with records still owed
/// (a two-topic join stopped one topic short). And no source may take more
/// than its share of what is left: a source polling an exhausted topic would
/// otherwise hold the rest of the budget between empty polls and starve the
/// others (whose input then looked idle to a join). At the tail, when what
/// is left is less than a share, a source that was told to wait goes first.
struct RecordBudget: Equatable {
    enum Grant: Equatable {
        /// Read at most this many.
        case records(Int)
        /// Nothing left now, but other sources hold some: ask again shortly.
        case wait
        /// Nothing left and nothing out: the source is done.
        case exhausted
    }

    /// Records not granted yet; `Int.max` without a limit.
    private(set) var left: Int
    /// Granted and not settled yet.
    private(set) var lent = 0
    /// How many sources share the budget.
    let sharers: Int
    /// Sources told to wait since they last got records.
    private(set) var waiting: Set<String> = []

    init(limit: Int?, sharers: Int = 1) {
        left = limit ?? Int.max
        self.sharers = max(1, sharers)
    }

    mutating func take(_ wanted: Int, by source: String) -> Grant {
        if left == Int.max { return .records(wanted) }
        if left > 0 {
            if !waiting.isEmpty, !waiting.contains(source) {
                waiting.insert(source)
                return .wait
            }
            waiting.remove(source)
            let n = min((left + sharers - 1) / sharers, wanted)
            left -= n
            lent += n
            return .records(n)
        }
        if lent > 0 {
            waiting.insert(source)
            return .wait
        }
        return .exhausted
    }

    /// A source read `used` of the `granted` records it took.
    mutating func settle(granted: Int, used: Int) {
        guard left != Int.max else { return }
        lent -= granted
        left += granted - used
    }
}
