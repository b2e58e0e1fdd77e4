import NIOCore
import NIOHTTP1
import NIOPosix
import SluiceSDK

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP server of one dashboard: binds at start (a port in use is a
/// start error naming the address), serves `DashboardHandler`s on one
/// event-loop thread, and keeps event streams alive with a heartbeat.
final class DashboardServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let heartbeat: RepeatedTask

    /// The bound port; with port 0, the one the system chose.
    var port: Int { channel.localAddress?.port ?? 0 }

    init(listen: HostPort, live: LiveSeries, clients: @escaping @Sendable (Int) -> Void) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            // A snapshot of every window may be megabytes: a stream is cut only when this much is unread.
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 1 << 20, high: 32 << 20))
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(DashboardHandler(live: live, clients: clients))
                }
            }
        let shown = listen.authority
        do {
            channel = try bootstrap.bind(host: listen.host, port: listen.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            if let io = error as? IOError, io.errnoCode == EADDRINUSE {
                throw SluiceError.config("listen: \(shown) is already in use; stop what holds it or choose another port")
            }
            throw SluiceError.config("listen: cannot listen on \(shown): \(error)")
        }
        heartbeat = group.next().scheduleRepeatedTask(initialDelay: .seconds(15), delay: .seconds(15)) { _ in live.heartbeat() }
    }

    func shutdown() {
        heartbeat.cancel()
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}
