import CSluicePlugin
import Glibc
@testable import SluiceCore
import SluiceSDK
import XCTest

/// What a processor's `forward` and `emit` calls make of a call's default
/// output, without a plugin or threads: the records, in the order given.
final class CallContextTests: XCTestCase {
    /// `{"n": n}` as BSON.
    private func doc(_ n: Int32) -> [UInt8] {
        var bytes: [UInt8] = [12, 0, 0, 0, 0x10, UInt8(ascii: "n"), 0]
        withUnsafeBytes(of: n.littleEndian) { bytes += $0 }
        return bytes + [0]
    }

    private func input(_ count: Int) -> RecordBuffer {
        let records = RecordBuffer()
        for n in 0 ..< Int32(count) { records.append(doc(n), eventTime: 1000 + Int64(n), key: [UInt8(n)]) }
        return records
    }

    private func context(_ input: RecordBuffer) -> CallContext {
        CallContext(input: input, outputCount: 1, tickets: [], holds: HoldTable())
    }

    /// The `n` of every record of `records`, with its event time and key.
    private func contents(_ records: RecordBuffer?) -> [[Int64]] {
        guard let records else { return [] }
        return (0 ..< records.count).map { i in
            records.withRecord(i) { d, key in
                [Int64(d.loadUnaligned(fromByteOffset: 7, as: Int32.self)), records.eventTime(at: i) ?? -1, Int64(key?.first ?? 255)]
            }
        }
    }

    func testForwardingEveryRecordInOrderPassesTheInputOnAsItIs() {
        let records = input(4)
        let ctx = context(records)
        for i in 0 ..< 4 { XCTAssertEqual(ctx.forward(i), 0) }
        XCTAssertTrue(ctx.result() === records, "no copy, no selection")
    }

    func testForwardsOutOfOrderOrRepeatedAreKeptAsGiven() {
        let records = input(3)
        let reversed = context(records)
        for i in [2, 1, 0] { _ = reversed.forward(i) }
        XCTAssertEqual(contents(reversed.result()).map { $0[0] }, [2, 1, 0])

        let repeated = context(records)
        for i in [0, 1, 1] { _ = repeated.forward(i) }
        XCTAssertFalse(repeated.result() === records, "three forwards of a three-record batch, but not the batch")
        XCTAssertEqual(contents(repeated.result()), [[0, 1000, 0], [1, 1001, 1], [1, 1001, 1]])

        let prefix = context(records)
        for i in [0, 1] { _ = prefix.forward(i) }
        XCTAssertEqual(contents(prefix.result()).map { $0[0] }, [0, 1])
        XCTAssertEqual(prefix.result()?.byteCount, 24)
    }

    func testForwardsAndEmitsKeepTheirOrder() {
        let records = input(3)
        let ctx = context(records)
        _ = ctx.forward(0)
        _ = ctx.forward(1)
        XCTAssertEqual(doc(7).withUnsafeBytes { ctx.emit($0, nil) }, 0)
        _ = ctx.forward(2)
        XCTAssertEqual(contents(ctx.result()).map { $0[0] }, [0, 1, 7, 2])
        XCTAssertEqual(contents(ctx.result())[1], [1, 1001, 1], "a forwarded record keeps its event time and key")
        XCTAssertEqual(ctx.result()?.byteCount, 48)
    }

    /// A call that failed a record for good and then the whole call for now
    /// (the SDK fails every record retriably with the reason): the record
    /// stays failed for good; a retriable failure is still upgraded.
    func testARetriableFailureNeverReplacesAPermanentOne() {
        let ctx = context(input(3))
        ctx.fail(Failure(index: 1, retriable: false, reason: "bad record"))
        ctx.fail(Failure(index: 2, retriable: true, reason: "busy"))
        for i in 0 ..< 3 { ctx.fail(Failure(index: i, retriable: true, reason: "write failed: No space left on device")) }
        ctx.fail(Failure(index: 0, retriable: false, reason: "refused"))
        XCTAssertEqual(ctx.failures.map { "\($0.index) \($0.retriable) \($0.reason)" },
                       ["1 false bad record", "2 true write failed: No space left on device", "0 false refused"])
    }

    func testAForwardOutOfRangeIsRefused() {
        let ctx = context(input(2))
        XCTAssertEqual(ctx.forward(2), -1)
        XCTAssertEqual(ctx.forward(-1), -1)
        XCTAssertEqual(ctx.result()?.count, 0)
        XCTAssertEqual(CallContext(input: nil, outputCount: 1, tickets: [], holds: HoldTable()).forward(0), -1, "a tick has no input")
    }

    /// Every record of `records` as (event time, key, token, split, text), nil for what it has not.
    private func described(_ records: RecordBuffer) -> [[String?]] {
        (0 ..< records.count).map { i in
            records.withRecord(i) { _, key in
                [records.eventTime(at: i).map { "\($0)" }, key.map { "\(Array($0))" }, "\(records.tokens[i])",
                 records.split(at: i) == RecordBuffer.noSplit ? nil : "\(records.split(at: i))",
                 records.text(at: i).map { String(decoding: $0.bytes, as: UTF8.self) }]
            }
        }
    }

