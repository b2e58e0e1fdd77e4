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
        guard let output = primaryUnretained, index >= 0, index < inputCount else { return -1 }
        if !forwardsPending {
            // Borrowed, as in `emit`: a filter that also emits forwards each record through here.
            Unmanaged.passUnretained(input.unsafelyUnwrapped)._withUnsafeGuaranteedRef { input in
                output._withUnsafeGuaranteedRef { $0.append(from: input, at: index) }
            }
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
    ///
    /// A plugin built against this header passes the whole options struct,
    /// read in place (a newer plugin's longer one too, its unknown tail
    /// ignored); an older plugin's shorter one, or none, is completed first
    /// (`emitCompleting`), so that the per-record path tests no field's presence.
    func emit(_ doc: UnsafeRawBufferPointer, _ options: UnsafePointer<sluice_emit_options>?) -> Int32 {
        guard let o = options, o.pointee.struct_size >= UInt32(MemoryLayout<sluice_emit_options>.size) else {
            return emitCompleting(doc, options)
        }
        var text: UnsafeRawBufferPointer?
        var textFormat = SLUICE_TEXT_NONE
        if keepsSourceText, o.pointee.text_format == SLUICE_TEXT_JSON, let t = o.pointee.text, o.pointee.text_length > 0 {
            let claimed = UnsafeRawBufferPointer(start: t, count: Int(o.pointee.text_length))
            if Self.isOneLineObject(claimed) {
                text = claimed
                textFormat = SLUICE_TEXT_JSON
            }
        }
        // The input record's own bytes, emitted back: checked when the input
        // was, and still what its text decodes to.
        let inputIndex = Int(o.pointee.input_index)
        let derived = inputIndex >= 0 && inputIndex < inputCount
        let unchanged = derived && input.unsafelyUnwrapped.isDocument(doc, at: inputIndex)
        if unchanged, let kept = input.unsafelyUnwrapped.text(at: inputIndex) {
            text = kept.bytes
            textFormat = kept.format
        }
        var holdList: UnsafeBufferPointer<OpaquePointer?>?
        if o.pointee.hold_count > 0 {
            guard let list = o.pointee.holds else { return reject() }
            holdList = UnsafeBufferPointer(start: list, count: Int(o.pointee.hold_count))
        }
        let output = Int(o.pointee.output)
        guard output <= namedCount, unchanged || BSONDocument.isWellFormed(doc) else { return reject() }
        if let holdList {
            // Borrowed like `primary`: a `let` of this context, alive for the call.
            guard let table = holds.map(Unmanaged.passUnretained),
                  table._withUnsafeGuaranteedRef({ $0.attach(holdList, to: &attached[output]) }) else { return reject() }
            if journalsHolds { attachedHolds[output].append(contentsOf: holdList.map { UInt(bitPattern: UnsafeRawPointer($0!)) }) }
        }
        let buffer: Unmanaged<RecordBuffer>
        if output == 0 {
            guard let primary = primaryUnretained else { return reject() }
            if forwardsPending { materializeForwards() }
            buffer = primary
        } else {
            buffer = namedUnretained(output)
        }
        // Borrowed: a retain and release per record around the append cost
        // ~6% of a file pipeline's CPU (the release's locked decrement waits
        // for the append's stores to drain), and the context holds the buffer.
        buffer._withUnsafeGuaranteedRef { buffer in
            if output == 0, inputCount > 0, buffer.isEmpty {
                let room = (bytes: input.unsafelyUnwrapped.byteCount, texts: input.unsafelyUnwrapped.textByteCount)
                buffer.reserve(records: inputCount, bytes: room.bytes, texts: room.texts)
            }
            append(doc, to: buffer, o, from: derived ? inputIndex : nil, text: text, textFormat: textFormat)
        }
        return 0
    }

    /// `emit` given an older plugin's shorter options, or none: the fields
    /// it has, and the defaults of those it does not (no event time, no
    /// input index), so that no byte past its end is read.
    @inline(never)
    private func emitCompleting(_ doc: UnsafeRawBufferPointer, _ options: UnsafePointer<sluice_emit_options>?) -> Int32 {
        var o = sluice_emit_options()
        let size = options.map { Int($0.pointee.struct_size) } ?? 0
        if let options { memcpy(&o, options, Swift.min(size, MemoryLayout<sluice_emit_options>.size)) }
        o.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
        func lacks<F>(_ field: KeyPath<sluice_emit_options, F>) -> Bool { size < structFieldEnd(field) }
        if lacks(\.event_time_ms) { o.event_time_ms = .min }
        if lacks(\.key_length) { o.key_length = 0 }
        if lacks(\.input_index) { o.input_index = -1 }
        if lacks(\.token) { o.token = 0 }
        if lacks(\.output) { o.output = 0 }
        if lacks(\.holds) { o.hold_count = 0 }
        if lacks(\.has_split) { o.has_split = 0 }
        if lacks(\.text_format) { o.text_length = 0 }
        return emit(doc, &o)
    }

    /// The default output's buffer, not retained (see `emit`); nil for a sink's write.
    private var primaryUnretained: Unmanaged<RecordBuffer>? {
        primary.map { Unmanaged.passUnretained($0) }
    }

    /// Named output `output` (1…)'s buffer, created on its first record; not retained (see `emit`).
    @inline(never)
    private func namedUnretained(_ output: Int) -> Unmanaged<RecordBuffer> {
        if let existing = named[output - 1] { return Unmanaged.passUnretained(existing) }
        let buffer = RecordBuffer()
        named[output - 1] = buffer
        return Unmanaged.passUnretained(buffer)
    }

    /// Whether a source's JSON text is framed as `SLUICE_TEXT_JSON` promises:
    /// one object on one line. The host cannot afford to parse it; this
    /// much keeps a source's broken text from splitting an NDJSON record in two.
    @inline(__always)
    private static func isOneLineObject(_ text: UnsafeRawBufferPointer) -> Bool {
        text.first == UInt8(ascii: "{") && text.last == UInt8(ascii: "}") && memchr(text.baseAddress!, 0x0A, text.count) == nil
    }

    /// Appends an emitted document with what its options set; one made
    /// from an input record (`inputIndex`) inherits what they leave unset.
    @inline(__always)
    private func append(_ doc: UnsafeRawBufferPointer, to buffer: RecordBuffer, _ o: UnsafePointer<sluice_emit_options>, from inputIndex: Int?,
                        text: UnsafeRawBufferPointer?, textFormat: UInt32)
    {
        guard let inputIndex else {
            buffer.append(doc, eventTime: o.pointee.event_time_ms, key: Self.key(o), token: o.pointee.token, split: Self.split(o),
                          text: text, textFormat: textFormat)
            return
        }
        appendDerived(doc, to: buffer, o, from: inputIndex, text: text, textFormat: textFormat)
    }

    /// `append` of a processor's output made from input record `inputIndex`:
    /// out of line, so that a source's emit keeps a small frame. The input
    /// is borrowed, as the output is in `emit`.
    @inline(never)
    private func appendDerived(_ doc: UnsafeRawBufferPointer, to buffer: RecordBuffer, _ o: UnsafePointer<sluice_emit_options>, from inputIndex: Int,
                               text: UnsafeRawBufferPointer?, textFormat: UInt32)
    {
        Unmanaged.passUnretained(input.unsafelyUnwrapped)._withUnsafeGuaranteedRef { input in
            let own = Self.split(o)
            let split = own == RecordBuffer.noSplit ? input.split(at: inputIndex) : own
            let eventTime = o.pointee.event_time_ms == .min ? input.metas[inputIndex].event_time_ms : o.pointee.event_time_ms
            if let key = Self.key(o) {
                buffer.append(doc, eventTime: eventTime, key: key, token: o.pointee.token, split: split, text: text, textFormat: textFormat)
                return
            }
            input.withRecord(inputIndex) { _, inputKey in
                buffer.append(doc, eventTime: eventTime, key: inputKey, token: o.pointee.token, split: split, text: text, textFormat: textFormat)
            }
        }
    }

    /// The key an emit's options set, if any.
    @inline(__always)
    private static func key(_ o: UnsafePointer<sluice_emit_options>) -> UnsafeRawBufferPointer? {
        o.pointee.key_length > 0 ? o.pointee.key.map { UnsafeRawBufferPointer(start: $0, count: Int(o.pointee.key_length)) } : nil
    }

    /// The split an emit's options set, or `RecordBuffer.noSplit`.
    @inline(__always)
    private static func split(_ o: UnsafePointer<sluice_emit_options>) -> UInt32 {
        o.pointee.has_split != 0 ? o.pointee.split : RecordBuffer.noSplit
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
