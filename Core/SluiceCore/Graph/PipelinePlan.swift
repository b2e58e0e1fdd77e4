import SluiceSDK

/// A manifest checked against its plugins: every component resolved, every
/// config valid, the graph acyclic and connected.
public struct PipelinePlan: @unchecked Sendable {
    public struct Node: @unchecked Sendable {
        public let spec: ComponentSpec
        public let component: ComponentInfo
        public let plugin: LoadedPlugin
    }

    public let manifest: Manifest
    /// In an order where every component comes after its inputs.
    public let nodes: [Node]

    public var settings: EngineSettings { manifest.engine }

    public func node(_ name: String) -> Node? { nodes.first { $0.spec.name == name } }

    /// Names of the components that list `name` as an input.
    public func consumers(of name: String) -> [String] {
        nodes.filter { $0.spec.inputs.contains(name) }.map(\.spec.name)
    }
}
