import Foundation
import Logging
import SluiceCore
import Synchronization
import XCTest

final class JSONLogHandlerTests: XCTestCase {
    func testOneObjectPerLineWithLevelComponentMessageAndMetadata() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "sluice") { JSONLogHandler(label: $0) { line in lines.withLock { $0.append(line) } } }
        logger.info("plain")
        logger[metadataKey: "component"] = "out"
        logger.warning("a \"quoted\"\nline\t\u{1}", metadata: ["source_token": "17"])
        let written = lines.withLock { $0 }
        XCTAssertEqual(written.count, 2)
        XCTAssertTrue(written.allSatisfy { $0.hasSuffix("}\n") && $0.dropLast().firstIndex(of: "\n") == nil })
        let objects = try written.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]) }
        XCTAssertEqual(objects[0]["component"], "sluice")
        XCTAssertEqual(objects[0]["level"], "info")
        XCTAssertEqual(objects[1]["component"], "out")
        XCTAssertEqual(objects[1]["level"], "warning")
        XCTAssertEqual(objects[1]["message"], "a \"quoted\"\nline\t\u{1}")
        XCTAssertEqual(objects[1]["source_token"], "17")
        XCTAssertNotNil(objects[1]["ts"].flatMap { ISO8601DateFormatter().date(from: $0.replacingOccurrences(of: #"\.\d+Z"#, with: "Z", options: .regularExpression)) })
    }
}
