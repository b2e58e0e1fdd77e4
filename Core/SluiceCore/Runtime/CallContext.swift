import CSluicePlugin
import SluiceSDK

/// A per-record failure reported through `fail`.
struct Failure: Equatable {
    let index: Int
    let retriable: Bool
    let reason: String
}

/// Where one call's output and failures go; behind `sluice_context`.
///
/// Used by one stage thread for one call, never shared: not Sendable.
/// Forwarded input records are only noted while nothing else is emitted to
/// the default output; `result` then shares the input's bytes instead of
/// copying them.
///
/// The state a plugin changes per record (`forward`, `emit`) opts out of
/// dynamic exclusivity checks: the context is reached from one thread, only
/// through the host callbacks, and none of them re-enters another, so no two
/// accesses can overlap.
final class CallContext {
    let input: RecordBuffer?
    /// `input`'s record count (0 without one), read once: the range check of every `forward`.
    private let inputCount: Int
    /// The default output's buffer. A `let`, like `input`: the per-record path
    /// then pays no dynamic exclusivity check for it.
    private let primary: RecordBuffer?
    /// The named outputs' buffers (`output` 1… at index 0…), created on first emit.
    private var named: [RecordBuffer?]
    /// `named.count`, kept as a `let` for the per-record range check.
    private let namedCount: Int
    /// Tickets of the envelope `input` came in (what `hold` holds).
    private let inputTickets: [Ticket]
    private let holds: HoldTable?
    /// A sink's write that may leave records in flight (ABI 1.4): where its holds go.
    private let writes: (table: InFlightWrites, attempt: Int)?
    /// Per output, what emitted holds attached, each ticket retained and each pin taken once by this context.
    @exclusivity(unchecked) private var attached: [HoldTable.Attached]
    /// In an isolated child: the holds taken (with their input index) and
    /// attached (per output) during the call, for the host to mirror.
    private let journalsHolds: Bool
    private(set) var heldInputs: [(hold: UInt, index: Int)] = []
    private(set) var attachedHolds: [[UInt]] = []
    /// A processor's call: holds released during it end their pins once its outputs are out (`HoldTable.deferUnpins`).
    private var defersUnpins = false
    /// A source's poll whose texts a sink downstream writes: emits may hand
    /// the text a record was decoded from (ABI 1.6). A processor's output
    /// has its input's text only when it is that input unchanged, which the
    /// host tells itself.
    private let keepsSourceText: Bool
    /// While the default output holds nothing else: how many input records
    /// were forwarded in input order from the first (0, 1, 2, …), the whole
    /// of a pass-through's forwards, kept as a count instead of a list.
    @exclusivity(unchecked) private var forwardedInOrder = 0
    /// The input indices forwarded after that order broke.
    @exclusivity(unchecked) private var forwards: [Int] = []
    @exclusivity(unchecked) private var forwardsPending = true
    private(set) var failures: [Failure] = []
    private var failureSlot: [Int: Int] = [:]
    /// Emits refused: a malformed document, an unknown output, an unknown hold.
    private(set) var rejected = 0
    /// Sources (ABI 1.3): splits revoked during the call, each with the
    /// number of records the output held when it was revoked.
    private(set) var revocations: [(position: Int, splits: [UInt32])] = []

    /// A source's poll or a sink's write: one output (or none), no holds;
    /// with `writes`, a sink's write that may hold records it has in flight;
    /// with `keepsSourceText`, a source's poll that keeps the texts it is handed.
    init(output: RecordBuffer?, input: RecordBuffer?, writes: (table: InFlightWrites, attempt: Int)? = nil, keepsSourceText: Bool = false) {
        self.input = input
        inputCount = input?.count ?? 0
        primary = output
        named = []
        namedCount = 0
        inputTickets = []
        holds = nil
        self.writes = writes
        attached = [HoldTable.Attached()]
        journalsHolds = false
        self.keepsSourceText = keepsSourceText
    }

