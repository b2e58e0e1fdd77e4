import Foundation
import SluiceCore
import SluiceTestSupport
import XCTest

/// The loader refuses every bad file before any of its code runs.
final class LoaderTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("loader") }

    private func refused(_ path: String, sha256: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> LoadError? {
        do {
            _ = try TestSupport.loader(extra: [dir]).load(path: path, sha256: sha256)
            XCTFail("\(path) was loaded", file: file, line: line)
        } catch let e as LoadError {
            return e
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
        return nil
    }

    func testCPluginLoadsAndDescribesItself() throws {
        let path = try TestSupport.compileC(CPlugins.testkit, name: "testkit", dir: dir)
        let plugin = try TestSupport.loader(extra: [dir]).load(path: path)
        XCTAssertEqual(plugin.name, "testkit")
        XCTAssertEqual(plugin.version, "1.0.0")
        XCTAssertEqual(plugin.components.map(\.name), ["pass", "slow", "count"])
        XCTAssertEqual(plugin.components.map(\.role), [.processor, .sink, .source])
        XCTAssertEqual(plugin.note.components.map(\.kind), ["processor", "sink", "source"])
    }

    func testBuiltInPluginsAreFound() throws {
        for name in ["faker", "validator", "file"] {
            let plugin = try TestSupport.loader().load(name: name)
            XCTAssertEqual(plugin.name, name)
            XCTAssertFalse(plugin.components.isEmpty)
            XCTAssertNotNil(try plugin.components[0].configSchema())
        }
    }

    func testFutureABIIsRefused() throws {
        let path = try TestSupport.compileC(CPlugins.futureABI, name: "future", dir: dir)
        let e = refused(path)
        XCTAssertEqual(e?.kind, .incompatibleABI)
        XCTAssertTrue(e?.reason.contains("ABI 2.0; this host speaks ABI 1") ?? false, "\(String(describing: e))")
    }

    func testNonELFIsRefused() throws {
        let path = dir + "/libtext.so"
        try "not a library".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(refused(path)?.kind, .notELF)
    }

    func testThirtyTwoBitAndWrongArchitectureAreRefused() throws {
        let good = try TestSupport.compileC("#include <sluice/sluice_plugin.h>\n" + CPlugins.minimal("m"), name: "m", dir: dir)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: good)))
        var class32 = bytes
        class32[4] = 1 // EI_CLASS = ELFCLASS32
        try Data(class32).write(to: URL(fileURLWithPath: dir + "/lib32.so"))
        let e32 = refused(dir + "/lib32.so")
        XCTAssertEqual(e32?.kind, .wrongClass)
        XCTAssertTrue(e32?.reason.contains("32-bit") ?? false)

        bytes[18] = 183 // e_machine = EM_AARCH64 (little-endian u16 at offset 18)
        bytes[19] = 0
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/libarm.so"))
        let eArch = refused(dir + "/libarm.so")
        XCTAssertEqual(eArch?.kind, .wrongArchitecture)
        XCTAssertTrue(eArch?.reason.contains("built for aarch64; this host is x86_64") ?? false, "\(String(describing: eArch))")
    }

    func testExecutablesAreRefused() throws {
        let pie = try TestSupport.compileC("int main(void) { return 0; }", name: "pie", dir: dir, flags: ["-fPIE", "-pie"], shared: false)
        XCTAssertEqual(refused(pie)?.kind, .notSharedLibrary)
        let exec = try TestSupport.compileC("int main(void) { return 0; }", name: "exec", dir: dir, flags: ["-no-pie"], shared: false)
        let e = refused(exec)
        XCTAssertEqual(e?.kind, .notSharedLibrary)
        XCTAssertTrue(e?.reason.contains("executable") ?? false)
    }

    func testLibraryWithoutNoteOrEntryIsRefused() throws {
        let plain = try TestSupport.compileC("int add(int a, int b) { return a + b; }", name: "plain", dir: dir)
        XCTAssertEqual(refused(plain)?.kind, .notAPlugin)
        let noEntry = try TestSupport.compileC("#include <sluice/sluice_plugin.h>\n" + CPlugins.noteOnly, name: "noentry", dir: dir)
        let e = refused(noEntry)
        XCTAssertEqual(e?.kind, .missingEntry)
        XCTAssertTrue(e?.reason.contains("does not export sluice_plugin_entry_v1") ?? false)
    }

    func testRefusedPluginRunsNoCode() throws {
        let refusedMarker = dir + "/refused-ran"
        let bad = try TestSupport.compileC(CPlugins.withConstructor(marker: refusedMarker, tail: CPlugins.noteOnly), name: "ctor", dir: dir)
        XCTAssertEqual(refused(bad)?.kind, .missingEntry)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refusedMarker), "a refused plugin's constructor ran")

        // The same constructor in an accepted plugin does run: the check above can fail.
        let loadedMarker = dir + "/loaded-ran"
        let good = try TestSupport.compileC(CPlugins.withConstructor(marker: loadedMarker, tail: CPlugins.minimal("ctorok")), name: "ctorok", dir: dir)
        _ = try TestSupport.loader(extra: [dir]).load(path: good)
        XCTAssertTrue(FileManager.default.fileExists(atPath: loadedMarker))
    }

    func testWorldWritableIsRefused() throws {
        let path = try TestSupport.compileC("#include <sluice/sluice_plugin.h>\n" + CPlugins.minimal("ww"), name: "ww", dir: dir)
        chmod(path, 0o777)
        XCTAssertEqual(refused(path)?.kind, .worldWritable)
    }

    func testSHA256Pin() throws {
        let path = try TestSupport.compileC("#include <sluice/sluice_plugin.h>\n" + CPlugins.minimal("pinned"), name: "pinned", dir: dir)
        let e = refused(path, sha256: String(repeating: "0", count: 64))
        XCTAssertEqual(e?.kind, .checksumMismatch)
        let actual = try TestSupport.runProcess("/usr/bin/sha256sum", [path]).stdout.split(separator: " ")[0]
        XCTAssertNoThrow(try TestSupport.loader(extra: [dir]).load(path: path, sha256: String(actual)))
    }

    func testDescriptorMustMatchNote() throws {
        let path = try TestSupport.compileC("#include <sluice/sluice_plugin.h>\n" + CPlugins.minimal("alpha", noteName: "beta"), name: "liar", dir: dir)
        let e = refused(path)
        XCTAssertEqual(e?.kind, .badDescriptor)
        XCTAssertTrue(e?.reason.contains("\"alpha\"") ?? false)
    }

    /// The other way round: a component the note announces must exist, or
    /// `plugins list` and `validate` would show one that cannot run.
    func testNoteComponentMissingFromTheDescriptorIsRefused() throws {
        let source = """
        #include <sluice/sluice_plugin.h>
        static const sluice_plugin_descriptor d = {sizeof d, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, "ghosty", "1.0.0", "m", 0, 0};
        SLUICE_PLUGIN("ghosty", "1.0.0", "m", "sink:ghost", &d)
        """
        let path = try TestSupport.compileC(source, name: "ghosty", dir: dir)
        let e = refused(path)
        XCTAssertEqual(e?.kind, .badDescriptor)
        XCTAssertTrue(e?.reason.contains("the ELF note lists sink:ghost, which the descriptor does not have") ?? false, "\(String(describing: e))")
    }
}
