import CSluicePlugin
import Foundation
import SluiceSDK
import Synchronization

/// A live instance of a plugin component and the typed calls into it.
///
/// Not thread-safe by itself: the engine calls one instance from one stage
/// thread at a time (the header's [instance-thread] rule), and `destroy`
/// only after that thread has exited. `@unchecked Sendable` because the
/// instance moves from the thread that creates it to its stage's thread,
/// with the thread start as the barrier.
final class ComponentInstance: @unchecked Sendable {
    let info: ComponentInfo
    let host: ComponentHost
    private var state: UnsafeMutableRawPointer?
    /// When the call in progress began (monotonic ns), 0 between calls:
    /// what `CallWatchdog` reads from its own thread.
    let callStarted = Atomic<UInt64>(0)

    private init(info: ComponentInfo, host: ComponentHost, state: UnsafeMutableRawPointer?) {
        self.info = info
        self.host = host
        self.state = state
    }

    enum CreateError: Error {
        case config(String)
        case retriable(String)
    }

    /// Calls the component's create. Throws `.retriable` when the plugin asks to retry.
    static func create(_ info: ComponentInfo, config: JSONObject, host: ComponentHost) throws -> ComponentInstance {
        let json = JSONWriter.string(.object(config))
        var state: UnsafeMutableRawPointer?
        var error = [CChar](repeating: 0, count: 1024)
        let capacity = error.count
        let status = json.withCString { j in
            info.descriptor.pointee.create(info.descriptor, j, host.api, &state, &error, capacity)
        }
        let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case SLUICE_OK: return ComponentInstance(info: info, host: host, state: state)
        case SLUICE_RETRIABLE: throw CreateError.retriable(message.isEmpty ? "not ready" : message)
        default: throw CreateError.config(message.isEmpty ? "create failed (status \(status.rawValue))" : message)
        }
    }

    func poll(_ ctx: CallContext, maxRecords: Int, timeoutMillis: Int) -> sluice_status {
        timed { ctx.withPointer { info.descriptor.pointee.source.pointee.poll(state, $0, UInt32(maxRecords), UInt32(max(0, timeoutMillis))) } }
    }

    func ack(_ tokens: [UInt64]) {
        guard info.hasAck, let ack = info.descriptor.pointee.source.pointee.ack else { return }
        timed { tokens.withUnsafeBufferPointer { ack(state, $0.baseAddress, $0.count) } }
    }

    func process(_ input: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status {
        timed { input.withBatch(port: port) { b in ctx.withPointer { info.descriptor.pointee.processor.pointee.process(state, b, $0) } } }
    }

    /// A control batch: the source behind input `port` stopped reading `splits`.
    func revoke(_ splits: [UInt32], port: Int, _ ctx: CallContext) -> sluice_status {
        timed {
            RecordBuffer.withRevocation(port: port, splits: splits) { b in
                ctx.withPointer { info.descriptor.pointee.processor.pointee.process(state, b, $0) }
            }
        }
    }

    var hasTick: Bool { info.hasTick }

    func tick(now: Int64, _ ctx: CallContext) -> sluice_status {
        guard info.hasTick, let tick = info.descriptor.pointee.processor.pointee.tick else { return SLUICE_OK }
        return timed { ctx.withPointer { tick(state, now, $0) } }
    }

    func write(_ input: RecordBuffer, port: Int, _ ctx: CallContext) -> sluice_status {
        timed { input.withBatch(port: port) { b in ctx.withPointer { info.descriptor.pointee.sink.pointee.write(state, b, $0) } } }
    }

    func flush() -> sluice_status {
        guard info.hasFlush, let flush = info.descriptor.pointee.sink.pointee.flush else { return SLUICE_OK }
        return timed { CallContext(output: nil, input: nil).withPointer { flush(state, $0) } }
    }

    private func timed<R>(_ call: () -> R) -> R {
        callStarted.store(Clock.monotonicNanos(), ordering: .relaxed)
        defer { callStarted.store(0, ordering: .relaxed) }
        return call()
    }

    func destroy() {
        guard let s = state else { return }
        state = nil
        info.descriptor.pointee.destroy(s)
        host.summarizeSuppressedLogs()
        let abandoned = host.holds.count
        if abandoned > 0 {
            host.logger.notice("\(abandoned) held record(s) were still in state at shutdown; their sources were not acked, so they are replayed on the next run")
        }
    }
}