    /// A processor's process (with `input`) or tick (without); with
    /// `journalsHolds` (an isolated child), notes the holds the call takes
    /// and attaches (`heldInputs`, `attachedHolds`).
    init(input: RecordBuffer?, outputCount: Int, tickets: [Ticket], holds: HoldTable, journalsHolds: Bool = false) {
        self.input = input
        inputCount = input?.count ?? 0
        // Room is made on the first emit: a processor that forwards its input (a validator) never needs it.
        primary = RecordBuffer()
        named = Array(repeating: nil, count: outputCount - 1)
        namedCount = outputCount - 1
        inputTickets = tickets
        self.holds = holds
        writes = nil
        attached = Array(repeating: HoldTable.Attached(), count: outputCount)
        self.journalsHolds = journalsHolds
        keepsSourceText = false
        if journalsHolds { attachedHolds = Array(repeating: [], count: outputCount) }
        holds.deferUnpins()
        defersUnpins = true
    }

    deinit {
        releaseAttached()
    }

    /// Runs `body` with this context as a C pointer.
    func withPointer<R>(_ body: (OpaquePointer) -> R) -> R {
        withExtendedLifetime(self) { body(OpaquePointer(Unmanaged.passUnretained(self).toOpaque())) }
    }

    static func from(_ p: OpaquePointer?) -> CallContext {
        Unmanaged<CallContext>.fromOpaque(UnsafeRawPointer(p!)).takeUnretainedValue()
    }

    /// Runs `body` on the context behind a callback's `ctx` without retaining
    /// it: `withPointer` keeps it alive for the whole call, and the per-record
    /// callbacks (forward, emit) would otherwise pay a retain and a release each.
    static func with<R>(_ p: OpaquePointer?, _ body: (CallContext) -> R) -> R {
        Unmanaged<CallContext>.fromOpaque(UnsafeRawPointer(p!))._withUnsafeGuaranteedRef(body)
    }

    var outputCount: Int { 1 + namedCount }

    /// The records emitted to `output`.
    func result(_ output: Int = 0) -> RecordBuffer? {
        if output == 0, forwardsPending, let input, forwardedInOrder > 0 || !forwards.isEmpty {
            if forwards.isEmpty, forwardedInOrder == inputCount { return input }
            return RecordBuffer(selecting: Array(0 ..< forwardedInOrder) + forwards, from: input)
        }
        return output == 0 ? primary : named[output - 1]
    }

    /// Tickets that records of `output` carry through holds: the pins among
    /// them go as one pin group, owned by this context until `releaseAttached`.
    func attachedTickets(_ output: Int) -> [Ticket] {
        if !attached[output].pins.isEmpty {
            let group = Ticket(pins: attached[output].pins)
            attached[output].pins = []
            attached[output].tickets[ObjectIdentifier(group)] = group
        }
        return Array(attached[output].tickets.values)
    }

    /// Drops this context's references on attached tickets and its pins
    /// (after the stage has dispatched the outputs, each consumer holding its
    /// own), and ends the pins of holds the call released.
    func releaseAttached() {
        for i in attached.indices {
            for t in attached[i].tickets.values { t.release() }
            Ticket.unpin(attached[i].pins)
            attached[i] = HoldTable.Attached()
        }
        if defersUnpins {
            defersUnpins = false
            holds?.endDeferral()
        }
    }

    /// A pass-through's forward (the next record in input order, while
    /// nothing else joined the output) is inlined into the C callback and
    /// makes no call, so it saves no registers; everything else goes to `forwardAny`.
    @inline(__always)
    func forward(_ index: Int) -> Int32 {
        if index == forwardedInOrder, index < inputCount, forwardsPending, forwards.isEmpty, primary != nil {
            forwardedInOrder += 1
            return 0
        }
        return forwardAny(index)
    }

    @inline(never)
    private func forwardAny(_ index: Int) -> Int32 {
        guard let output = primary, index >= 0, index < inputCount else { return -1 }
        if !forwardsPending {
            output.append(from: input!, at: index)
        } else if index == forwardedInOrder, forwards.isEmpty {
            forwardedInOrder += 1
        } else {
            forwards.append(index)
        }
        return 0
    }

    /// Copies the noted forwards into the default output, before other records join it.
    private func materializeForwards() {
        guard forwardsPending else { return }
        forwardsPending = false
        guard let input, let output = primary, forwardedInOrder > 0 || !forwards.isEmpty else { return }
        output.reserve(records: input.count, bytes: input.byteCount, texts: input.textByteCount)
        for i in 0 ..< forwardedInOrder { output.append(from: input, at: i) }
        for i in forwards { output.append(from: input, at: i) }
        forwards = []
    }

