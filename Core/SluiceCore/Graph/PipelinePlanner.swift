import Foundation
import Logging
import SluiceSchema
import SluiceSDK

/// Resolves a manifest against its plugins and checks everything that can be
/// checked without starting anything: what `sluice validate` runs.
public struct PipelinePlanner {
    let loader: PluginLoader
    /// Where components' `check` calls log.
    let logger: Logger

    public init(loader: PluginLoader, logger: Logger = Logger(label: "sluice.check")) {
        self.loader = loader
        self.logger = logger
    }

    /// Reads and plans a manifest file, reporting every error of every layer
    /// (YAML structure, plugins, wiring, config schemas, components' own
    /// checks) in one `ManifestErrors`, in the order of the file.
    public func plan(file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PipelinePlan {
        let (manifest, errors) = ManifestParser.read(file: file, environment: environment)
        guard let manifest else { throw ManifestErrors(errors: errors) }
        return try plan(manifest, earlier: errors)
    }

    public func plan(_ manifest: Manifest) throws -> PipelinePlan {
        try plan(manifest, earlier: [])
    }

    private func plan(_ manifest: Manifest, earlier: [ManifestError]) throws -> PipelinePlan {
        var errors = earlier
        for spec in manifest.components { SecretRegistry.register(config: .object(spec.config)) }
        let plugins = loadPlugins(manifest, &errors)
        var nodes: [String: PipelinePlan.Node] = [:]
        let names = Set(manifest.components.map(\.name))

        for spec in manifest.components {
            let key = "\(spec.role.rawValue)s.\(spec.name)"
            guard !spec.componentName.isEmpty else { continue }
            guard let plugin = plugins[spec.pluginName] ?? loadByName(spec.pluginName, spec, &errors) else { continue }
            guard let component = plugin.component(spec.componentName) else {
                let known = plugin.components.map { "\(plugin.name).\($0.name)" }
                errors.append(ManifestError(spec.useLocation, key: "\(key).use",
                                            "plugin \(plugin.name) has no component \(spec.componentName.debugDescription) (it has: \(known.joined(separator: ", ")))"))
                continue
            }
            guard component.role == spec.role else {
                errors.append(ManifestError(spec.useLocation, key: "\(key).use",
                                            "\(spec.use) is a \(component.role.rawValue), but it is declared under \(spec.role.rawValue)s:"))
                continue
            }
            if component.keyedState, spec.spread == .roundRobin, spec.workers > 1 {
                errors.append(ManifestError(spec.spreadLocation ?? spec.location, key: "\(key).spread",
                                            "\(spec.use) keeps state per key or split; spread: round_robin would part a key's records among its \(spec.workers) workers (leave spread: out, or use key)"))
            }
            if spec.role == .source, spec.workers > 1, !component.splitsInput {
                errors.append(ManifestError(spec.workersLocation ?? spec.location, key: "\(key).workers",
                                            "\(spec.use) cannot split its input, so it runs one reader; workers: above 1 applies to a source whose plugin splits its input (SLUICE_COMPONENT_SPLITS_INPUT, such as file.read), and to processors and sinks"))
            }
            var resolved = spec
            let problems = checkConfig(&resolved, component, key: key, manifestFile: manifest.file)
            errors += problems
            nodes[spec.name] = PipelinePlan.Node(spec: resolved, component: component, plugin: plugin)
        }

        errors += Self.filesReadAndWritten(manifest.components.compactMap { nodes[$0.name] })
        if !manifest.components.contains(where: { $0.role == .sink }) {
            errors.append(ManifestError(SourceLocation(file: manifest.file, line: 1, column: 1), key: "sinks",
                                        "a pipeline needs at least one sink: without one, what it reads goes nowhere (file.discard drops records on purpose)"))
        }

        let roles = Dictionary(manifest.components.map { ($0.name, $0.role) }, uniquingKeysWith: { first, _ in first })
        for spec in manifest.components {
            let key = "\(spec.role.rawValue)s.\(spec.name).inputs"
            for (ref, location) in zip(spec.inputReferences, spec.inputLocations) {
                let input = ref.component
                if !names.contains(input) {
                    errors.append(ManifestError(location, key: key,
                                                "unknown component \(input.debugDescription)\(ManifestParser.suggestion(input, Array(names)))"))
                } else if roles[input] == .sink {
                    errors.append(ManifestError(location, key: key, "\(input.debugDescription) is a sink; sinks produce no records to read"))
                } else if input == spec.name {
                    errors.append(ManifestError(location, key: key, "a component cannot read its own output"))
                } else if let output = ref.output, let producer = nodes[input], producer.component.outputIndex(output) == nil {
                    let known = producer.component.outputs
                    let has = known.isEmpty ? "it has only its default output" : "its outputs: \(known.joined(separator: ", "))"
                    errors.append(ManifestError(location, key: key,
                                                "\(input) has no output \(output.debugDescription) (\(has))\(known.isEmpty ? "" : ManifestParser.suggestion(output, known))"))
                }
            }
            let isDeadLetter = spec.name == manifest.deadLetter
            if spec.role != .source, spec.inputs.isEmpty, !isDeadLetter {
                errors.append(ManifestError(spec.location, key: "\(spec.role.rawValue)s.\(spec.name)", "missing inputs: (which components it reads from)"))
            }
            if isDeadLetter, !spec.inputs.isEmpty {
                errors.append(ManifestError(spec.location, key: "sinks.\(spec.name).inputs", "the dead-letter sink receives failed records only; remove its inputs"))
            }
        }
        if let dlq = manifest.deadLetter {
            if manifest.component(dlq)?.role != .sink {
                errors.append(ManifestError(manifest.deadLetterLocation, key: "dead_letter", "\(dlq.debugDescription) is not a sink declared under sinks:"))
            }
        }
        let order = topologicalOrder(manifest, &errors)
        if !errors.isEmpty { throw ManifestErrors(errors: Self.inFileOrder(errors)) }
        return PipelinePlan(manifest: manifest, nodes: order.compactMap { nodes[$0] }, warnings: manifest.literalSecrets + unreadOutputs(manifest, nodes))
    }

    /// Named outputs no component reads: records emitted there are dropped
    /// (and acked), which is rarely meant. A component that asks whether an
    /// output is wired (ABI 1.3) may send them elsewhere instead, as the
    /// join sends late rows to the dead-letter queue: the warning says so.
    private func unreadOutputs(_ manifest: Manifest, _ nodes: [String: PipelinePlan.Node]) -> [ManifestError] {
        let read = Set(manifest.components.flatMap(\.inputReferences))
        let readComponents = Set(read.map(\.component))
        return manifest.components.flatMap { spec -> [ManifestError] in
            guard let node = nodes[spec.name] else { return [] }
            if spec.role != .sink, !readComponents.contains(spec.name) {
                return [ManifestError(spec.location, key: "\(spec.role.rawValue)s.\(spec.name)",
                                      "no component reads \(spec.name): its records go nowhere (name it in a sink's or processor's inputs:)")]
            }
            return node.component.outputs.filter { !read.contains(InputReference("\(spec.name).\($0)")) }.map {
                ManifestError(spec.location, key: "\(spec.role.rawValue)s.\(spec.name)",
                              "output \($0.debugDescription) is read by no component (wire it as inputs: [\(spec.name).\($0)]): records emitted there are dropped, unless \(spec.use) sends them elsewhere when it is not wired (see sluice explain \(spec.use))")
            }
        }
    }

    private func loadPlugins(_ manifest: Manifest, _ errors: inout [ManifestError]) -> [String: LoadedPlugin] {
        var out: [String: LoadedPlugin] = [:]
        for ref in manifest.plugins {
            do {
                let plugin: LoadedPlugin
                if let path = ref.path {
                    let base = URL(fileURLWithPath: manifest.file).deletingLastPathComponent()
                    let resolved = path.hasPrefix("/") ? path : base.appendingPathComponent(path).path
                    plugin = try loader.load(path: resolved, sha256: ref.sha256, alsoUnder: [base.path])
                } else {
                    plugin = try loader.load(name: ref.name!, sha256: ref.sha256)
                }
                if let name = ref.name, name != plugin.name {
                    errors.append(ManifestError(ref.location, key: "plugins", "\(plugin.path) is plugin \(plugin.name.debugDescription), not \(name.debugDescription)"))
                }
                out[plugin.name] = plugin
            } catch {
                errors.append(ManifestError(ref.location, key: "plugins", "\(error)"))
            }
        }
        return out
    }

    /// A sink whose file is one a source reads would empty it (`append:
    /// false`) or feed the source its own output; refused before anything
    /// opens it. Files are the config's path keys (`"format": "path"`),
    /// compared by device and inode when they exist, else by path.
    static func filesReadAndWritten(_ nodes: [PipelinePlan.Node]) -> [ManifestError] {
        func files(_ node: PipelinePlan.Node) -> [(key: String, file: String)] {
            let properties = (try? node.component.configSchema())??.source["properties"]?.object
            return node.spec.config.compactMap { key, value in
                guard properties?[key]?["format"]?.string == "path", let path = value.string, path.hasPrefix("/"), !path.hasPrefix("/dev/")
                else { return nil }
                var st = stat()
                return (key, stat(path, &st) == 0 ? "\(st.st_dev):\(st.st_ino)" : URL(fileURLWithPath: path).standardizedFileURL.path)
            }
        }
        let read = nodes.filter { $0.spec.role == .source }.flatMap { node in files(node).map { (node.spec.name, $0.key, $0.file) } }
        var errors: [ManifestError] = []
        for sink in nodes where sink.spec.role == .sink {
            for (key, file) in files(sink) {
                guard let (source, sourceKey, _) = read.first(where: { $0.2 == file }) else { continue }
                errors.append(ManifestError(sink.spec.configLocations["/" + key] ?? sink.spec.location, key: "sinks.\(sink.spec.name).config.\(key)",
                                            "the file sources.\(source).config.\(sourceKey) reads; writing it would empty it or feed the source its own output (write elsewhere, then rename)"))
            }
        }
        return errors
    }

    private func loadByName(_ name: String, _ spec: ComponentSpec, _ errors: inout [ManifestError]) -> LoadedPlugin? {
        do {
            return try loader.load(name: name)
        } catch {
            errors.append(ManifestError(spec.useLocation, key: "\(spec.role.rawValue)s.\(spec.name).use", "\(error)"))
            return nil
        }
    }

    /// Checks `config:` against the component's schema, resolves its paths
    /// against the manifest's folder, then asks the component itself (ABI
    /// 1.2 `check`), pointing each failure at its line. When the schema
    /// refuses only unknown keys, the config without them still goes to
    /// `check` if the schema accepts what is left, so one pass reports the
    /// problems of both (`check` is promised a config the schema accepts).
    /// A known key with a bad value gets the schema's errors alone.
    private func checkConfig(_ spec: inout ComponentSpec, _ component: ComponentInfo, key: String, manifestFile: String) -> [ManifestError] {
        let schema: JSONSchema?
        do {
            schema = try component.configSchema()
        } catch {
            return [ManifestError(spec.useLocation, key: "\(key).use", "the plugin publishes an invalid config schema: \(error)")]
        }
        var refused = Set<String>()
        var errors: [ManifestError] = []
        if let schema {
            let failures = schema.validate(.object(spec.config))
            errors = failures.map { schemaFailure($0, schema, spec, key: key) }
            refused = Set(failures.map { String($0.path.split(separator: "/").first ?? "") })
            // Leaving out a known key with a bad value changes what the others mean (a
            // misspelt `model` would be `auto` to the check): only unknown keys are left out.
            let onlyUnknownKeys = failures.allSatisfy {
                ["additionalProperties", "unevaluatedProperties"].contains($0.keyword) && $0.path.split(separator: "/").count == 1
            }
            let rest = JSONObject(spec.config.filter { !refused.contains($0.key) })
            guard failures.isEmpty || (onlyUnknownKeys && schema.validate(.object(rest)).isEmpty) else { return errors }
        }
        if case let .object(o) = ManifestPaths.resolve(config: .object(spec.config), schema: schema?.source, relativeTo: manifestFile) {
            spec.config = o
        }
        let spec = spec
        let checked = JSONObject(spec.config.filter { !refused.contains($0.key) })
        return errors + component.check(config: checked, name: spec.name, plugin: spec.pluginName, inputs: spec.inputs, workers: spec.workers,
                                        logger: logger).compactMap { line in
            let (path, location) = Self.configKey(leading: line, in: spec)
            guard let path else { return ManifestError(location, key: "\(key).config", line) }
            // A key the schema refused was left out: what the component says about it repeats the schema or follows from its absence.
            guard !refused.contains(String(path.prefix { $0 != "." && $0 != "[" })) else { return nil }
            return ManifestError(location, key: "\(key).config.\(path)", String(line.dropFirst(path.count + 2)))
        }
    }

    private func schemaFailure(_ f: ValidationFailure, _ schema: JSONSchema, _ spec: ComponentSpec, key: String) -> ManifestError {
        let location = spec.configLocations[f.path] ?? spec.configLocations[""] ?? spec.location
        let dotted = f.path.split(separator: "/").joined(separator: ".")
        let full = dotted.isEmpty ? "\(key).config" : "\(key).config.\(dotted)"
        let reason: String
        switch f.keyword {
        case "additionalProperties":
            let allowed = schema.source["properties"]?.object?.keys ?? []
            let word = String(f.path.split(separator: "/").last ?? "")
            reason = "unknown config key\(allowed.isEmpty ? "" : ManifestParser.suggestion(word, allowed))"
        case "type": reason = "wrong type: \(f.reason)"
        default: reason = f.reason
        }
        return ManifestError(location, key: full, reason)
    }

    /// The config key a component's message starts with ("tls.ca_file: …"
    /// or "left.key[1]: …"), if the manifest wrote it, and where; else the
    /// `config:` mapping itself. A key whose own name has dots
    /// ("librdkafka.sasl.mechanism") points at the longest written prefix.
    static func configKey(leading message: String, in spec: ComponentSpec) -> (String?, SourceLocation) {
        let fallback = spec.configLocations[""] ?? spec.location
        guard let colon = message.range(of: ": ") else { return (nil, fallback) }
        let head = message[..<colon.lowerBound]
        guard !head.isEmpty, head.allSatisfy({ $0.isLetter || $0.isNumber || "._-[]".contains($0) }) else { return (nil, fallback) }
        let parts = head.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "").split(separator: ".")
        for n in stride(from: parts.count, to: 0, by: -1) {
            if let location = spec.configLocations["/" + parts.prefix(n).joined(separator: "/")] { return (String(head), location) }
        }
        return (nil, fallback)
    }