    /// Options that set every field, as a plugin built against this header passes them.
    private func everyOption(key: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer) -> sluice_emit_options {
        var o = sluice_emit_options()
        o.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
        o.event_time_ms = 5
        o.key = key.baseAddress?.assumingMemoryBound(to: UInt8.self)
        o.key_length = UInt32(key.count)
        o.input_index = -1
        o.token = 9
        o.output = 1
        o.split = 3
        o.has_split = 1
        o.text = text.baseAddress?.assumingMemoryBound(to: UInt8.self)
        o.text_length = UInt32(text.count)
        o.text_format = SLUICE_TEXT_JSON
        return o
    }

    /// A plugin built against an older header passes a shorter struct: the
    /// host reads the fields it holds whole and gives the rest their defaults.
    func testAnOlderPluginsOptionsAreReadOnlyAsFarAsTheyReach() {
        let out = RecordBuffer()
        let ctx = CallContext(output: out, input: nil, keepsSourceText: true)
        let key: [UInt8] = [7]
        let text = Array(#"{"n":1}"#.utf8)
        key.withUnsafeBytes { k in
            text.withUnsafeBytes { t in
                doc(1).withUnsafeBytes { d in
                    var o = everyOption(key: k, text: t)
                    // 1.0's struct ends at the token: no output (so not the unknown output 1), split or text.
                    o.struct_size = UInt32(structFieldEnd(\sluice_emit_options.token))
                    XCTAssertEqual(ctx.emit(d, &o), 0)
                    // A struct ending inside the key pointer: the event time only.
                    o.struct_size = UInt32(MemoryLayout<sluice_emit_options>.offset(of: \sluice_emit_options.key)! + 4)
                    XCTAssertEqual(ctx.emit(d, &o), 0)
                    XCTAssertEqual(ctx.emit(d, nil), 0)
                    // 1.1's reaches the output: a source has no output 1.
                    o.struct_size = UInt32(structFieldEnd(\sluice_emit_options.holds))
                    XCTAssertEqual(ctx.emit(d, &o), -1)
                    o.output = 0
                    o.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
                    XCTAssertEqual(ctx.emit(d, &o), 0)
                }
            }
        }
        XCTAssertEqual(ctx.rejected, 1)
        XCTAssertEqual(described(out), [["5", "[7]", "9", nil, nil], ["5", nil, "0", nil, nil], [nil, nil, "0", nil, nil],
                                        ["5", "[7]", "9", "3", #"{"n":1}"#]])
    }

    /// Each struct size a plugin may pass, the struct ending where the
    /// readable memory ends: the host reads no byte past `struct_size`
    /// (a read there crashes the test), and a newer plugin's longer struct
    /// has its unknown tail ignored.
    func testOptionsAreReadNoFurtherThanTheirStructSize() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let region = try XCTUnwrap(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(region, 2 * page) }
        XCTAssertEqual(mprotect(region + page, page, PROT_NONE), 0)
        let full = MemoryLayout<sluice_emit_options>.size
        let out = RecordBuffer()
        let ctx = CallContext(output: out, input: nil, keepsSourceText: true)
        var expected = 0
        // Sizes a multiple of 8 (the struct's alignment); 4 reaches only `struct_size` itself.
        for size in [4, 24, 32, 40, 56, 64, full, full + 16] {
            let start = region + page - max(size, 4)
            memset(start, 0xAB, max(size, 4))
            var o = sluice_emit_options()
            o.struct_size = UInt32(size)
            o.event_time_ms = 5
            o.input_index = -1
            memcpy(start, &o, min(size, full))
            let options = UnsafeRawPointer(start).assumingMemoryBound(to: sluice_emit_options.self)
            let status = doc(1).withUnsafeBytes { ctx.emit($0, options) }
            XCTAssertEqual(status, 0, "struct_size \(size)")
            expected += 1
        }
        XCTAssertEqual(out.count, expected)
        XCTAssertEqual(ctx.rejected, 0)
    }

    /// An output made from an input record (`input_index` in range) takes
    /// that record's event time, key and split where its options set none.
    func testAnOutputMadeFromAnInputRecordInheritsWhatItsOptionsLeaveUnset() {
        let records = RecordBuffer()
        for n in 0 ..< 3 {
            doc(Int32(n)).withUnsafeBytes { d in
                [UInt8(n)].withUnsafeBytes { k in
                    records.append(d, eventTime: 1000 + Int64(n), key: n == 2 ? nil : k, token: 0, split: 40 + UInt32(n))
                }
            }
        }
        let ctx = context(records)
        let key: [UInt8] = [9]
        key.withUnsafeBytes { k in
            doc(7).withUnsafeBytes { d in
                var o = sluice_emit_options()
                o.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
                o.event_time_ms = .min
                o.input_index = 1
                XCTAssertEqual(ctx.emit(d, &o), 0)
                o.input_index = 2
                XCTAssertEqual(ctx.emit(d, &o), 0)
                o.input_index = 1
                o.event_time_ms = 5
                o.key = k.baseAddress?.assumingMemoryBound(to: UInt8.self)
                o.key_length = 1
                o.split = 3
                o.has_split = 1
                XCTAssertEqual(ctx.emit(d, &o), 0)
                o = sluice_emit_options()
                o.struct_size = UInt32(MemoryLayout<sluice_emit_options>.size)
                o.event_time_ms = .min
                o.input_index = 3
                XCTAssertEqual(ctx.emit(d, &o), 0, "an index past the input makes a record of its own")
            }
        }
        XCTAssertEqual(described(ctx.result()!), [["1001", "[1]", "0", "41", nil], ["1002", nil, "0", "42", nil],
                                                  ["5", "[9]", "0", "3", nil], [nil, nil, "0", nil, nil]])
    }
}