    func hold(_ index: Int) -> OpaquePointer? {
        if let writes, let input, index >= 0, index < input.count {
            return writes.table.hold(attempt: writes.attempt, index: index).flatMap { OpaquePointer(bitPattern: $0) }
        }
        guard let holds, let input, index >= 0, index < input.count else { return nil }
        // A record straight from one source batch is pinned alone (see `Ticket`);
        // one made from several batches holds them all.
        let handle: UInt
        if inputTickets.count == 1, input.tokens[index] != 0, let pinned = holds.pin(input.tokens[index], of: inputTickets[0], hint: index) {
            handle = pinned
        } else {
            handle = holds.hold(inputTickets)
        }
        if journalsHolds { heldInputs.append((handle, index)) }
        return OpaquePointer(bitPattern: handle)
    }

    /// Attaches live holds of this context's table to `output`, as an emit
    /// naming them would (an isolated processor's host side, mirroring what
    /// its child attached); false, attaching nothing, if one is not live.
    func attach(_ handles: [UInt], output: Int) -> Bool {
        guard let holds, output >= 0, output < outputCount else { return false }
        let list = handles.map { OpaquePointer(bitPattern: $0) }
        return list.withUnsafeBufferPointer { holds.attach($0, to: &attached[output]) }
    }

    /// An emitted document: checked here unless it is the input record's own bytes.
    func emit(_ doc: UnsafeRawBufferPointer, _ options: UnsafePointer<sluice_emit_options>?) -> Int32 {
        var eventTime = Int64.min
        var key: UnsafeRawBufferPointer?
        var token: UInt64 = 0
        var inputIndex = -1
        var output = 0
        var split = RecordBuffer.noSplit
        var holdList: UnsafeBufferPointer<OpaquePointer?>?
        var text: UnsafeRawBufferPointer?
        var textFormat = SLUICE_TEXT_NONE
        if let options {
            // A plugin built against this header passes the whole struct: one comparison
            // instead of one per field on the per-record path. An older plugin's shorter
            // struct is copied into a zeroed one, so that no byte past its end is read.
            let size = options.pointee.struct_size
            let full = size >= UInt32(MemoryLayout<sluice_emit_options>.size)
            var o = sluice_emit_options()
            if full { o = options.pointee } else { memcpy(&o, options, Int(size)) }
            if full || structHasField(size, \sluice_emit_options.event_time_ms) { eventTime = o.event_time_ms }
            if full || structHasField(size, \sluice_emit_options.key_length), let k = o.key, o.key_length > 0 {
                key = UnsafeRawBufferPointer(start: k, count: Int(o.key_length))
            }
            if full || structHasField(size, \sluice_emit_options.input_index) { inputIndex = Int(o.input_index) }
            if full || structHasField(size, \sluice_emit_options.token) { token = o.token }
            if full || structHasField(size, \sluice_emit_options.output) { output = Int(o.output) }
            if full || structHasField(size, \sluice_emit_options.holds), o.hold_count > 0 {
                guard let list = o.holds else { return reject() }
                holdList = UnsafeBufferPointer(start: list, count: Int(o.hold_count))
            }
            if full || structHasField(size, \sluice_emit_options.has_split), o.has_split != 0 { split = o.split }
            if keepsSourceText, full || structHasField(size, \sluice_emit_options.text_format), o.text_format == SLUICE_TEXT_JSON,
               let t = o.text, o.text_length > 0, Self.isOneLineObject(UnsafeRawBufferPointer(start: t, count: Int(o.text_length)))
            {
                text = UnsafeRawBufferPointer(start: t, count: Int(o.text_length))
                textFormat = SLUICE_TEXT_JSON
            }
        }
        // The input record's own bytes, emitted back: checked when the input
        // was, and still what its text decodes to.
        let unchanged = inputIndex >= 0 && inputIndex < inputCount && input.unsafelyUnwrapped.isDocument(doc, at: inputIndex)
        if unchanged, let kept = input.unsafelyUnwrapped.text(at: inputIndex) {
            text = kept.bytes
            textFormat = kept.format
        }
        guard output >= 0, output <= namedCount, unchanged || BSONDocument.isWellFormed(doc) else { return reject() }
        if let holdList {
            guard let holds, holds.attach(holdList, to: &attached[output]) else { return reject() }
            if journalsHolds { attachedHolds[output].append(contentsOf: holdList.map { UInt(bitPattern: UnsafeRawPointer($0!)) }) }
        }
        if output == 0 {
            // Each branch hands on its own buffer: one local assigned in
            // several branches was retained and released once per emitted record.
            guard let primary else { return reject() }
            if forwardsPending { materializeForwards() }
            if primary.isEmpty, let input { primary.reserve(records: input.count, bytes: input.byteCount, texts: input.textByteCount) }
            return append(doc, to: primary, eventTime: eventTime, key: key, token: token, inputIndex: inputIndex, split: split,
                          text: text, textFormat: textFormat)
        }
        if let existing = named[output - 1] {
            return append(doc, to: existing, eventTime: eventTime, key: key, token: token, inputIndex: inputIndex, split: split,
                          text: text, textFormat: textFormat)
        }
        let buffer = RecordBuffer()
        named[output - 1] = buffer
        return append(doc, to: buffer, eventTime: eventTime, key: key, token: token, inputIndex: inputIndex, split: split,
                      text: text, textFormat: textFormat)
    }

