import Foundation

/// A `RevocationBarrier` and the condition its workers wait on.
///
/// `@unchecked Sendable`: `barrier` is read and written only with `condition` locked.
final class RevocationGate: @unchecked Sendable {
    let condition = NSCondition()
    var barrier: RevocationBarrier

    init(_ barrier: RevocationBarrier) { self.barrier = barrier }
}
