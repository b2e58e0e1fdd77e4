import SluiceSDK

/// One request's readings: their BSON documents back to back in one buffer,
/// with where each ends and, when `event_time` is configured, its event time.
///
/// A document of its own per reading was an allocation per reading on the
/// event loop and a release per reading on the source's thread; here a
/// request costs a few buffers that grow by doubling, whatever its size.
struct PushReadings {
    private var bytes: [UInt8] = []
    /// `ends[i]`: one past reading i's last byte in `bytes`.
    private var ends: [Int] = []
    /// Per reading, or empty when no reading has an event time.
    private var eventTimes: [Int64] = []

    /// Room for readings of about `bytes` bytes in all, and for 16 readings'
    /// ends: a request holds a few readings (gateways send batches of 10 or
    /// so), and growing `ends` from empty reallocated and copied it four
    /// times per 10-reading request (about 1,200 instructions more than this).
    init(reservingBytes bytes: Int = 0) {
        self.bytes.reserveCapacity(bytes)
        ends.reserveCapacity(16)
    }

    var count: Int { ends.count }
    var isEmpty: Bool { ends.isEmpty }

    /// Copies `document` in; `eventTime` is either given for every reading or for none.
    mutating func append(_ document: UnsafeRawBufferPointer, eventTime: Int64?) {
        bytes.append(contentsOf: document)
        ends.append(bytes.count)
        if let eventTime { eventTimes.append(eventTime) }
    }

    mutating func removeAll() {
        self = PushReadings()
    }

    /// Reading `i`'s document (valid only during `body`) and event time.
    func withReading<R>(_ i: Int, _ body: (UnsafeRawBufferPointer, Int64?) throws -> R) rethrows -> R {
        let start = i == 0 ? 0 : ends[i - 1]
        let time = eventTimes.isEmpty ? nil : eventTimes[i]
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start ..< ends[i]]), time) }
    }

    /// The readings `keep` says yes to, in order.
    func filter(_ keep: (UnsafeRawBufferPointer) -> Bool) -> PushReadings {
        var kept = PushReadings()
        for i in 0 ..< count {
            withReading(i) { document, time in
                if keep(document) { kept.append(document, eventTime: time) }
            }
        }
        return kept
    }
}
