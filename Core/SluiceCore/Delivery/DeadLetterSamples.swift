import Synchronization

/// The first few dead-letter reasons of a run, distinct per stage and
/// reason: "every record failed" is only useful with why.
public final class DeadLetterSamples: Sendable {
    public static let capacity = 3
    private let samples = Mutex<[String]>([])
    /// Checked before taking the lock, so a run dead-lettering millions of
    /// records pays one atomic load per batch once the samples are full.
    private let full = Atomic<Bool>(false)

    func note(stage: String, _ reasons: some Sequence<String>) {
        guard !full.load(ordering: .relaxed) else { return }
        samples.withLock { list in
            for reason in reasons {
                if list.count >= Self.capacity { break }
                let line = "\(stage): \(reason)"
                if !list.contains(line) { list.append(line) }
            }
            if list.count >= Self.capacity { full.store(true, ordering: .relaxed) }
        }
    }

    /// "stage: reason" lines, in the order they happened.
    public var reasons: [String] { samples.withLock { $0 } }
}
