import SluiceFormats
import SluiceSDK

/// The `join` component's config, read and checked once.
public struct JoinConfig: Sendable {
    /// One side: which inputs feed it, its key and where its event time is.
    public struct SideConfig: Sendable {
        /// Input names (from the instance's `inputs:`); nil takes the input at the side's position.
        public let inputs: [String]?
        public let key: KeyFields
        /// Where the event time is; nil uses the time the source gave the record.
        public let time: EventTime?
        /// The side's field in nested output, and its field-name prefix in flat output.
        public let name: String
        public let prefix: String
        /// Selects this side's records among an input's, when one input feeds both sides.
        public let when: FieldEquals?

        init(_ config: Config, side: Side) throws {
            let label = side == .left ? "left" : "right"
            inputs = try Self.strings(config, "input", label)
            guard let key = try Self.strings(config, "key", label), !key.isEmpty else {
                throw SluiceError.config("\(label).key: required (a field path or a list of them)")
            }
            self.key = KeyFields(key)
            do {
                time = try config.object("time").map { try EventTime($0) }
            } catch let error as SluiceError {
                throw SluiceError.config("\(label).time.\(error)")
            }
            name = try config.string("as", default: label)
            prefix = try config.string("prefix", default: name + "_")
            do {
                when = try FieldEquals(config.object("when"))
            } catch let error as SluiceError {
                throw SluiceError.config("\(label).\(error)")
            }
        }

        /// A string or a list of strings.
        private static func strings(_ config: Config, _ key: String, _ label: String) throws -> [String]? {
            if let one = config[key]?.string { return [one] }
            do { return try config.strings(key) } catch { throw SluiceError.config("\(label).\(key): expected a string or a list of strings") }
        }
    }

    /// What becomes of the window when the pipeline drains.
    public enum OnStop: String, Sendable {
        /// Drain: every unmatched row of a preserved side comes out, and every hold is released.
        case emit
        /// Keep the state held: the source replays it after a restart and the window is rebuilt.
        case replay
    }

    public let settings: JoinSettings
    public let left: SideConfig
    public let right: SideConfig
    public let shape: JoinedDocument.Shape
    public let onStop: OnStop
    /// Late rows go unchanged to the `late` output (true) or to the dead-letter
    /// queue with the reason (false); nil: to the output when it is wired.
    public let lateToOutput: Bool?

