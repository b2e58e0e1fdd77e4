import Foundation
import SluiceSDK
import Synchronization

/// Where libmongoc's own log goes. Its handler is process-wide and cannot
/// capture, so it writes through the host of the newest live sink (the
/// host rate-limits and formats it like every other line); with no live
/// sink, to stderr as before.
enum MongoLogRoute {
    private static let hosts = Mutex<[PluginHost]>([])

    static func attach(_ host: PluginHost) { hosts.withLock { $0.append(host) } }

    static func detach(_ host: PluginHost) { hosts.withLock { $0.removeAll { $0.isSame(as: host) } } }

    static func log(_ level: PluginHost.LogLevel, _ message: String) {
        // Logging under the lock keeps a detaching sink's host alive until the line is written.
        let written = hosts.withLock { hosts -> Bool in
            guard let host = hosts.last else { return false }
            host.log(level, message)
            return true
        }
        if !written { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    }
}
