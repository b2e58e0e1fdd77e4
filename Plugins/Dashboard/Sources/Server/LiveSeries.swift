import Synchronization

/// The dashboard's state shared by the sink (which adds to it) and the
/// server (which reads it and streams changes to the pages connected).
///
/// One lock covers both the state and the list of streams: a page that
/// connects gets a snapshot and is listed in one step, so it sees every
/// later change exactly once, in order.
final class LiveSeries: Sendable {
    let title: String
    private let guarded: Mutex<Guarded>

    private struct Guarded: Sendable {
        var state: DashboardState
        var streams: [ObjectIdentifier: EventStream] = [:]
    }

    init(state: DashboardState, title: String) {
        self.title = title
        guarded = Mutex(Guarded(state: state))
    }

    /// Applies `body` to the state and sends what changed to every stream.
    func update(_ body: (inout DashboardState, inout SeriesDelta) -> Void) -> (keys: Int, evicted: Int) {
        guarded.withLock { g in
            var delta = SeriesDelta()
            body(&g.state, &delta)
            if !delta.isEmpty, !g.streams.isEmpty {
                let data = SeriesJSON.delta(delta, fields: g.state.fields)
                for (id, stream) in g.streams where !stream.send(event: "update", data: data) {
                    g.streams[id] = nil
                }
            }
            return (g.state.keyCount, g.state.evictedKeys)
        }
    }

    /// The whole state as the page's JSON.
    func snapshot() -> [UInt8] {
        guarded.withLock { SeriesJSON.snapshot($0.state, title: title) }
    }

    /// Sends `stream` the snapshot and lists it for every later change; the number of streams.
    @discardableResult
    func subscribe(_ stream: EventStream) -> Int {
        guarded.withLock { g in
            if stream.send(event: "snapshot", data: SeriesJSON.snapshot(g.state, title: title)) {
                g.streams[ObjectIdentifier(stream)] = stream
            }
            return g.streams.count
        }
    }

    /// The number of streams left.
    @discardableResult
    func unsubscribe(_ stream: EventStream) -> Int {
        guarded.withLock { g in
            g.streams[ObjectIdentifier(stream)] = nil
            return g.streams.count
        }
    }

    /// A comment line to every stream, so a proxy or a half-open connection is noticed.
    func heartbeat() {
        guarded.withLock { g in
            for (id, stream) in g.streams where !stream.sendComment() { g.streams[id] = nil }
        }
    }

    /// Ends every stream (the sink is going away).
    func closeAll() {
        guarded.withLock { g in
            for stream in g.streams.values { stream.close() }
            g.streams.removeAll()
        }
    }
}
