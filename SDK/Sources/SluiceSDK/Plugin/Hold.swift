/// A held delivery (ABI 1.1): keeps an input record's source batch from
/// being acked while the record sits in a processor's state.
///
/// Get one from `Output.hold(_:)` inside `process`, attach it to every
/// result made from the record (`Output.emit(…, holds:)`), and end it once
/// with `PluginHost.release(_:)` when the record leaves the state. A hold
/// never released is abandoned on purpose: the source replays the record
/// after a restart.
public struct Hold: Hashable, Sendable {
    /// The host's `sluice_hold *`, kept as an address so the handle is a
    /// plain value; the host's `release` may be called from any thread.
    let address: UInt

    init?(_ pointer: OpaquePointer?) {
        guard let pointer else { return nil }
        address = UInt(bitPattern: UnsafeRawPointer(pointer))
    }

    var pointer: OpaquePointer { OpaquePointer(bitPattern: address)! }
}