    public static let schema = #"""
    {"type": "object", "additionalProperties": false, "required": ["left", "right", "between"],
     "$defs": {
       "names": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
       "side": {"type": "object", "additionalProperties": false, "required": ["key"],
         "properties": {
           "input": {"$ref": "#/$defs/names", "description": "input name(s) of this side; default: the first (left) or second (right) input"},
           "key": {"$ref": "#/$defs/names", "description": "key field path(s); a list is a composite key"},
           "time": {"type": "object", "required": ["field"], "additionalProperties": false,
                    "properties": {"field": {"type": "string", "description": "top-level field holding the row's event time: a BSON date, a string in format, or a number with epoch_s or epoch_ms; a row without it is dead-lettered"},
                                   "format": {"type": "string", "description": "iso8601 (default), epoch_s, epoch_ms or a pattern like MM/dd/yyyy hh:mm:ss a"},
                                   "timezone": {"type": "string", "description": "for times without an offset: UTC (default), +05:30 or an IANA name (America/Chicago)"}},
                    "description": "event time field and format (iso8601, epoch_s, epoch_ms or a pattern); default: the record's event time"},
           "as": {"type": "string", "description": "the side's field in nested output (default left / right)"},
           "prefix": {"type": "string", "description": "field-name prefix in flat output (default: as + '_')"},
           "when": {"type": "object", "additionalProperties": false, "required": ["field", "equals"],
                    "properties": {"field": {"type": "string", "description": "dotted path of a string field"},
                                   "equals": {"type": "string", "description": "the value that marks a record as this side's; any other, or none, is not"}},
                    "description": "this side's records of an input that feeds both sides: field (a dotted path) equals the string, e.g. {field: kafka.topic, equals: orders} for one kafka.read of two co-partitioned topics"}}}},
     "properties": {
       "type": {"enum": ["inner", "left", "right", "full"], "description": "inner (default): pairs only; left, right, full: also each row of the left, right or both sides that matched nothing, once it expires, with null for the other side"},
       "left": {"$ref": "#/$defs/side", "description": "the left side: its input(s), key and event time"},
       "right": {"$ref": "#/$defs/side", "description": "the right side: its input(s), key and event time"},
       "between": {"type": "object", "additionalProperties": false, "required": ["lower_ms", "upper_ms"],
                   "description": "right.time BETWEEN left.time - lower_ms AND left.time + upper_ms, inclusive",
                   "properties": {"lower_ms": {"type": "integer", "description": "the interval starts this many ms before left.time (negative: after it)"},
                                  "upper_ms": {"type": "integer", "description": "the interval ends this many ms after left.time (negative: before it); lower_ms + upper_ms must not be negative"}}},
       "max_out_of_orderness_ms": {"type": "integer", "minimum": 0, "description": "how far behind its input's newest event time a row may arrive and still count as in order: an input's watermark is its newest event time minus this (5000)"},
       "allowed_lateness_ms": {"type": "integer", "minimum": 0, "description": "a row more than this behind the watermark is late (see late); rows stay in state this much longer (0)"},
       "idle_timeout_ms": {"type": "integer", "minimum": 0, "description": "an input that delivered nothing for this long stops holding the watermark back, so outer rows still come out while it is quiet (10000); 0: an input is never idle"},
       "max_rows": {"type": "integer", "minimum": 1, "maximum": 2147483647, "description": "rows kept in state, both sides together (1000000; at most 2^31 - 1); past it the watermark moves past the row that expires first, which leaves as it would have, and any row it could have matched is late (overflow_evictions_total)"},
       "output": {"enum": ["nested", "flat"], "description": "nested (default): each row under its side's as, null for an outer row's missing side; flat: both rows' fields in one document, each name led by its side's prefix; on a clash the left field wins"},
       "late": {"enum": ["dead_letter", "output"], "description": "where late rows go: the `late` output (wire it as join.late) or the dead-letter queue with the reason; default: the output when the manifest wires it, else the dead-letter queue"},
       "on_stop": {"enum": ["emit", "replay"], "description": "when a stop is requested (SIGINT, SIGTERM, --duration, --max-records used up): emit (default) sends every unmatched row the join type keeps, then releases every hold; replay emits nothing and keeps the window's rows held, so the sources do not commit them and a restart rebuilds the window by replay. When the inputs end by themselves, both emit every unmatched row"}
     }}
    """#

    public init(_ config: Config) throws {
        guard let between = try config.object("between") else { throw SluiceError.config("between: required") }
        let typeName = try config.string("type", default: "inner")
        guard let type = JoinType(rawValue: typeName) else { throw SluiceError.config("type: unknown \(typeName.debugDescription)") }
        settings = JoinSettings(
            lower: Int64(try between.int("lower_ms") ?? 0), upper: Int64(try between.int("upper_ms") ?? 0), type: type,
            maxOutOfOrderness: Int64(try config.int("max_out_of_orderness_ms", default: 5000)),
            allowedLateness: Int64(try config.int("allowed_lateness_ms", default: 0)),
            idleTimeout: Int64(try config.int("idle_timeout_ms", default: 10000)),
            maxRows: try config.int("max_rows", default: 1_000_000))
        if let problem = settings.problem { throw SluiceError.config(problem) }
        guard let left = try config.object("left"), let right = try config.object("right") else {
            throw SluiceError.config("left and right: required")
        }
        self.left = try SideConfig(left, side: .left)
        self.right = try SideConfig(right, side: .right)
        let shapeName = try config.string("output", default: "nested")
        guard let shape = JoinedDocument.Shape(rawValue: shapeName) else { throw SluiceError.config("output: unknown \(shapeName.debugDescription)") }
        self.shape = shape
        let stop = try config.string("on_stop", default: "emit")
        guard let onStop = OnStop(rawValue: stop) else { throw SluiceError.config("on_stop: unknown \(stop.debugDescription)") }
        self.onStop = onStop
        switch try config.string("late") {
        case nil: lateToOutput = nil
        case "output": lateToOutput = true
        case "dead_letter": lateToOutput = false
        case let other?: throw SluiceError.config("late: unknown \(other.debugDescription)")
        }
    }

    public func side(_ side: Side) -> SideConfig { side == .left ? left : right }

    /// The streams the instance's inputs feed, in `inputs:` order: one per
    /// input, or two for an input both sides read with `when`.
    public func streams(inputNames: [String]) throws -> [JoinStream] {
        guard left.inputs != nil || right.inputs != nil else {
            guard inputNames.count == 2 else {
                throw SluiceError.config("inputs: a join without left.input / right.input reads exactly two inputs (left, right), got \(inputNames.count)")
            }
            return [stream(0, .left, inputNames), stream(1, .right, inputNames)]
        }
        for (label, names) in [("left", left.inputs), ("right", right.inputs)] {
            for name in names ?? [] where !inputNames.contains(name) {
                throw SluiceError.config("\(label).input: \(name.debugDescription) is not among inputs: \(inputNames)")
            }
        }
        var streams: [JoinStream] = []
        for (port, name) in inputNames.enumerated() {
            let onLeft = left.inputs?.contains(name) ?? false, onRight = right.inputs?.contains(name) ?? false
            switch (onLeft, onRight) {
            case (true, true):
                guard left.when != nil, right.when != nil else {
                    throw SluiceError.config("input \(name.debugDescription) is on both sides; give each side a `when` to tell its records apart")
                }
                streams += [stream(port, .left, inputNames, both: true), stream(port, .right, inputNames, both: true)]
            case (true, false): streams.append(stream(port, .left, inputNames))
            case (false, true): streams.append(stream(port, .right, inputNames))
            case (false, false):
                // The side without an explicit list takes the remaining inputs.
                if left.inputs == nil {
                    streams.append(stream(port, .left, inputNames))
                } else if right.inputs == nil {
                    streams.append(stream(port, .right, inputNames))
                } else {
                    throw SluiceError.config("input \(name.debugDescription) is in inputs: but on neither side")
                }
            }
        }
        guard streams.contains(where: { $0.side == .left }), streams.contains(where: { $0.side == .right }) else {
            throw SluiceError.config("inputs: each side needs at least one input")
        }
        return streams
    }

    private func stream(_ port: Int, _ side: Side, _ inputNames: [String], both: Bool = false) -> JoinStream {
        let config = self.side(side)
        return JoinStream(port: port, side: side, when: both ? config.when : nil,
                          name: both ? "\(inputNames[port]).\(config.name)" : inputNames[port])
    }
}