    /// Whether a source's JSON text is framed as `SLUICE_TEXT_JSON` promises:
    /// one object on one line. The host cannot afford to parse it; this
    /// much keeps a source's broken text from splitting an NDJSON record in two.
    @inline(__always)
    private static func isOneLineObject(_ text: UnsafeRawBufferPointer) -> Bool {
        text.first == UInt8(ascii: "{") && text.last == UInt8(ascii: "}") && memchr(text.baseAddress!, 0x0A, text.count) == nil
    }

    /// Appends an emitted document; what the options leave unset comes from
    /// the input record it was made from (`inputIndex`), if any.
    @inline(__always)
    private func append(_ doc: UnsafeRawBufferPointer, to buffer: RecordBuffer, eventTime: Int64, key: UnsafeRawBufferPointer?,
                        token: UInt64, inputIndex: Int, split: UInt32, text: UnsafeRawBufferPointer?, textFormat: UInt32) -> Int32
    {
        if let input, inputIndex >= 0, inputIndex < input.count {
            let split = split == RecordBuffer.noSplit ? input.split(at: inputIndex) : split
            if eventTime == .min || key == nil {
                input.withRecord(inputIndex) { _, inputKey in
                    buffer.append(doc, eventTime: eventTime == .min ? input.eventTime(at: inputIndex) ?? .min : eventTime,
                                  key: key ?? inputKey, token: token, split: split, text: text, textFormat: textFormat)
                }
                return 0
            }
            buffer.append(doc, eventTime: eventTime, key: key, token: token, split: split, text: text, textFormat: textFormat)
            return 0
        }
        buffer.append(doc, eventTime: eventTime, key: key, token: token, split: split, text: text, textFormat: textFormat)
        return 0
    }

    /// A source's `revoke_splits`: noted at the current end of its output.
    func revoke(_ splits: [UInt32]) {
        guard holds == nil, input == nil, let primary, !splits.isEmpty else { return }
        revocations.append((primary.count, splits))
    }

    private func reject() -> Int32 {
        rejected += 1
        return -1
    }

    func fail(_ index: Int, _ kind: sluice_failure_kind, _ reason: String) {
        fail(Failure(index: index, retriable: kind == SLUICE_FAILURE_RETRIABLE, reason: reason))
    }

    /// Notes a failure; a later one for the same record replaces it, except
    /// that a retriable one never replaces a permanent one (a call that
    /// failed some records for good, then the whole call for now).
    func fail(_ failure: Failure) {
        let index = failure.index
        if let slot = failureSlot[index] {
            if failure.retriable, !failures[slot].retriable { return }
            failures[slot] = failure
        } else {
            failureSlot[index] = failures.count
            failures.append(failure)
        }
    }
}
