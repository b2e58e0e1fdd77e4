@testable import SluiceCore
import Foundation
import SluiceTestSupport
import XCTest

/// A state folder's lock and owner (`StateFolderClaim`); the refusals as a
/// user sees them are in `FileTests.testTwoManifestsInOneFolderDoNotShareACheckpoint`.
final class StateFolderClaimTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("state-claim") }

    private func refusal(_ folder: String, _ manifest: String, shared: Bool) -> String? {
        do {
            _ = try StateFolderClaim.claim(folder, manifest: manifest, shared: shared)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The owner is the manifest's path as given, made absolute: a symbolic
    /// link (a ConfigMap's `..data`, `current -> releases/N`) is kept, so
    /// the owner stays the same when the link moves to a new target.
    func testTheOwnerIsTheManifestsPathWithLinksKept() throws {
        try FileManager.default.createDirectory(atPath: dir + "/releases/1", withIntermediateDirectories: true)
        try "".write(toFile: dir + "/releases/1/p.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/current", withDestinationPath: dir + "/releases/1")
        XCTAssertEqual(StateFolderClaim.owner(ofManifest: dir + "/current/p.yaml"), dir + "/current/p.yaml")
        XCTAssertEqual(StateFolderClaim.owner(ofManifest: dir + "/current/./x/../p.yaml"), dir + "/current/p.yaml")
        XCTAssertEqual(StateFolderClaim.owner(ofManifest: "p.yaml"), FileManager.default.currentDirectoryPath + "/p.yaml")
    }

    /// Exclusive claims exclude every other; shared ones (a named
    /// `state_dir`, hosts handing partitions over) admit each other and
    /// do not check the owner, but not an exclusive claim. Dropping a
    /// claim frees the folder.
    func testSharedClaimsAdmitEachOtherButNotAnExclusiveOne() throws {
        let folder = dir + "/state/forecast"
        var first: StateFolderClaim? = try StateFolderClaim.claim(folder, manifest: "/m/first.yaml", shared: true)
        XCTAssertNotNil(first)
        let second = try StateFolderClaim.claim(folder, manifest: "/m/second.yaml", shared: true)
        XCTAssertTrue(refusal(folder, "/m/first.yaml", shared: false)?.contains("is in use by another run") ?? false)
        first = nil
        _ = second
        XCTAssertEqual(try String(contentsOfFile: folder + "/.owner", encoding: .utf8), "/m/first.yaml\n", "the first shared claim records the owner")
    }

    /// An exclusive claim names its manifest to a run it refuses, and is
    /// released with the claim. Another manifest takes a folder without
    /// state, and is refused one with state in it, at any depth.
    func testAnExclusiveClaimIsReleasedWithTheClaimAndNamesItsHolder() throws {
        let folder = dir + "/in"
        var held: StateFolderClaim? = try StateFolderClaim.claim(folder, manifest: "/m/a.yaml", shared: false)
        XCTAssertNotNil(held)
        XCTAssertEqual(refusal(folder, "/m/a.yaml", shared: false).map { $0.contains("in use by another run (of /m/a.yaml)") }, true)
        XCTAssertEqual(refusal(folder, "/m/a.yaml", shared: true).map { $0.contains("in use by another run") }, true)
        held = nil
        XCTAssertNil(refusal(folder, "/m/a.yaml", shared: false))
        try FileManager.default.createDirectory(atPath: folder + "/worker-1", withIntermediateDirectories: true)
        XCTAssertNil(refusal(folder, "/m/b.yaml", shared: false), "a folder without state has nothing to lose: b takes it")
        XCTAssertEqual(try String(contentsOfFile: folder + "/.owner", encoding: .utf8), "/m/b.yaml\n")
        try "7".write(toFile: folder + "/worker-1/checkpoint", atomically: true, encoding: .utf8)
        XCTAssertEqual(refusal(folder, "/m/a.yaml", shared: false).map { $0.contains("belongs to /m/b.yaml, not /m/a.yaml") }, true)
        XCTAssertNil(refusal(folder, "/m/a.yaml", shared: true), "a shared claim does not check the owner")
    }
}
