import SluiceSDK
import XCTest

final class HostPortTests: XCTestCase {
    func testHostPortSettings() throws {
        XCTAssertEqual(HostPort("127.0.0.1:8080"), HostPort("127.0.0.1:8080"))
        XCTAssertEqual(HostPort("[::1]:9464")?.host, "::1")
        XCTAssertEqual(HostPort("logstash.internal:5044")?.port, 5044)
        XCTAssertEqual(HostPort("0.0.0.0:0")?.port, 0)
        XCTAssertNil(HostPort("localhost"))
        XCTAssertNil(HostPort("localhost:http"))
        XCTAssertNil(HostPort("localhost:70000"))
        let config = try Config(json: #"{"listen": "nope"}"#)
        XCTAssertThrowsError(try config.hostPort("listen")) { XCTAssertEqual("\($0)", #"listen: expected host:port, got "nope""#) }
        XCTAssertEqual(try Config(json: "{}").hostPort("listen", default: "127.0.0.1:8080").port, 8080)
    }
}
