import Foundation
import SluiceCore
import SluiceTestSupport
import XCTest

/// Corrupted plugins and untrusted places: the host refuses them with a clear
/// reason and never crashes. Where a crash is possible the host runs as a child.
final class HostileLoaderTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestSupport.tempDir("hostile-loader") }

    private func testkit(in folder: String? = nil) throws -> String {
        let folder = folder ?? dir
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try TestSupport.compileC(CPlugins.testkit, name: "testkit", dir: folder)
    }

    /// The file offset and size of the first section of `type` (64-bit little-endian ELF).
    private func section(_ bytes: [UInt8], type: UInt32) -> (offset: Int, size: Int)? {
        func u(_ at: Int, _ n: Int) -> Int { (0 ..< n).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        let shoff = u(40, 8), shnum = u(60, 2)
        for i in 0 ..< shnum where u(shoff + i * 64 + 4, 4) == Int(type) {
            return (u(shoff + i * 64 + 24, 8), u(shoff + i * 64 + 32, 8))
        }
        return nil
    }

    /// A one-byte change in the plugin's ELF note: the host refuses it after
    /// `dlopen` (the descriptor disagrees), and `validate` and `run` exit 2
    /// with the reason instead of crashing in the Swift runtime afterwards.
    func testNoteNameChangedByOneByteIsRefusedWithoutACrash() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestSupport.buildDir + "/libsluice-faker.so")))
        let marker = Array("components=source:generate".utf8)
        let at = try XCTUnwrap((0 ... bytes.count - marker.count).first { bytes[$0 ..< $0 + marker.count].elementsEqual(marker) })
        bytes[at + marker.count - 8] = UInt8(ascii: "h") // generate -> henerate
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/libsluice-faker.so"))
        let manifest = dir + "/pipeline.yaml"
        try """
        plugins:
          - path: ./libsluice-faker.so
        sources:
          gen: {use: faker.generate, config: {profile: people}}
        sinks:
          out: {use: file.write, inputs: [gen], config: {path: \(dir)/out.ndjson}}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        for command in ["validate", "run"] {
            let r = try TestSupport.runProcess(TestSupport.sluice, [command, manifest], cwd: dir)
            XCTAssertEqual(r.status, 2, "\(command) exited \(r.status): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("component \"generate\": is not in the plugin's ELF note (it lists: henerate)"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.ndjson"))
    }

    /// Every single-byte change (to 0xff, 0x80 or 0x01) in `.dynsym` or the
    /// dynamic section is either refused before `dlopen` or loads without a
    /// crash; before these checks 76 such changes to .dynsym alone crashed `ld.so`.
    func testEveryByteOfDynsymAndDynamicRefusedOrHarmless() throws {
        let path = try testkit()
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Opens each file named in a forked child and prints those whose child died of a signal.
        let opener = try TestSupport.compileC("""
        #include <dlfcn.h>
        #include <stdio.h>
        #include <sys/wait.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            for (int i = 1; i < argc; i++) {
                pid_t pid = fork();
                if (pid == 0) _exit(dlopen(argv[i], RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) ? 0 : 1);
                int status = 0;
                waitpid(pid, &status, 0);
                if (WIFSIGNALED(status)) printf("%s\\n", argv[i]);
            }
            return 0;
        }
        """, name: "opener", dir: dir, shared: false)
        let dynsym = try XCTUnwrap(section(original, type: 11))
        let dynamic = try XCTUnwrap(section(original, type: 6))
        let variants = dir + "/variants"
        try FileManager.default.createDirectory(atPath: variants, withIntermediateDirectories: true)
        var refused = 0, accepted: [String] = []
        for range in [dynsym, dynamic] {
            for offset in range.offset ..< range.offset + range.size {
                for value: UInt8 in [0xFF, 0x80, 0x01] where original[offset] != value {
                    var bytes = original
                    bytes[offset] = value
                    let file = variants + String(format: "/lib-0x%x-0x%02x.so", offset, value)
                    try Data(bytes).write(to: URL(fileURLWithPath: file))
                    do {
                        _ = try PluginLoader.inspect(path: file)
                        accepted.append(file)
                    } catch let e as LoadError {
                        XCTAssertFalse(e.reason.isEmpty)
                        refused += 1
                    }
                }
            }
        }
        let crashed = try TestSupport.runProcess(opener, accepted).stdout.split(separator: "\n").map { ($0 as NSString).lastPathComponent }
        XCTAssertTrue(crashed.isEmpty, "accepted, then crashed ld.so: \(crashed.prefix(20))")
        XCTAssertGreaterThan(refused, 500, "the checks refuse the corruptions that would crash")
        XCTAssertGreaterThan(accepted.count, 0, "harmless changes (a symbol's size) still load")
    }

    /// The two bytes found crashing `ld.so` first: a symbol name offset past
    /// .dynstr, and an undefined symbol made protected. Refused with the reason.
    func testDynsymCrashersAreRefusedWithTheReason() throws {
        let path = try testkit()
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let dynsym = try XCTUnwrap(section(original, type: 11))
        let undefined = 1 // symbol 1 of a C library is an undefined libc function
        let cases: [(Int, UInt8, String)] = [
            (dynsym.offset + 24 * undefined + 3, 0x80, "name offset"),
            (dynsym.offset + 24 * undefined + 5, 0x03, "not default-visible"),
        ]
        for (offset, value, reason) in cases {
            var bytes = original
            bytes[offset] = value
            let file = dir + "/libbad.so"
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            XCTAssertThrowsError(try TestSupport.loader(extra: [dir]).load(path: file)) { error in
                XCTAssertEqual((error as? LoadError)?.kind, .corruptLinkTables)
                XCTAssertTrue("\(error)".contains(reason), "\(error)")
            }
            let r = try TestSupport.runProcess(TestSupport.sluice, ["plugins", "inspect", file])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stdout.contains(reason) || r.stderr.contains(reason), r.stdout + r.stderr)
        }
        XCTAssertNoThrow(try TestSupport.loader(extra: [dir]).load(path: path))
    }

    func testWorldWritableDirectoryWithoutStickyBitIsRefused() throws {
        let open = dir + "/open"
        let path = try testkit(in: open)
        chmod(open, 0o777)
        XCTAssertThrowsError(try TestSupport.loader(extra: [open]).load(path: path)) { error in
            XCTAssertEqual((error as? LoadError)?.kind, .untrustedDirectory)
            XCTAssertTrue("\(error)".contains("world-writable without the sticky bit"), "\(error)")
        }
        chmod(open, 0o1777) // like /tmp: nobody can replace another user's file
        XCTAssertNoThrow(try TestSupport.loader(extra: [open]).load(path: path))
    }

    func testDirectoryOwnedByAnotherUserIsRefused() throws {
        let theirs = dir + "/theirs"
        let path = try testkit(in: theirs)
        // Giving a directory away needs root, which the test containers run as.
        XCTAssertEqual(chown(theirs, 65534, 65534), 0, "chown to nobody failed: run the tests as root")
        XCTAssertThrowsError(try TestSupport.loader(extra: [theirs]).load(path: path)) { error in
            XCTAssertEqual((error as? LoadError)?.kind, .untrustedDirectory)
            XCTAssertTrue("\(error)".contains("belongs to another user (uid 65534)"), "\(error)")
        }
        XCTAssertEqual(chown(theirs, getuid(), getgid()), 0)
        XCTAssertNoThrow(try TestSupport.loader(extra: [theirs]).load(path: path))
    }

    /// A symlink in a plugin directory is followed: the real file must be in a
    /// plugin directory too, and so must a file named directly.
    func testFilesOutsideThePluginDirectoriesAreRefused() throws {
        let plugins = dir + "/plugins", elsewhere = dir + "/elsewhere"
        let real = try testkit(in: elsewhere)
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        let link = plugins + "/libtestkit.so"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        for path in [link, real] {
            XCTAssertThrowsError(try TestSupport.loader(extra: [plugins]).load(path: path)) { error in
                XCTAssertEqual((error as? LoadError)?.kind, .notInPluginPath)
                XCTAssertTrue("\(error)".contains("not a plugin directory"), "\(error)")
            }
        }
        XCTAssertThrowsError(try TestSupport.loader(extra: [plugins]).load(name: "testkit")) { error in
            XCTAssertEqual((error as? LoadError)?.kind, .notInPluginPath, "\(error)")
        }
        // With the target's folder configured too, the link loads.
        XCTAssertEqual(try TestSupport.loader(extra: [plugins, elsewhere]).load(path: link).name, "testkit")
    }

    /// A symlink's target directory is checked as well as the link's own.
    func testSymlinkIntoAWorldWritableDirectoryIsRefused() throws {
        let plugins = dir + "/plugins", open = dir + "/open"
        let real = try testkit(in: open)
        chmod(open, 0o777)
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: plugins + "/libtestkit.so", withDestinationPath: real)
        XCTAssertThrowsError(try TestSupport.loader(extra: [plugins, open]).load(name: "testkit")) { error in
            XCTAssertEqual((error as? LoadError)?.kind, .untrustedDirectory)
            XCTAssertTrue("\(error)".contains(open), "\(error)")
        }
    }

    /// A manifest's `path:` entry may name a plugin beside the manifest or
    /// below it, but not one in an unconfigured folder elsewhere.
    func testManifestPathEntriesStayBesideTheManifest() throws {
        _ = try testkit(in: dir + "/plugins/build")
        let other = try testkit(in: TestSupport.tempDir("elsewhere"))
        let body = """
        sources:
          gen: {use: testkit.count, config: {count: 3}}
        sinks:
          out: {use: file.write, inputs: [gen], config: {path: \(dir)/out.ndjson}}
        """
        let summary = try TestSupport.run("plugins:\n  - path: plugins/build/libtestkit.so\n" + body, dir: dir)
        XCTAssertEqual(TestSupport.lineCount(dir + "/out.ndjson"), 3, "\(summary)")
        XCTAssertThrowsError(try TestSupport.plan("plugins:\n  - path: \(other)\n" + body, dir: dir)) { error in
            XCTAssertTrue("\(error)".contains("not a plugin directory"), "\(error)")
        }
    }
}
