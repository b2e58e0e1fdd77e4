import Foundation
import SluiceSDK

/// A manifest checked against its plugins: every component resolved, every
/// config valid, the graph acyclic and connected.
public struct PipelinePlan: Sendable {
    public struct Node: Sendable {
        public let spec: ComponentSpec
        public let component: ComponentInfo
        public let plugin: LoadedPlugin

        /// How its workers share its records: the manifest's `spread:`, else the component's default.
        public var spread: Spread { spec.spread ?? .default(keyedState: component.keyedState) }
    }

    public let manifest: Manifest
    /// In an order where every component comes after its inputs.
    public let nodes: [Node]
    /// What is legal but probably a mistake (an output nobody reads), each with its place.
    public let warnings: [ManifestError]

    public var settings: EngineSettings { manifest.engine }

    public func node(_ name: String) -> Node? { nodes.first { $0.spec.name == name } }

    /// The `pipeline` label of its metrics: the manifest's file name without its extension.
    public var pipelineName: String {
        let file = URL(fileURLWithPath: manifest.file).deletingPathExtension().lastPathComponent
        return file.isEmpty ? "pipeline" : file
    }

    /// The wires out of `name`: per output index (0 the default), which
    /// component reads it on which of its input ports.
    public func routes(of name: String) -> [[(consumer: String, port: Int)]] {
        guard let producer = node(name) else { return [] }
        var routes = Array(repeating: [(consumer: String, port: Int)](), count: 1 + producer.component.outputs.count)
        for n in nodes {
            for (port, ref) in n.spec.inputReferences.enumerated() where ref.component == name {
                if let output = producer.component.outputIndex(ref.output) { routes[output].append((n.spec.name, port)) }
            }
        }
        return routes
    }

    /// Whether two input ports of `name` are fed, directly or through
    /// processors, by one component (a source fanned out to both). Such a
    /// component can block on one port's full queue before it sends to the
    /// other, so that port must not wait for the other (`InputAlignment`).
    public func inputsShareAnUpstream(_ name: String) -> Bool {
        guard let consumer = node(name) else { return false }
        var seen: Set<String> = []
        for ref in consumer.spec.inputReferences {
            var upstream: Set<String> = [ref.component]
            var next = [ref.component]
            while let component = next.popLast() {
                for input in node(component)?.spec.inputReferences ?? [] where upstream.insert(input.component).inserted {
                    next.append(input.component)
                }
            }
            guard seen.isDisjoint(with: upstream) else { return true }
            seen.formUnion(upstream)
        }
        return false
    }

    /// Whether what `name` emits reaches, directly or through processors, a
    /// sink that writes source texts (`ComponentInfo.readsText`) in the host
    /// and without a disk buffer (neither a child process nor the buffer
    /// carries texts): only then does a source's text earn its copy.
    public func feedsTextReader(_ name: String) -> Bool {
        var seen: Set<String> = [name]
        var next = [name]
        while let producer = next.popLast() {
            for (consumer, _) in routes(of: producer).joined() where seen.insert(consumer).inserted {
                guard let n = node(consumer) else { continue }
                if n.spec.role == .sink {
                    if n.component.readsText, n.spec.isolation != .process, n.spec.buffer?.kind != .disk { return true }
                } else {
                    next.append(consumer)
                }
            }
        }
        return false
    }
}
