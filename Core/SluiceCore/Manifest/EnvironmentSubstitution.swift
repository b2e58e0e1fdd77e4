import Foundation

/// Expands `${NAME}` and `${NAME:-default}` from the environment, so secrets
/// stay out of manifests. `$${` writes a literal `${`.
struct EnvironmentSubstitution {
    let environment: [String: String]

    enum Failure: Error {
        case undefined(String)
        case unterminated
    }

    func expand(_ text: String) throws -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            if start.lowerBound > rest.startIndex, rest[rest.index(before: start.lowerBound)] == "$" {
                out += rest[..<rest.index(before: start.lowerBound)] + "${"
                rest = rest[start.upperBound...]
                continue
            }
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { throw Failure.unterminated }
            let body = rest[start.upperBound ..< end]
            if let sep = body.range(of: ":-") {
                let name = String(body[..<sep.lowerBound])
                out += environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? String(body[sep.upperBound...])
            } else {
                guard let value = environment[String(body)] else { throw Failure.undefined(String(body)) }
                out += value
            }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
