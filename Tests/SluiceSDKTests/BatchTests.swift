import CSluicePlugin
import SluiceSDK
import XCTest

/// `Batch`'s records read from the host's metadata: entries of this
/// header's size, and an older host's shorter ones (ABI 1.0, no split).
final class BatchTests: XCTestCase {
    private func records(stride: Int) -> [(n: Int64?, time: Int64?, split: UInt32?, key: [UInt8]?)] {
        var data: [UInt8] = []
        var metas: [sluice_record_meta] = []
        let key: [UInt8] = [7, 8, 9]
        return key.withUnsafeBufferPointer { k in
            for i in 0 ..< 3 {
                var w = BSONWriter()
                w.append("n", int64: Int64(i * 10))
                let doc = w.finish()
                var m = sluice_record_meta()
                m.offset = UInt32(data.count)
                m.length = UInt32(doc.count)
                m.event_time_ms = i == 1 ? Int64.min : Int64(1000 + i)
                if i == 2 {
                    m.key = k.baseAddress
                    m.key_length = 3
                }
                m.split = UInt32(40 + i)
                metas.append(m)
                data += doc
            }
            // Entries `stride` bytes apart, each the first `stride` bytes of a full entry.
            var packed = [UInt8](repeating: 0, count: stride * metas.count)
            metas.withUnsafeBytes { all in
                for i in metas.indices {
                    for j in 0 ..< stride { packed[i * stride + j] = all[i * MemoryLayout<sluice_record_meta>.stride + j] }
                }
            }
            return data.withUnsafeBufferPointer { d in
                packed.withUnsafeBytes { p in
                    var raw = sluice_batch()
                    raw.struct_size = UInt32(MemoryLayout<sluice_batch>.size)
                    raw.meta_stride = UInt32(stride)
                    raw.count = metas.count
                    raw.data = d.baseAddress
                    raw.data_length = d.count
                    raw.meta = p.baseAddress!.assumingMemoryBound(to: sluice_record_meta.self)
                    return withUnsafePointer(to: raw) { b in
                        Batch(b).map { r in (r.document["n"]?.int64, r.eventTime, r.split, r.key.map { Array($0) }) }
                    }
                }
            }
        }
    }

    func testRecordsFromFullAndOlderShorterEntries() {
        let full = records(stride: MemoryLayout<sluice_record_meta>.stride)
        XCTAssertEqual(full.map(\.n), [0, 10, 20])
        XCTAssertEqual(full.map(\.time), [1000, nil, 1002])
        XCTAssertEqual(full.map(\.split), [40, 41, 42])
        XCTAssertEqual(full.map(\.key), [nil, nil, [7, 8, 9]])
        // ABI 1.0's entry ends before `split`: the records read the same, without a split.
        let older = records(stride: 32)
        XCTAssertEqual(older.map(\.n), [0, 10, 20])
        XCTAssertEqual(older.map(\.time), [1000, nil, 1002])
        XCTAssertEqual(older.map(\.split), [nil, nil, nil])
        XCTAssertEqual(older.map(\.key), [nil, nil, [7, 8, 9]])
    }
}
