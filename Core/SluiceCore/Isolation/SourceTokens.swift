/// The host's delivery tokens for the records an isolated source's child
/// read, and which child read each. A child's tokens mean something only to
/// the instance that issued them (a Kafka partition slot and offset, a line
/// number): after a crash, a new instance may issue the same numbers for
/// other records, so an ack meant for the dead child must never reach the
/// new one. The host gives every record a token of its own and, on ack,
/// passes on only those of the child still running; the rest are dropped,
/// and the new child reads their records again from where its source was
/// last acknowledged (at least once).
///
/// A value type with no I/O, used by its stage's thread.
struct SourceTokens {
    private var next: UInt64 = 1
    private var generation = 0
    /// Host token → the child that read the record, and its token there.
    private var live: [UInt64: (generation: Int, token: UInt64)] = [:]

    /// Records read and not yet acknowledged.
    var outstanding: Int { live.count }

    /// The host's token for a record the running child read under `token`
    /// (0, no token, stays 0).
    mutating func issue(_ token: UInt64) -> UInt64 {
        guard token != 0 else { return 0 }
        let mine = next
        next += 1
        live[mine] = (generation, token)
        return mine
    }

    /// The running child ended: tokens issued so far belong to no instance.
    mutating func childEnded() { generation += 1 }

    /// For host tokens being acknowledged, the running child's tokens to
    /// pass on, and how many were read by a child that has ended since.
    mutating func acknowledge(_ tokens: [UInt64]) -> (current: [UInt64], stale: Int) {
        var current: [UInt64] = []
        var stale = 0
        for t in tokens where t != 0 {
            guard let entry = live.removeValue(forKey: t) else { continue }
            if entry.generation == generation { current.append(entry.token) } else { stale += 1 }
        }
        return (current, stale)
    }
}
