/// One request body turned into readings as it arrives, chunk by chunk, so
/// a request holds its readings and at most one unfinished item or line,
/// never its raw body. Nothing is offered to the inbox before the body
/// ended whole: a body refused or cut off midway leaves nothing behind.
///
/// Owned by one connection's handler, on its event loop.
protocol BodyReadings: AnyObject {
    /// The readings decoded so far; empty once `failure` is set.
    var readings: PushReadings { get }
    /// Why the body is refused (400); once set, the rest is only counted.
    var failure: BodyFailure? { get }
    /// Body bytes received.
    var received: Int { get }

    func feed(_ bytes: UnsafeRawBufferPointer) -> BodyProgress
    /// The body ended: whatever was held for its end is decoded now.
    func finish()
}

/// What a chunk fed to `BodyReadings` left.
enum BodyProgress: Equatable {
    case more
    /// More readings than the inbox's capacity: the request can never be taken.
    case tooMany
    /// Line `line` is longer than `max_line_bytes`: it is not held.
    case lineTooLong(line: Int)
}

/// Why a body is refused, and where (`line` 0: not a line, e.g. a JSON body).
struct BodyFailure: Equatable {
    let reason: String
    let line: Int
}
