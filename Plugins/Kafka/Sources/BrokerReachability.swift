import CRdKafka
import Foundation
import SluiceSDK

/// Whether the consumer can reach its cluster, so the host's `/ready` can
/// say so: librdkafka reports "all brokers down" once, as an error event,
/// and nothing when they return, so while down the source asks for metadata
/// (at most once a second, briefly) until an answer comes.
struct BrokerReachability {
    private(set) var isDown = false
    private var lastProbeNanos: UInt64 = 0
    private let probeIntervalNanos: UInt64 = 1_000_000_000
    private let probeTimeoutMillis: Int32 = 200

    static func meansUnreachable(_ err: rd_kafka_resp_err_t) -> Bool {
        err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE
    }

    mutating func markDown() { isDown = true }

    /// A record arrived: the cluster answers.
    mutating func markUp() { isDown = false }

    /// While down, probes the cluster (rate-limited); returns whether it is still down.
    mutating func stillDown(_ rk: OpaquePointer) -> Bool {
        guard isDown else { return false }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastProbeNanos >= probeIntervalNanos else { return true }
        lastProbeNanos = now
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 0, nil, &metadata, probeTimeoutMillis)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        isDown = err != RD_KAFKA_RESP_ERR_NO_ERROR
        return isDown
    }
}
