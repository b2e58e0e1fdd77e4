@testable import SluiceSDK
import XCTest

/// `Redaction.embeddedSecrets` runs each pattern only on strings holding the
/// character it needs ("@" for a URL password, "=" for a query value).
final class RedactionTests: XCTestCase {
    func testEachPatternRunsOnStringsWithItsCharacter() {
        // "@" and no "=": only the URL password.
        XCTAssertEqual(Redaction.embeddedSecrets("mongodb://a:UriPass1@h/db"), ["UriPass1"])
        // "=" and no "@": only the query value.
        XCTAssertEqual(Redaction.embeddedSecrets("http://h/r?token=Tok3n&n=1"), ["Tok3n"])
        // Both, in one string.
        XCTAssertEqual(Redaction.embeddedSecrets("https://u:Pw9@h/x?api_key=K3y"), ["Pw9", "K3y"])
        // Neither: nothing, as the patterns would find.
        XCTAssertEqual(Redaction.embeddedSecrets("https://h:9200/index"), [])
        XCTAssertEqual(Redaction.embeddedSecrets(""), [])
        // The character alone is not enough.
        XCTAssertEqual(Redaction.embeddedSecrets("ops@example.com"), [])
        XCTAssertEqual(Redaction.embeddedSecrets("a=b"), [])
        // Non-ASCII around a secret.
        XCTAssertEqual(Redaction.embeddedSecrets("http://ü:pässwort@h/ ?password=gehéim"), ["pässwort", "gehéim"])
    }

    /// The byte-wise search of the secret words: at either end of the key, inside it, alone, in any case.
    func testSecretKeyWordsAnywhereInTheKey() {
        for key in ["password", "PASSWORD", "sasl.password", "token_file", "es_api_key", "x-Api-Key", "bearer", "Authorization",
                    "my_credentials", "ütoken", "tokenü", "ü.private_key.ü", "sig", "SIGNATURE"] {
            XCTAssertTrue(Redaction.isSecretKey(key), key)
        }
        for key in ["", "p", "passw", "tokn", "oken", "api key", "sigma", "signature_x", "bear", "path", "ü"] {
            XCTAssertFalse(Redaction.isSecretKey(key), key)
        }
    }

    func testSecretsInAConfigFindBothKinds() throws {
        let config = try JSONParser.parse(#"{"url": "http://h/r?token=Tok3n", "uri": "mongodb://a:UriPass1@h/", "path": "/tmp/x.ndjson"}"#)
        XCTAssertEqual(Set(Redaction.secrets(in: config)), ["Tok3n", "UriPass1"])
    }
}
