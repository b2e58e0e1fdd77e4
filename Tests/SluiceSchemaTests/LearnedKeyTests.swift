@testable import SluiceSchema
import XCTest

/// `LearnedKey` on its own: a key learned from one document matches the same
/// key in another and nothing else, at every length its word compares
/// treat differently (under 8 bytes, 8–15, 16–23, 24 and more), and near a
/// document's end, where a word load would read past it.
final class LearnedKeyTests: XCTestCase {
    /// `key` as a member name: a type byte before it, its NUL after, then
    /// `tail` bytes (the value and what follows) and the document's trailing NUL.
    private func withMember<R>(_ key: [UInt8], tail: Int = 16, _ body: (_ key: UnsafeRawPointer, _ end: UnsafeRawPointer) -> R) -> R {
        let bytes: [UInt8] = [0x02] + key + [0] + [UInt8](repeating: 0x41, count: tail) + [0]
        return bytes.withUnsafeBytes { b in body(b.baseAddress! + 1, b.baseAddress! + b.count - 1) }
    }

    private func learned(_ key: [UInt8]) -> LearnedKey? {
        let stored = UnsafeMutableRawPointer.allocate(byteCount: max(key.count, 1), alignment: 1)
        addTeardownBlock { stored.deallocate() }
        key.withUnsafeBytes { if let base = $0.baseAddress { stored.copyMemory(from: base, byteCount: key.count) } }
        return withMember(key) { k, end in LearnedKey(key: k, count: key.count, end: end, stored: UnsafeRawPointer(stored)) }
    }

    private func name(_ n: Int) -> [UInt8] { (0 ..< n).map { UInt8(ascii: "a") + UInt8($0 % 26) } }

    func testTheSameKeyMatchesAtEveryLength() throws {
        for n in 0 ... 40 {
            let key = try XCTUnwrap(learned(name(n)), "length \(n)")
            XCTAssertEqual(key.count, Int32(n))
            for tail in [0, 1, 3, 16] {
                XCTAssertTrue(withMember(name(n), tail: tail) { key.matches($0, end: $1) }, "length \(n), tail \(tail)")
            }
        }
    }

    func testAKeyDifferingInOneByteDoesNotMatch() throws {
        for n in 1 ... 40 {
            let key = try XCTUnwrap(learned(name(n)))
            for i in 0 ..< n {
                var other = name(n)
                other[i] ^= 0x20
                for tail in [0, 16] {
                    XCTAssertFalse(withMember(other, tail: tail) { key.matches($0, end: $1) }, "length \(n), byte \(i), tail \(tail)")
                }
            }
        }
    }

    func testLongerAndShorterKeysDoNotMatch() throws {
        for n in 0 ... 40 {
            let key = try XCTUnwrap(learned(name(n)))
            for tail in [0, 2, 16] {
                XCTAssertFalse(withMember(name(n + 1), tail: tail) { key.matches($0, end: $1) }, "longer than \(n), tail \(tail)")
                if n > 0 {
                    XCTAssertFalse(withMember(name(n - 1), tail: tail) { key.matches($0, end: $1) }, "shorter than \(n), tail \(tail)")
                }
            }
        }
    }

    /// A key whose NUL would lie past the document's end is not read there.
    func testAKeyRunningPastTheEndDoesNotMatch() throws {
        for n in 1 ... 30 {
            let key = try XCTUnwrap(learned(name(n)))
            // The document ends inside the key: its bytes up to `end` agree, but it has no NUL in the document.
            let bytes: [UInt8] = [0x02] + name(n)
            let matched = bytes.withUnsafeBytes { b in key.matches(b.baseAddress! + 1, end: b.baseAddress! + b.count - 1) }
            XCTAssertFalse(matched, "length \(n)")
        }
    }

    func testLearnedNearTheEndMatchesAwayFromIt() throws {
        for n in 0 ... 7 {
            // The key's NUL is the document's last byte: its words are gathered byte by byte.
            let key = try XCTUnwrap(withMember(name(n), tail: 0) { k, _ in
                LearnedKey(key: k, count: n, end: k + n, stored: nil)
            })
            XCTAssertTrue(withMember(name(n), tail: 16) { key.matches($0, end: $1) }, "length \(n)")
            XCTAssertTrue(withMember(name(n), tail: 0) { k, _ in key.matches(k, end: k + n) }, "length \(n) at the end")
            XCTAssertFalse(withMember(name(n + 1), tail: 16) { key.matches($0, end: $1) }, "length \(n + 1)")
        }
    }

    func testNothingLearnedMatchesNothing() {
        let empty = LearnedKey()
        XCTAssertEqual(empty.count, -1)
        for n in 0 ... 9 { XCTAssertFalse(withMember(name(n)) { empty.matches($0, end: $1) }, "length \(n)") }
    }

    func testALongKeyIsLearnedOnlyWithItsBytesStored() {
        for n in [24, 31, 64] {
            XCTAssertNil(withMember(name(n)) { LearnedKey(key: $0, count: n, end: $1, stored: nil) }, "length \(n)")
        }
        XCTAssertNotNil(withMember(name(23)) { LearnedKey(key: $0, count: 23, end: $1, stored: nil) })
    }
}
