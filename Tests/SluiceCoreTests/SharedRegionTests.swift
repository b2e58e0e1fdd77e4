import Foundation
@testable import SluiceCore
import XCTest

/// The isolation wire's transport without a child: a shared region mapped
/// twice in this process stands for the two sides, and what a hostile child
/// could do to it (a lying control frame, a truncated or huge file) is done
/// here directly.
final class SharedRegionTests: XCTestCase {
    func bytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    /// A writer and a reader of one region, as the host and its child have it.
    func pair(limit: Int = SharedRegion.maxBytes) throws -> (writer: SharedRegion, reader: SharedRegion) {
        let writer = try SharedRegion.create(name: "test", role: .writer, limit: limit)
        return (writer, try SharedRegion(fd: dup(writer.fd), role: .reader, limit: limit))
    }

    func testAMessageWrittenIsReadBackByTheOtherMapping() throws {
        let (writer, reader) = try pair()
        let message = bytes(10000)
        let span = try message.withUnsafeBytes { try writer.write($0).get() }
        XCTAssertEqual(span, WireSpan(offset: 0, length: 10000))
        XCTAssertEqual(try reader.read(span).get(), message)
        // The next message takes the place of the last.
        let second = bytes(3, seed: 1)
        let next = try second.withUnsafeBytes { try writer.write($0).get() }
        XCTAssertEqual(try reader.read(next).get(), second)
    }

    func testAMessageLargerThanTheRegionGrowsItAndTheReaderFollows() throws {
        let (writer, reader) = try pair()
        XCTAssertEqual(reader.mapped, SharedRegion.initialBytes)
        let message = bytes(3 * SharedRegion.initialBytes + 5)
        let span = try message.withUnsafeBytes { try writer.write($0).get() }
        XCTAssertEqual(writer.mapped, 4 * SharedRegion.initialBytes)
        XCTAssertEqual(try reader.read(span).get(), message)
        XCTAssertEqual(reader.mapped, 4 * SharedRegion.initialBytes)
    }

    func testAMessagePastTheLimitIsRefusedWithTheReason() throws {
        let (writer, _) = try pair(limit: 2 * SharedRegion.initialBytes)
        let fits = bytes(2 * SharedRegion.initialBytes)
        XCTAssertNoThrow(try fits.withUnsafeBytes { try writer.write($0).get() })
        let tooLarge = bytes(2 * SharedRegion.initialBytes + 1)
        XCTAssertThrowsError(try tooLarge.withUnsafeBytes { try writer.write($0).get() }) { error in
            XCTAssertTrue("\(error)".contains("more than the \(2 * SharedRegion.initialBytes) bytes"), "\(error)")
        }
    }

    /// Spans a hostile child could name: past the file, overflowing, past the limit.
    func testSpansOutsideTheFileAreRefusedBeforeAnythingIsRead() throws {
        let (_, reader) = try pair()
        let size = UInt32(SharedRegion.initialBytes)
        for span in [WireSpan(offset: 0, length: size + 1), WireSpan(offset: size, length: 1), WireSpan(offset: size - 1, length: 2),
                     WireSpan(offset: .max, length: .max), WireSpan(offset: 1, length: .max), WireSpan(offset: .max, length: 0)] {
            XCTAssertThrowsError(try reader.read(span).get(), "\(span)")
        }
        XCTAssertEqual(try reader.read(WireSpan(offset: size - 4, length: 4)).get().count, 4)
        XCTAssertEqual(try reader.read(WireSpan(offset: size, length: 0)).get(), [])
        XCTAssertEqual(reader.mapped, SharedRegion.initialBytes)
    }

    func testSpansFitOnlyInsideBothTheFileAndTheLimit() {
        XCTAssertTrue(WireSpan(offset: 10, length: 90).fits(fileSize: 100, limit: 100))
        XCTAssertFalse(WireSpan(offset: 10, length: 91).fits(fileSize: 100, limit: 1000))
        XCTAssertFalse(WireSpan(offset: 10, length: 91).fits(fileSize: 1000, limit: 100))
        // Two u32 summed in an Int: no overflow, so the biggest span is compared as it is.
        XCTAssertTrue(WireSpan(offset: .max, length: .max).fits(fileSize: .max, limit: .max))
        XCTAssertFalse(WireSpan(offset: .max, length: .max).fits(fileSize: .max, limit: 1 << 32))
    }

    /// A child may grow the file far past the limit; the host still maps
    /// and reads no more than the limit.
    func testAFileGrownPastTheLimitIsReadOnlyUpToIt() throws {
        let limit = 2 * SharedRegion.initialBytes
        let (writer, reader) = try pair(limit: limit)
        XCTAssertEqual(ftruncate(writer.fd, off_t(64 * SharedRegion.initialBytes)), 0)
        XCTAssertThrowsError(try reader.read(WireSpan(offset: 0, length: UInt32(limit + 1))).get())
        XCTAssertEqual(try reader.read(WireSpan(offset: UInt32(limit - 8), length: 8)).get(), [UInt8](repeating: 0, count: 8))
        XCTAssertEqual(reader.mapped, limit)
    }

