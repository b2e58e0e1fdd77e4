import Dispatch
import Foundation

/// SIGINT/SIGTERM: the first asks for a graceful drain, the second exits now.
enum SignalHandling {
    static func install(onFirst: @escaping @Sendable () -> Void) -> [DispatchSourceSignal] {
        let queue = DispatchQueue(label: "sluice.signals")
        nonisolated(unsafe) var received = 0
        return [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                received += 1
                if received == 1 { onFirst() } else { exit(128 + sig) }
            }
            source.resume()
            return source
        }
    }
}
