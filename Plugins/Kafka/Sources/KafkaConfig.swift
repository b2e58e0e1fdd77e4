import CRdKafka
import SluiceSDK

/// Builds an rd_kafka_conf_t from our settings and the `librdkafka:`
/// pass-through (where TLS and SASL settings go: `security.protocol`,
/// `ssl.ca.location`, `sasl.mechanisms`, `sasl.username`, `sasl.password`).
enum KafkaConfig {
    /// Properties set by Sluice; the pass-through may override them.
    /// `tuning` holds defaults newer librdkafka versions know: an older one
    /// (Debian 12 ships 2.0.2) that does not know a property skips it.
    /// `passThrough` (the manifest's `librdkafka:`) comes last and wins.
    static func make(brokers: String, settings: [(String, String)], tuning: [(String, String)] = [], passThrough: Config?) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var ignored = [CChar](repeating: 0, count: 512)
        for (name, value) in tuning { _ = rd_kafka_conf_set(conf, name, value, &ignored, ignored.count) }
        var all = [("bootstrap.servers", brokers), ("client.id", "sluice")] + settings
        for m in passThrough?.json ?? JSONObject() {
            let value: String
            switch m.value {
            case let .string(s): value = s
            case let .int(i): value = String(i)
            case let .bool(b): value = b ? "true" : "false"
            case let .double(d): value = String(d)
            default: throw SluiceError.config("librdkafka.\(m.key): expected a string, number or boolean")
            }
            all.append((m.key, value))
        }
        var error = [CChar](repeating: 0, count: 512)
        for (name, value) in all where rd_kafka_conf_set(conf, name, value, &error, error.count) != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            throw SluiceError.config("librdkafka.\(name): \(String(cString: error)) (value \(Redaction.isSecretKey(name) ? Redaction.mask : Redaction.redact(value).debugDescription))")
        }
        return conf
    }

    /// `validate`'s check of both components: every property (the
    /// `librdkafka:` pass-through included) set on a configuration that is
    /// then dropped, so a misspelt one fails and no client is created.
    static func checkProperties(_ config: Config) throws {
        rd_kafka_conf_destroy(try make(brokers: brokers(config), settings: [], passThrough: config.object("librdkafka")))
    }

    /// librdkafka's own log lines go through the host's logger: syslog
    /// levels 0–3 as warnings (the component retries what they report), 4 and
    /// 5 as info, the rest as debug.
    static func routeLogs(_ conf: OpaquePointer, to host: PluginHost) {
        rd_kafka_conf_set_log_cb(conf, kafkaLog)
        LogRoute.host = host
    }

    /// How long create waits for the cluster's metadata. The engine retries
    /// a create that reports "not ready" until `engine.startup_timeout_ms`.
    static let probeTimeoutMillis: Int32 = 3000

    /// Asks the cluster for its metadata, so that a broker that is down, or a
    /// port that does not speak Kafka, is reported at start ("not ready", then
    /// a failed run) instead of logging connection errors for ever. On
    /// failure `rk` is destroyed.
    static func probe(_ rk: OpaquePointer, brokers: String) throws {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 0, nil, &metadata, probeTimeoutMillis)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(rk)
            throw SluiceError.retriable("no Kafka broker answered at \(brokers) within \(probeTimeoutMillis) ms (\(errorName(err)))")
        }
    }

    static func brokers(_ config: Config) throws -> String {
        if config["brokers"]?.array != nil { return try config.strings("brokers")!.joined(separator: ",") }
        return try config.requiredString("brokers")
    }

    static func errorName(_ err: rd_kafka_resp_err_t) -> String {
        "\(String(cString: rd_kafka_err2name(err))): \(String(cString: rd_kafka_err2str(err)))"
    }

    /// Errors retrying cannot fix; everything else (timeouts, leader
    /// changes, a broker that went away) is retried.
    static func isPermanent(_ err: rd_kafka_resp_err_t) -> Bool {
        [RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_MSG, RD_KAFKA_RESP_ERR_INVALID_RECORD,
         RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
         RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
         RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS].contains(err)
    }

    static let commonSchema = #"""
       "brokers": {"type": ["string", "array"], "items": {"type": "string"}, "description": "host:port list (bootstrap.servers)"},
       "librdkafka": {"type": "object", "description": "any librdkafka property, e.g. security.protocol, sasl.mechanisms"}
    """#
}

/// The host to log librdkafka lines to (one per plugin library; the
/// callback cannot capture).
enum LogRoute {
    nonisolated(unsafe) static var host: PluginHost?
}

private let kafkaLog: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = { _, level, facility, message in
    guard let host = LogRoute.host, let message else { return }
    let text = "librdkafka \(facility.map { String(cString: $0) } ?? ""): \(String(cString: message))"
    host.log(level <= 3 ? .warning : level <= 5 ? .info : .debug, text)
}
