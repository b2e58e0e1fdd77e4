import Foundation
import SluiceSDK
import SluiceTestSupport
import XCTest

/// The plugin kit as a third party gets it: `make install` into a fresh
/// prefix, then plugins built out of tree against that prefix alone (never
/// the source tree), loaded by the installed `sluice`.
final class PluginKitTests: XCTestCase {
    var dir = ""
    var kit = ""
    var sluice: String { kit + "/bin/sluice" }

    override func setUpWithError() throws {
        dir = TestSupport.tempDir("kit")
        kit = dir + "/prefix"
        let install = try TestSupport.runProcess("/usr/bin/make", ["-s", "-C", TestSupport.repoRoot, "install", "PREFIX=\(kit)",
                                                                  "INSTALL_FROM=\(TestSupport.buildDir)"])
        XCTAssertEqual(install.status, 0, install.stderr)
    }

    private func run(_ args: [String], cwd: String, env: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.runProcess(args[0], Array(args.dropFirst()), cwd: cwd,
                                   environment: ProcessInfo.processInfo.environment.merging(env) { $1 })
    }

    /// The C example with only cc and `pkg-config --cflags sluice-plugin`: no libbson, no source tree.
    func testCFilterBuildsWithOnlyCCAndTheInstalledKit() throws {
        let work = dir + "/c-filter"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        for file in ["c_filter.c", "example.yaml"] {
            try FileManager.default.copyItem(atPath: TestSupport.repoRoot + "/SDK/examples/c-filter/" + file, toPath: work + "/" + file)
        }
        let env = ["PKG_CONFIG_PATH": kit + "/lib/pkgconfig"]
        let flags = try run(["/usr/bin/pkg-config", "--cflags", "sluice-plugin"], cwd: work, env: env)
        XCTAssertEqual(flags.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "-I\(kit)/include", flags.stderr)
        let cc = try run(["/usr/bin/cc", "-O2", "-Wall", "-Wextra", "-Werror", "-std=c11", "-fPIC", "-shared", "-I\(kit)/include",
                          "-o", "libc-filter.so", "c_filter.c"], cwd: work)
        XCTAssertEqual(cc.status, 0, cc.stderr)
        let ldd = try run(["/usr/bin/ldd", work + "/libc-filter.so"], cwd: work)
        XCTAssertFalse(ldd.stdout.contains("libbson"), ldd.stdout)
        let r = try run([sluice, "run", "example.yaml", "--no-progress"], cwd: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("read 1000,"), r.stderr)
        let kept = try TestSupport.readNDJSON(work + "/filtered.ndjson")
        let dropped = try TestSupport.readNDJSON(work + "/filtered-dead-letter.ndjson")
        XCTAssertEqual(kept.count + dropped.count, 1000)
        XCTAssertGreaterThan(dropped.count, 0, "malformed_ratio 0.1 makes some temperatures unreadable")
        for r in kept {
            let c = try XCTUnwrap(r["WaterTemperature"]?.number)
            XCTAssertEqual(try XCTUnwrap(r["WaterTemperatureF"]?.number), c * 9 / 5 + 32, accuracy: 1e-9)
            XCTAssertNotNil(r["TimeStamp"]?["$date"], "every field was copied, dates included")
        }
        for d in dropped {
            let t = d["record"]?["WaterTemperature"]
            XCTAssertTrue(t?.number.map { $0 < -5 || $0 > 40 } ?? true, "\(d)")
        }
    }

    /// Both scaffolds, made by the installed `sluice`, build against the
    /// installed kit; the Swift one resolves no package but the SDK.
    func testScaffoldsBuildAgainstTheInstalledKit() throws {
        for lang in ["c", "swift"] {
            let made = try run([sluice, "new-plugin", "my-\(lang)", "--lang", lang, "--output", dir], cwd: dir)
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        let makefile = try String(contentsOfFile: dir + "/my-c/Makefile", encoding: .utf8)
        XCTAssertTrue(makefile.contains("-I\(kit)/share/sluice/SluiceSDK/include"), makefile)
        XCTAssertFalse(makefile.contains(TestSupport.repoRoot), "the scaffold points at the source tree")
        XCTAssertEqual(try run(["/usr/bin/make", "-s"], cwd: dir + "/my-c").status, 0)
        let c = try run([sluice, "run", "example.yaml", "--no-progress"], cwd: dir + "/my-c")
        XCTAssertTrue(c.stderr.contains("read 15, dead-lettered 0"), c.stderr)

        let package = try String(contentsOfFile: dir + "/my-swift/Package.swift", encoding: .utf8)
        XCTAssertTrue(package.contains(".package(path: \"\(kit)/share/sluice/SluiceSDK\")"), package)
        let build = try run(["/usr/bin/env", "swift", "build", "-c", "release", "--package-path", dir + "/my-swift"], cwd: dir)
        XCTAssertEqual(build.status, 0, build.stdout + build.stderr)
        let resolved = (try? String(contentsOfFile: dir + "/my-swift/Package.resolved", encoding: .utf8)) ?? ""
        XCTAssertFalse(resolved.contains("\"location\""), "the SDK pulled remote packages: \(resolved)")
        let swift = try run([sluice, "run", "example.yaml", "--no-progress"], cwd: dir + "/my-swift")
        XCTAssertTrue(swift.stderr.contains("read 15, dead-lettered 0"), swift.stderr)
    }
}