    /// Errors sorted by line so one pass reads like the file; errors without
    /// a line (an unreadable file) first.
    static func inFileOrder(_ errors: [ManifestError]) -> [ManifestError] {
        var seen = Set<String>()
        return errors.enumerated().sorted { a, b in
            let la = a.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            let lb = b.element.location.map { ($0.line, $0.column) } ?? (0, 0)
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element).filter { seen.insert($0.description).inserted }
    }

    /// Kahn's algorithm; components left over sit on a cycle.
    /// Kahn's algorithm over a consumer index, so `validate` stays linear in
    /// the number of components (it scanned every component per node: 17 s at 2,000).
    private func topologicalOrder(_ manifest: Manifest, _ errors: inout [ManifestError]) -> [String] {
        let specs = manifest.components
        let known = Set(specs.map(\.name))
        var indegree: [String: Int] = [:]
        var consumers: [String: [String]] = [:]
        for s in specs {
            let edges = s.producers.filter { known.contains($0) && $0 != s.name }
            indegree[s.name] = edges.count
            for producer in edges { consumers[producer, default: []].append(s.name) }
        }
        var ready = specs.filter { indegree[$0.name] == 0 }.map(\.name)
        var order: [String] = []
        var next = 0
        while next < ready.count {
            let n = ready[next]
            next += 1
            order.append(n)
            for consumer in consumers[n] ?? [] {
                indegree[consumer]! -= 1
                if indegree[consumer] == 0 { ready.append(consumer) }
            }
        }
        // What is left sits on a cycle or downstream of one; peel off the
        // downstream part (nothing left reads it) to name only the cycle.
        let ordered = Set(order)
        var left = Set(specs.filter { !ordered.contains($0.name) && !$0.producers.contains($0.name) }.map(\.name))
        let bySpec = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var readers: [String: Int] = [:]
        for name in left {
            for producer in Set(bySpec[name]!.producers) where left.contains(producer) { readers[producer, default: 0] += 1 }
        }
        var leaves = left.filter { readers[$0, default: 0] == 0 }
        while let leaf = leaves.popFirst() {
            left.remove(leaf)
            for producer in Set(bySpec[leaf]!.producers) where left.contains(producer) {
                readers[producer]! -= 1
                if readers[producer] == 0 { leaves.insert(producer) }
            }
        }
        let cyclic = specs.filter { left.contains($0.name) }
        if let first = cyclic.first {
            let names = Set(cyclic.map(\.name))
            let closing = zip(first.producers, first.inputLocations).first { names.contains($0.0) }
            errors.append(ManifestError(closing?.1 ?? first.location, key: "\(first.role.rawValue)s.\(first.name).inputs",
                                        "cycle in the graph: \(cyclic.map(\.name).joined(separator: " → ")) → \(first.name)"))
        }
        return order
    }
}
