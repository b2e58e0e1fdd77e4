import Foundation

/// A `/metrics` page as prometheus_client's parser (in the test venv) reads it.
public struct MetricsPage {
    public struct Sample: Decodable {
        public let family: String
        public let type: String
        public let name: String
        public let labels: [String: String]
        public let value: Double
    }

    public let samples: [Sample]

    /// Fails when the parser refuses the page.
    public init(_ text: String, dir: String) throws {
        let file = dir + "/metrics-\(UUID().uuidString).txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let python = ManagedServer.venv + "/bin/python"
        let r = try TestSupport.runProcess(python, [TestSupport.repoRoot + "/Tests/Fixtures/parse_metrics.py", file])
        guard r.status == 0 else { throw TestFailure("prometheus_client refused the page: \(r.stderr)\n\(text.prefix(3000))") }
        samples = try JSONDecoder().decode([Sample].self, from: Data(r.stdout.utf8))
    }

    /// Samples named `name` whose labels include `labels`.
    public func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
    }

    /// The one sample named `name` with `labels`; nil when there is none or several.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = samples(name, labels)
        return found.count == 1 ? found[0].value : nil
    }

    /// Every family name on the page, with the suffixes the exposition adds (`_total`, `_bucket`, ...).
    public var sampleNames: Set<String> { Set(samples.map(\.name)) }
}
