@testable import SluiceCore
import XCTest

/// `WorkerSpread`: which worker of a `workers: N` component gets each batch or record.
final class WorkerSpreadTests: XCTestCase {
    private let empty: [UInt8] = [5, 0, 0, 0, 0]

    /// A batch of empty documents with these keys (nil: none) and splits (nil: none).
    private func batch(_ records: [(key: String?, split: UInt32?)]) -> RecordBuffer {
        let buffer = RecordBuffer()
        for (key, split) in records {
            empty.withUnsafeBytes { doc in
                let bytes = key.map { Array($0.utf8) } ?? []
                bytes.withUnsafeBytes { k in
                    buffer.append(doc, eventTime: .min, key: key == nil ? nil : k, token: 0, split: split ?? RecordBuffer.noSplit)
                }
            }
        }
        return buffer
    }

    func testRoundRobinOffersEachWorkerFirstInTurn() {
        var spread = WorkerSpread(mode: .roundRobin, workers: 3)
        XCTAssertEqual(spread.nextTurn(), [0, 1, 2])
        XCTAssertEqual(spread.nextTurn(), [1, 2, 0])
        XCTAssertEqual(spread.nextTurn(), [2, 0, 1])
        XCTAssertEqual(spread.nextTurn(), [0, 1, 2])
    }

    func testARecordWithASplitGoesByItsSplitWhateverItsKey() {
        for key in ["a", "b", "c", "d"] {
            Array(key.utf8).withUnsafeBytes { XCTAssertEqual(WorkerSpread.worker(split: 5, key: $0, workers: 3), 2) }
        }
        XCTAssertEqual(WorkerSpread.worker(split: 0, key: nil, workers: 3), 0)
        XCTAssertEqual(WorkerSpread.worker(split: 4, key: nil, workers: 2), 0)
        XCTAssertEqual(WorkerSpread.worker(split: 7, key: nil, workers: 1), 0)
    }

    func testKeysSpreadOverEveryWorkerAndAKeyAlwaysGoesToTheSameOne() {
        var seen: [String: Int] = [:]
        var counts = [0, 0, 0]
        for round in 0 ..< 3 {
            for i in 0 ..< 300 {
                let key = "sensor-\(i)"
                let worker = Array(key.utf8).withUnsafeBytes { WorkerSpread.worker(split: RecordBuffer.noSplit, key: $0, workers: 3) }
                if round == 0 {
                    seen[key] = worker
                    counts[worker] += 1
                } else {
                    XCTAssertEqual(seen[key], worker, key)
                }
            }
        }
        for count in counts { XCTAssertGreaterThan(count, 60, "\(counts): keys bunch on one worker") }
    }

    func testRecordsWithoutKeyOrSplitAllGoToTheFirstWorker() {
        let spread = WorkerSpread(mode: .key, workers: 4)
        XCTAssertEqual(spread.assign(batch([(nil, nil), (nil, nil), ("", nil)])), .whole(0))
    }

    func testAPartedBatchKeepsEachWorkersRecordsInBatchOrder() {
        let spread = WorkerSpread(mode: .key, workers: 2)
        let records = batch([(nil, 0), (nil, 1), ("x", 3), (nil, 0), ("y", 2), (nil, 1)])
        guard case let .parted(parts) = spread.assign(records) else { return XCTFail("expected the batch to be parted") }
        XCTAssertEqual(parts, [[0, 3, 4], [1, 2, 5]])
    }

    func testABatchOfOneSplitIsPassedOnWhole() {
        let spread = WorkerSpread(mode: .key, workers: 3)
        XCTAssertEqual(spread.assign(batch([(nil, 4), ("a", 4), ("b", 4)])), .whole(1))
        XCTAssertEqual(spread.assign(RecordBuffer()), .whole(0))
    }
}
