@testable import JoinPlugin
import XCTest

/// The key → rows index: against a `Dictionary` model over random inserts
/// and removals (each removal shifts back the run after it), with short,
/// long and integer keys.
final class KeyIndexTests: XCTestCase {
    /// A mix of short (inline) and long (heap) string keys and integer keys.
    private func key(_ n: Int) -> JoinKey {
        switch n % 3 {
        case 0: return JoinKey(Int64(n))
        case 1: return JoinKey("k\(n)")
        default: return JoinKey("a key long enough to be kept on the heap \(n)")
        }
    }

    private func checkAgainstModel(seed: UInt64, rounds: Int) {
        var index = KeyIndex<Int>(seed: seed)
        var model: [JoinKey: (entry: Int, value: Int)] = [:]
        var random = SystemRandomNumberGenerator()
        for round in 0 ..< rounds {
            let n = Int.random(in: 0 ..< 300, using: &random)
            let k = key(n)
            if let known = model[k], Bool.random(using: &random) {
                XCTAssertEqual(index.key(known.entry), k)
                XCTAssertEqual(index[known.entry], known.value)
                index.remove(entry: known.entry)
                model[k] = nil
            } else {
                let entry = index.entry(for: k, default: round)
                if let known = model[k] {
                    XCTAssertEqual(entry, known.entry, "a key in the index keeps its entry")
                    index[entry] += 1
                    model[k]!.value += 1
                } else {
                    XCTAssertEqual(index[entry], round, "a new key gets the default")
                    model[k] = (entry, round)
                }
            }
            XCTAssertEqual(index.count, model.count)
        }
        XCTAssertEqual(Set(model.values.map(\.entry)).count, model.count, "live keys have distinct entries")
        for (k, known) in model {
            XCTAssertEqual(index.entry(for: k, default: -1), known.entry, "\(k.bytes) still found after the removals around it")
            XCTAssertEqual(index[known.entry], known.value)
        }
    }

    func testMatchesADictionaryOverRandomInsertsAndRemovals() {
        checkAgainstModel(seed: 0x1234_5678, rounds: 20000)
    }

    func testRemovalKeepsKeysFindableWhateverTheSeed() {
        for seed: UInt64 in [0, 1, .max] { checkAgainstModel(seed: seed, rounds: 5000) }
    }

    func testEqualKeysOfDifferentIntegerWidthsShareAnEntry() {
        var index = KeyIndex<Int>()
        let entry = index.entry(for: JoinKey(7), default: 1)
        XCTAssertEqual(index.entry(for: JoinKey(bytes: JoinKey(7).bytes), default: 2), entry)
        XCTAssertNotEqual(index.entry(for: JoinKey("7"), default: 3), entry, "a string is not the integer")
        XCTAssertEqual(index.count, 2)
    }
}
