import Foundation
import SluiceSDK
import Yams

/// Reads a YAML manifest into a `Manifest`, collecting every structural
/// error with its file, line, column and key. Wiring and config checks that
/// need the plugins happen later, in `PipelinePlanner`.
public struct ManifestParser {
    let file: String
    let environment: EnvironmentSubstitution
    private var errors: [ManifestError] = []
    private var literalSecrets: [ManifestError] = []

    static let topLevelKeys = ["plugins", "sources", "processors", "sinks", "dead_letter", "engine"]
    static let componentKeys = ["use", "inputs", "config", "batch", "workers", "spread", "buffer", "retry", "isolation"]

    public static func parse(file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Manifest {
        let (manifest, errors) = read(file: file, environment: environment)
        guard let manifest, errors.isEmpty else { throw ManifestErrors(errors: errors) }
        return manifest
    }

    public static func parse(text: String, file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Manifest {
        let (manifest, errors) = read(text: text, file: file, environment: environment)
        guard let manifest, errors.isEmpty else { throw ManifestErrors(errors: errors) }
        return manifest
    }

    /// The manifest as far as it could be read, and every structural error:
    /// `PipelinePlanner` goes on with what was read, so one pass reports the
    /// errors of every layer. nil when the file or its YAML cannot be read.
    public static func read(file: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (Manifest?, [ManifestError])
    {
        let text: String
        do {
            text = try TextFile.read(file)
        } catch {
            return (nil, [ManifestError(nil, key: "", "\(file): cannot read the manifest: \(error.reason)")])
        }
        return read(text: text, file: file, environment: environment)
    }

    public static func read(text: String, file: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (Manifest?, [ManifestError])
    {
        var parser = ManifestParser(file: file, environment: EnvironmentSubstitution(environment: environment))
        let root: Node?
        do {
            root = try YAMLTyping.compose(text)
        } catch let YamlError.parser(context, problem, mark, _), let YamlError.scanner(context, problem, mark, _) {
            return (nil, [ManifestError(parser.loc(mark), key: "",
                                        "invalid YAML: \(explain(problem, at: mark, in: text))\(started(context, before: mark))")])
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            let key = duplicates.first ?? "", first = context.mark
            guard let repeated = DuplicateKey.repeated(key, first: first, in: text) else {
                return (nil, [ManifestError(parser.loc(first), key: "", "invalid YAML: the key '\(key)' is written again later in this mapping")])
            }
            return (nil, [ManifestError(parser.loc(repeated), key: "",
                                        "invalid YAML: the key '\(key)' is written twice in one mapping (first at line \(first.line), column \(first.column))")])
        } catch {
            return (nil, [ManifestError(SourceLocation(file: file, line: 1, column: 1), key: "", "invalid YAML: \(error)")])
        }
        if let root, AliasExpansion.expandedSize(root) == nil {
            return (nil, [ManifestError(parser.loc(root.mark), key: "",
                                        "the YAML expands to more than \(AliasExpansion.maxNodes) nodes through its aliases (*name); a manifest this large is refused")])
        }
        var manifest = parser.manifest(root)
        manifest.literalSecrets = parser.literalSecrets
        return (manifest, parser.errors)
    }

    /// libyaml's words, plus what a tab is: YAML forbids tabs for indentation,
    /// and "found character that cannot start any token" does not say so.
    static func explain(_ problem: String, at mark: Mark, in text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return problem }
        let line = lines[mark.line - 1]
        let column = line.index(line.startIndex, offsetBy: max(0, min(mark.column - 1, line.count)), limitedBy: line.endIndex) ?? line.endIndex
        if line.contains("\t"), line[..<column].allSatisfy({ $0 == " " || $0 == "\t" }) || (column < line.endIndex && line[column] == "\t") {
            return "\(problem) (a tab: YAML indents with spaces only)"
        }
        return problem
    }

    /// Where the construct libyaml was reading began, when on an earlier
    /// line: it reports a problem where it noticed it, which for an unclosed
    /// `{` or `[` or quote is the next line that cannot continue it, so the
    /// mistake itself sits at the start.
    static func started(_ context: YamlError.Context?, before mark: Mark) -> String {
        guard let context, context.mark.line < mark.line else { return "" }
        return " (\(context.text) that starts at line \(context.mark.line), column \(context.mark.column))"
    }

    func loc(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private mutating func report(_ node: Node?, _ key: String, _ message: String) {
        errors.append(ManifestError(loc(node?.mark), key: key, message))
    }

    private mutating func manifest(_ root: Node?) -> Manifest {
        var m = Manifest(file: file, plugins: [], components: [], deadLetter: nil, engine: EngineSettings())
        guard let root, case let .mapping(top) = root else {
            report(root, "", "a manifest is a mapping with sources:, processors: and sinks:")
            return m
        }
        for (k, v) in top {
            let key = k.string ?? ""
            switch key {
            case "plugins": m.plugins = plugins(v)
            case "sources": m.components += components(v, role: .source, section: key)
            case "processors": m.components += components(v, role: .processor, section: key)
            case "sinks": m.components += components(v, role: .sink, section: key)
            case "dead_letter":
                m.deadLetter = scalar(v, "dead_letter")
                m.deadLetterLocation = loc(v.mark)
            case "engine": m.engine = engine(v)
            default: report(k, key, "unknown key\(Self.suggestion(key, Self.topLevelKeys))")
            }
        }
        var seen: [String: SourceLocation] = [:]
        for c in m.components {
            if let first = seen[c.name] {
                errors.append(ManifestError(c.location, key: c.name, "component name already used at line \(first.line)"))
            }
            seen[c.name] = c.location
        }
        if !m.components.contains(where: { $0.role == .source }) {
            report(root, "sources", "a pipeline needs at least one source")
        }
        return m
    }

    private mutating func scalar(_ node: Node, _ key: String) -> String? {
        guard case let .scalar(s) = node else {
            report(node, key, "expected a single value")
            return nil
        }
        do {
            return try environment.expand(s.string)
        } catch EnvironmentSubstitution.Failure.undefined(let name) {
            report(node, key, "environment variable \(name) is not set (use ${\(name):-default} for a default)")
        } catch {
            report(node, key, "unterminated ${ in \(s.string.debugDescription)")
        }
        return nil
    }

    private mutating func plugins(_ node: Node) -> [PluginReference] {
        guard case let .sequence(items) = node else {
            report(node, "plugins", "expected a list of plugin names or {path:, sha256:} entries")
            return []
        }
        var out: [PluginReference] = []
        for (i, item) in items.enumerated() {
            let key = "plugins[\(i)]"
            switch item {
            case .scalar:
                if let name = scalar(item, key) { out.append(PluginReference(name: name, location: loc(item.mark))) }
            case let .mapping(map):
                var ref = PluginReference(location: loc(item.mark))
                for (k, v) in map {
                    let field = k.string ?? ""
                    switch field {
                    case "name": ref.name = scalar(v, "\(key).name")
                    case "path": ref.path = scalar(v, "\(key).path")
                    case "sha256":
                        ref.sha256 = scalar(v, "\(key).sha256")?.lowercased()
                        if let h = ref.sha256, h.count != 64 || !h.allSatisfy(\.isHexDigit) {
                            report(v, "\(key).sha256", "expected 64 hexadecimal digits")
                        }
                    default: report(k, "\(key).\(field)", "unknown key\(Self.suggestion(field, ["name", "path", "sha256"]))")
                    }
                }
                if ref.name == nil, ref.path == nil { report(item, key, "needs name: or path:") }
                out.append(ref)
            default: report(item, key, "expected a plugin name or a mapping")
            }
        }
        return out
    }

    private mutating func components(_ node: Node, role: ComponentRole, section: String) -> [ComponentSpec] {
        guard case let .mapping(map) = node else {
            report(node, section, "expected a mapping of component names to definitions")
            return []
        }
        var out: [ComponentSpec] = []
        for (k, v) in map {
            let name = k.string ?? ""
            let key = "\(section).\(name)"
            guard Self.isComponentName(name) else {
                report(k, key, "component names use letters, digits, _ and -")
                continue
            }
            guard case let .mapping(body) = v else {
                report(v, key, "expected a mapping with use:")
                continue
            }
            var spec = ComponentSpec(name: name, role: role, use: "", inputs: [], config: JSONObject(), batch: nil,
                                     location: loc(k.mark), useLocation: loc(k.mark), inputLocations: [],
                                     configLocations: ["": loc(v.mark)])
            for (fk, fv) in body {
                let field = fk.string ?? ""
                switch field {
                case "use":
                    spec.use = scalar(fv, "\(key).use") ?? ""
                    spec.useLocation = loc(fv.mark)
                    if spec.componentName.isEmpty {
                        report(fv, "\(key).use", "expected plugin.component, e.g. faker.generate")
                    }
                case "inputs":
                    let items: [Node]
                    switch fv {
                    case .scalar: items = [fv]
                    case let .sequence(s): items = Array(s)
                    default: report(fv, "\(key).inputs", "expected a component name or a list of them"); items = []
                    }
                    for item in items {
                        if let input = scalar(item, "\(key).inputs") {
                            spec.inputs.append(input)
                            spec.inputLocations.append(loc(item.mark))
                        }
                    }
                case "config":
                    var locations: [String: SourceLocation] = [:]
                    if case let .object(o) = json(fv, key: "\(key).config", pointer: "", locations: &locations) {
                        spec.config = o
                    } else {
                        report(fv, "\(key).config", "expected a mapping")
                    }
                    spec.configLocations = locations
                case "batch": spec.batch = batch(fv, key: "\(key).batch")
                case "workers":
                    spec.workersLocation = loc(fk.mark)
                    spec.workers = integer(fv, "\(key).workers", min: 1) ?? spec.workers
                case "spread":
                    spec.spreadLocation = loc(fv.mark)
                    if role == .source {
                        report(fk, "\(key).spread", "spread: applies to processors and sinks (each reader of a split source emits its own part)")
                    } else if let text = scalar(fv, "\(key).spread") {
                        spec.spread = Spread(rawValue: text)
                        if spec.spread == nil {
                            report(fv, "\(key).spread", "expected one of: \(Spread.allCases.map(\.rawValue).joined(separator: ", ")), got \(text.debugDescription)")
                        }
                    }
                case "isolation":
                    let text = scalar(fv, "\(key).isolation") ?? ""
                    if let isolation = Isolation(rawValue: text) {
                        spec.isolation = isolation
                    } else {
                        report(fv, "\(key).isolation", "expected one of \(Isolation.allCases.map(\.rawValue).joined(separator: ", ")), got \(text.debugDescription)")
                    }
                case "retry":
                    if role == .source {
                        report(fk, "\(key).retry", "a source retries inside its plugin; retry: is for processors and sinks")
                    } else {
                        spec.retry = retry(fv, key: "\(key).retry")
                    }
                case "buffer":
                    if role == .sink {
                        spec.buffer = buffer(fv, key: "\(key).buffer")
                    } else {
                        report(fk, "\(key).buffer", "only a sink has a buffer")
                    }
                default: report(fk, "\(key).\(field)", "unknown key\(Self.suggestion(field, Self.componentKeys))")
                }
            }
            if spec.use.isEmpty, !body.contains(where: { $0.key.string == "use" }) {
                report(k, key, "missing use: (plugin.component)")
            }
            if role == .source, !spec.inputs.isEmpty {
                report(k, "\(key).inputs", "a source takes no inputs")
            }
            out.append(spec)
        }
        return out
    }

    /// Converts YAML to JSON, expanding ${ENV} in strings and recording where each key was written.
    private mutating func json(_ node: Node, key: String, pointer: String, locations: inout [String: SourceLocation]) -> JSONValue {
        locations[pointer] = loc(node.mark)
        switch node {
        case let .scalar(s):
            guard let text = scalar(node, key) else { return .null }
            if let last = key.split(separator: ".").last, Redaction.isSecretKey(String(last)), !s.string.contains("${"), !text.isEmpty {
                literalSecrets.append(ManifestError(loc(node.mark), key: key,
                                                    "a secret written in clear; put it in the environment and write ${\(String(last).uppercased().replacingOccurrences(of: "-", with: "_"))} instead"))
            }
            return s.style == .plain ? YAMLTyping.value(of: text, written: s) : .string(text)
        case let .sequence(items):
            return .array(items.enumerated().map { json($0.element, key: "\(key)[\($0.offset)]", pointer: "\(pointer)/\($0.offset)", locations: &locations) })
        case let .mapping(map):
            var o = JSONObject()
            for (k, v) in map {
                let name = k.string ?? ""
                locations["\(pointer)/\(name)"] = loc(k.mark)
                o[name] = json(v, key: "\(key).\(name)", pointer: "\(pointer)/\(name)", locations: &locations)
                locations["\(pointer)/\(name)"] = loc(k.mark)
            }
            return .object(o)
        case .alias:
            report(node, key, "YAML aliases are not supported in config")
            return .null
        }
    }

    private mutating func integer(_ node: Node, _ key: String, min: Int = 0) -> Int? {
        guard let text = scalar(node, key) else { return nil }
        guard let v = Int(text), v >= min else {
            report(node, key, "expected an integer ≥ \(min), got \(text.debugDescription)")
            return nil
        }
        return v
    }

    private mutating func ratio(_ node: Node, _ key: String) -> Double? {
        guard let text = scalar(node, key) else { return nil }
        guard let v = Double(text), v >= 0, v <= 1 else {
            report(node, key, "expected a number from 0 to 1, got \(text.debugDescription)")
            return nil
        }
        return v
    }

    private mutating func batch(_ node: Node, key: String) -> BatchSettings? {
        guard case let .mapping(map) = node else {
            report(node, key, "expected a mapping with max_records and max_wait_ms")
            return nil
        }
        var b = BatchSettings()
        for (k, v) in map {
            let field = k.string ?? ""
            switch field {
            case "max_records": b.maxRecords = integer(v, "\(key).\(field)", min: 1) ?? b.maxRecords
            case "max_wait_ms": b.maxWaitMillis = integer(v, "\(key).\(field)") ?? b.maxWaitMillis
            default: report(k, "\(key).\(field)", "unknown key\(Self.suggestion(field, ["max_records", "max_wait_ms"]))")
            }
        }
        return b
    }

    /// A path the host writes, resolved against the manifest's folder;
    /// reported here if it cannot be written.
    private mutating func writable(_ node: Node, _ key: String, folder: Bool) -> String? {
        guard let text = scalar(node, key) else { return nil }
        let path = ManifestPaths.resolve(text, relativeTo: file)
        if path != "-", let problem = WritablePath.problem(path, folder: folder) { report(node, key, problem) }
        return path
    }

    private mutating func retry(_ node: Node, key: String) -> RetrySettings? {
        guard case let .mapping(map) = node else {
            report(node, key, "expected a mapping such as {max_attempts: 10}")
            return nil
        }
        var r = RetrySettings()
        for (k, v) in map {
            let field = k.string ?? ""
            let fieldKey = "\(key).\(field)"
            switch field {
            case "max_attempts": r.maxAttempts = integer(v, fieldKey) ?? r.maxAttempts
            case "initial_backoff_ms": r.initialBackoffMillis = integer(v, fieldKey, min: 1)
            case "max_backoff_ms": r.maxBackoffMillis = integer(v, fieldKey, min: 1)
            case "breaker_failures": r.breakerFailures = integer(v, fieldKey) ?? r.breakerFailures
            case "breaker_cool_down_ms": r.breakerCoolDownMillis = integer(v, fieldKey, min: 1)
            default: report(k, fieldKey, "unknown key\(Self.suggestion(field, RetrySettings.keys))")
            }
        }
        return r
    }

    private mutating func buffer(_ node: Node, key: String) -> BufferSettings? {
        guard case let .mapping(map) = node else {
            report(node, key, "expected a mapping with type: memory or disk")
            return nil
        }
        var b = BufferSettings()
        for (k, v) in map {
            let field = k.string ?? ""
            switch field {
            case "type":
                let text = scalar(v, "\(key).type") ?? ""
                if let kind = BufferSettings.Kind(rawValue: text) {
                    b.kind = kind
                } else {
                    report(v, "\(key).type", "expected one of \(BufferSettings.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \(text.debugDescription)")
                }
            case "max_bytes": b.maxBytes = integer(v, "\(key).max_bytes", min: 4096) ?? b.maxBytes
            case "path": b.path = writable(v, "\(key).path", folder: true)
            default: report(k, "\(key).\(field)", "unknown key\(Self.suggestion(field, BufferSettings.keys))")
            }
        }
        return b
    }

    private mutating func engine(_ node: Node) -> EngineSettings {
        var e = EngineSettings()
        guard case let .mapping(map) = node else {
            report(node, "engine", "expected a mapping")
            return e
        }
        let known = ["queue_capacity", "batch", "tick_interval_ms", "flush_interval_ms", "drain_timeout_ms",
                     "initial_backoff_ms", "max_backoff_ms", "startup_timeout_ms", "call_timeout_ms", "dead_letter_path", "state_dir", "max_dead_letter_ratio"]
        for (k, v) in map {
            let field = k.string ?? ""
            let key = "engine.\(field)"
            switch field {
            case "queue_capacity": e.queueCapacity = integer(v, key, min: 1) ?? e.queueCapacity
            case "batch": e.batch = batch(v, key: key) ?? e.batch
            case "tick_interval_ms": e.tickIntervalMillis = integer(v, key, min: 1) ?? e.tickIntervalMillis
            case "flush_interval_ms": e.flushIntervalMillis = integer(v, key, min: 1) ?? e.flushIntervalMillis
            case "drain_timeout_ms": e.drainTimeoutMillis = integer(v, key) ?? e.drainTimeoutMillis
            case "initial_backoff_ms": e.initialBackoffMillis = integer(v, key, min: 1) ?? e.initialBackoffMillis
            case "max_backoff_ms": e.maxBackoffMillis = integer(v, key, min: 1) ?? e.maxBackoffMillis
            case "startup_timeout_ms": e.startupTimeoutMillis = integer(v, key) ?? e.startupTimeoutMillis
            case "call_timeout_ms": e.callTimeoutMillis = integer(v, key) ?? e.callTimeoutMillis
            case "dead_letter_path": e.deadLetterPath = writable(v, key, folder: false) ?? e.deadLetterPath
            case "state_dir":
                e.stateDirectory = writable(v, key, folder: true) ?? e.stateDirectory
                e.namesStateDirectory = true
            case "max_dead_letter_ratio": e.maxDeadLetterRatio = ratio(v, key) ?? e.maxDeadLetterRatio
            default: report(k, key, "unknown key\(Self.suggestion(field, known))")
            }
        }
        return e
    }

    /// Whether `name` is one or more ASCII letters, digits, `_` and `-`.
    /// A byte scan: an NSRegularExpression here started ICU's regex engine on every run.
    static func isComponentName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { b in
            (0x41 ... 0x5A).contains(b) || (0x61 ... 0x7A).contains(b) || (0x30 ... 0x39).contains(b) || b == 0x5F || b == 0x2D
        }
    }

    /// ", did you mean 'x'?" for a near miss among `known`.
    public static func suggestion(_ word: String, _ known: [String]) -> String {
        let best = known.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        if let best, best.1 <= max(2, word.count / 3) { return "; did you mean '\(best.0)'?" }
        return " (expected one of: \(known.joined(separator: ", ")))"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0 ... b.count)
        for i in 1 ... a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1 ... b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
