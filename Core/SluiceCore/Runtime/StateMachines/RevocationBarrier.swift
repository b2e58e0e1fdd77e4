/// When a revocation of source splits has passed every worker of a component.
///
/// A revocation (ABI 1.3) reaches every worker, behind the records sent to
/// it before. The component's consumers must see it once, and only after
/// every worker has sent on its records of those splits: each worker reports
/// it here after doing so, and the last of them forwards it. Each worker
/// sees the revocations of one input port in the same order, so the k-th one
/// a worker passes on a port is the k-th of every other worker. A worker
/// that passed one waits until it is forwarded (`isForwarded`) before it
/// sends anything read after it.
struct RevocationBarrier {
    enum Action: Equatable {
        /// Other workers have not passed it yet.
        case wait
        /// The last worker passed it: send it on to the consumers.
        case forward
    }

    private struct Key: Hashable {
        let port: Int
        let sequence: Int
    }

    let workers: Int
    /// Per worker, per input port, how many revocations it has passed.
    private var passedCount: [[Int: Int]]
    /// Revocations some but not all workers have passed, with how many have.
    private var arrivals: [Key: Int] = [:]
    /// Per input port, how many revocations were forwarded.
    private var forwarded: [Int: Int] = [:]

    init(workers: Int) {
        self.workers = workers
        passedCount = Array(repeating: [:], count: workers)
    }

    /// Revocations passed by some workers only.
    var pending: Int { arrivals.count }

    /// `worker` has handled its next revocation on `port` and sent on everything before it.
    mutating func passed(worker: Int, port: Int) -> Action {
        let sequence = passedCount[worker][port, default: 0]
        passedCount[worker][port] = sequence + 1
        let key = Key(port: port, sequence: sequence)
        let count = arrivals[key, default: 0] + 1
        if count == workers {
            arrivals[key] = nil
            forwarded[port, default: 0] += 1
            return .forward
        }
        arrivals[key] = count
        return .wait
    }

    /// Whether every revocation `worker` passed on `port` has been forwarded.
    func isForwarded(port: Int, passedBy worker: Int) -> Bool {
        forwarded[port, default: 0] >= passedCount[worker][port, default: 0]
    }
}
