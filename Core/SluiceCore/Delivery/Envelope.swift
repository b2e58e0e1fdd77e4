/// Records on their way between stages, with the tickets of the source
/// batches they derive from and the input port they arrive on.
final class Envelope: Sendable {
    let records: RecordBuffer
    let tickets: [Ticket]
    /// Index into the receiving component's `inputs:` list.
    let port: Int

    init(records: RecordBuffer, tickets: [Ticket], port: Int) {
        self.records = records
        self.tickets = tickets
        self.port = port
    }
}

/// What flows through a stage's inbox.
enum Message: Sendable {
    case batch(Envelope)
    /// The source behind input `port` stopped reading `splits` (ABI 1.3);
    /// ordered after the records it read from them.
    case revoked(splits: [UInt32], port: Int)
    /// One inbound edge finished; after every edge has, the stage drains.
    case end
}
