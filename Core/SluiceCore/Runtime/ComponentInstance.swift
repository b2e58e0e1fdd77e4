import CSluicePlugin
import Foundation
import SluiceSDK

/// A live instance of a plugin component and the typed calls into it.
final class ComponentInstance: @unchecked Sendable {
    let info: ComponentInfo
    let host: ComponentHost
    private var state: UnsafeMutableRawPointer?

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
        let status = json.withCString { j in
            info.descriptor.pointee.create(info.descriptor, j, host.api, &state, &error, error.count)
        }
        let message = String(cString: error)
        switch status {
        case SLUICE_OK: return ComponentInstance(info: info, host: host, state: state)
        case SLUICE_RETRIABLE: throw CreateError.retriable(message.isEmpty ? "not ready" : message)
        default: throw CreateError.config(message.isEmpty ? "create failed (status \(status.rawValue))" : message)
        }
    }

    func poll(_ ctx: CallContext, maxRecords: Int, timeoutMillis: Int) -> sluice_status {
        ctx.withPointer { info.descriptor.pointee.source.pointee.poll(state, $0, UInt32(maxRecords), UInt32(max(0, timeoutMillis))) }
    }

    func ack(_ tokens: [UInt64]) {
        guard let ack = info.descriptor.pointee.source.pointee.ack else { return }
        tokens.withUnsafeBufferPointer { ack(state, $0.baseAddress, $0.count) }
    }

    func process(_ input: RecordBuffer, _ ctx: CallContext) -> sluice_status {
        input.withBatch { b in ctx.withPointer { info.descriptor.pointee.processor.pointee.process(state, b, $0) } }
    }

    var hasTick: Bool { info.descriptor.pointee.processor?.pointee.tick != nil }

    func tick(now: Int64, _ ctx: CallContext) -> sluice_status {
        guard let tick = info.descriptor.pointee.processor.pointee.tick else { return SLUICE_OK }
        return ctx.withPointer { tick(state, now, $0) }
    }

    func write(_ input: RecordBuffer, _ ctx: CallContext) -> sluice_status {
        input.withBatch { b in ctx.withPointer { info.descriptor.pointee.sink.pointee.write(state, b, $0) } }
    }

    func flush() -> sluice_status {
        guard let flush = info.descriptor.pointee.sink.pointee.flush else { return SLUICE_OK }
        return CallContext(output: nil, input: nil).withPointer { flush(state, $0) }
    }

    func destroy() {
        guard let s = state else { return }
        state = nil
        info.descriptor.pointee.destroy(s)
    }
}
