import Foundation
import SluiceTestSupport

/// The sample beach CSV counted by hand, with the rules of
/// `examples/beach-csv-clean.yaml` applied to the raw text: the independent
/// count the pipelines' results are checked against.
struct BeachCSV {
    static let path = TestSupport.repoRoot + "/examples/data/beach_water_quality_sample.csv"

    let rows: [[String]]
    var valid = 0, sentinels = 0, nameOnly = 0

    init() throws {
        rows = try String(contentsOfFile: BeachCSV.path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        for f in rows {
            func number(_ i: Int) -> Double? { Double(f[i]) }
            let ok = !f[1].isEmpty && (number(2).map { (-5 ... 40).contains($0) } ?? false) && (number(3).map { $0 >= 0 } ?? false)
                && (number(7).map { $0 >= 0 } ?? false) && (f[5].isEmpty || (number(5) ?? -1) >= 0) && (f[6].isEmpty || (number(6) ?? -1) >= 0)
            if ok { valid += 1 }
            if f[5].hasPrefix("-99999") || f[6].hasPrefix("-99999") || f[6] == "-100000" { sentinels += 1 }
            if f[1].isEmpty { nameOnly += 1 }
        }
    }

    /// The manifest's validator step, as YAML to paste under `processors:`.
    static func validatorYAML(input: String) throws -> String {
        let example = try String(contentsOfFile: TestSupport.repoRoot + "/examples/beach-csv-clean.yaml", encoding: .utf8)
        guard let start = example.range(of: "  clean:\n"), let end = example.range(of: "\nsinks:") else {
            throw TestFailure("examples/beach-csv-clean.yaml lost its clean: step")
        }
        return String(example[start.lowerBound ..< end.lowerBound]).replacingOccurrences(of: "inputs: [csv]", with: "inputs: [\(input)]")
    }
}