    /// What would make the host's mapping fault (SIGBUS) is refused by the seals.
    func testTheRegionCannotBeShrunkNorItsSealsChanged() throws {
        let (writer, reader) = try pair()
        XCTAssertEqual(ftruncate(reader.fd, 0), -1)
        XCTAssertEqual(errno, EPERM)
        XCTAssertEqual(ftruncate(writer.fd, off_t(SharedRegion.initialBytes / 2)), -1)
        // F_ADD_SEALS (1033) with F_SEAL_GROW (4): refused once F_SEAL_SEAL is on.
        XCTAssertEqual(fcntl(reader.fd, 1033, 4), -1)
        XCTAssertEqual(errno, EPERM)
        XCTAssertEqual(try reader.read(WireSpan(offset: 0, length: UInt32(SharedRegion.initialBytes))).get().count, SharedRegion.initialBytes)
    }

    func testAControlFrameNamesItsSpanAndAnythingElseIsRefused() {
        let frame = WireChannel.frame(WireSpan(offset: 3, length: 0x0102_0304))
        XCTAssertEqual(frame, [WireChannel.frameTag, 3, 0, 0, 0, 4, 3, 2, 1])
        XCTAssertEqual(WireChannel.span(ofFrame: frame), WireSpan(offset: 3, length: 0x0102_0304))
        XCTAssertNil(WireChannel.span(ofFrame: [0] + frame.dropFirst()))
        XCTAssertNil(WireChannel.span(ofFrame: Array(frame.dropLast())))
        XCTAssertNil(WireChannel.span(ofFrame: frame + [0]))
    }

    /// Two channels in this process over real pipes, as the host's and the
    /// child's: messages both ways, one that grows the region, a frame that
    /// lies, and the other side's end.
    func testChannelsCarryMessagesAndRefuseAFrameThatLies() throws {
        var requests: [Int32] = [-1, -1], answers: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&requests), 0)
        XCTAssertEqual(pipe(&answers), 0)
        defer { (requests + answers).forEach { if $0 >= 0 { close($0) } } }
        let toChild = try SharedRegion.create(name: "test-requests", role: .writer)
        let fromChild = try SharedRegion.create(name: "test-answers", role: .reader)
        let host = WireChannel(outgoing: toChild, sendPipe: requests[1], incoming: fromChild, receivePipe: answers[0])
        let child = try WireChannel(outgoing: SharedRegion(fd: dup(fromChild.fd), role: .writer), sendPipe: answers[1],
                                    incoming: SharedRegion(fd: dup(toChild.fd), role: .reader), receivePipe: requests[0])

        XCTAssertTrue(host.send([1, 2, 3]))
        XCTAssertEqual(child.receive(), [1, 2, 3])
        let large = bytes(2 * SharedRegion.initialBytes + 1)
        // Larger than a pipe holds: the pipe carries only the frame, so no reader is needed yet.
        XCTAssertTrue(child.send(large))
        XCTAssertEqual(host.receive(), large)

        XCTAssertTrue(ByteIO.writeAll(answers[1], WireChannel.frame(WireSpan(offset: 1 << 31, length: 16))))
        XCTAssertNil(host.receive())
        XCTAssertTrue(host.refusal?.contains("a control frame named bytes") == true, host.refusal ?? "no refusal")
        XCTAssertTrue(ByteIO.writeAll(answers[1], [0x99, 0, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertNil(host.receive())
        XCTAssertTrue(host.refusal?.contains("not one") == true, host.refusal ?? "no refusal")

        close(answers[1])
        answers[1] = -1
        XCTAssertNil(host.receive())
        XCTAssertNil(host.refusal, "the other side ending is not a refusal")
    }

    func testAChildGetsTheDescriptorsItIsGivenAndNoOthers() throws {
        let given = try SharedRegion.create(name: "test", role: .writer)
        let leaked = fcntl(2, F_DUPFD, 10) // not close-on-exec: what posix_spawn would pass on unless told
        defer { close(leaked) }
        let script = "test -e /proc/self/fd/\(leaked) && exit 10; test -e /proc/self/fd/3 || exit 11; "
            + "test -e /proc/self/fd/4 && exit 12; kill -SEGV $$"
        let child = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", script], environment: [:],
                                           descriptors: [(2, 2), (given.fd, 3)])
        XCTAssertEqual(child.wait(), .signalled(SIGSEGV))
        let exits = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", "exit 3"], environment: [:], descriptors: [])
        XCTAssertEqual(exits.wait(), .exited(3))
        XCTAssertEqual(ChildProcess.Ending.signalled(SIGSEGV).description, "was killed by signal 11 (SIGSEGV)")
        XCTAssertThrowsError(try ChildProcess.spawn(executable: "/nonexistent/sluice", arguments: [], environment: [:], descriptors: []))
    }
}
