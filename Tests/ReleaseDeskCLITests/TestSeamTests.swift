import Foundation
import Testing

/// The test seams of the real binary (`RELEASEDESK_FAULT`, `RELEASEDESK_TEST_CLOCK_SHIFT_MS`) work in debug
/// builds and do not exist in release builds; what the binary says after a failed `fdatasync`; an append
/// whose clock stepped back is refused.
@Suite("Test seams, sync failure and clock through the binary", .serialized)
struct TestSeamTests {
    static func bytes(_ cli: CLI) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: cli.journal)) }

    static func lock(_ cli: CLI, _ environment: [String: String]) throws -> CLI.Result {
        try cli.run(
            ["user", "lock", "qa.anna", "--reason", "left the site", "--user", "dana", "--password-stdin"],
            input: "admin-pass-1\n", extraEnvironment: environment)
    }

    #if RELEASEDESK_TEST_HOOKS
        @Test func aFailedFdatasyncSaysTheRecordMayBeOnDiskButIsNotKnownDurableAndToRunVerify() throws {
            let cli = CLI()
            defer { cli.remove() }
            try cli.initialised()
            let result = try Self.lock(cli, ["RELEASEDESK_FAULT": "fdatasync:1:EIO"])
            #expect(result.status == 74)
            #expect(result.stderr.contains("may be on disk but is not known to be durable"), "\(result.stderr)")
            #expect(result.stderr.contains("read-only"), "\(result.stderr)")
            #expect(result.stderr.contains("releasedesk verify"), "\(result.stderr)")
            #expect(!result.stderr.contains("nothing was saved"), "\(result.stderr)")
            // It was written (the sync failed, not the write): verify finds it, and the chain holds.
            #expect(try cli.run(["verify"]).status == 0)
            #expect(cli.lines().last?.contains("user.locked") == true)
        }

        @Test func anAppendWhoseClockSteppedBackIsRefusedNamingBothTimesAndWritesNothing() throws {
            let cli = CLI()
            defer { cli.remove() }
            try cli.initialised()
            let before = try Self.bytes(cli)
            let result = try Self.lock(cli, ["RELEASEDESK_TEST_CLOCK_SHIFT_MS": "-3600000"])
            #expect(result.status == 1, "\(result.stderr)")
            let last = try #require(cli.lines().last)
            let at = try #require(last.range(of: #""at":""#).map { String(last[$0.upperBound...].prefix(24)) })
            #expect(result.stderr.contains("earlier than \(at), the time of the last record"), "\(result.stderr)")
            #expect(result.stderr.contains("the clock reads"), "\(result.stderr)")
            #expect(try Self.bytes(cli) == before)
            // With the clock right again, the same action succeeds.
            #expect(try Self.lock(cli, [:]).status == 0)
        }

        @Test func theFaultVariableIsHonouredByADebugBuild() throws {
            let cli = CLI()
            defer { cli.remove() }
            try cli.initialised()
            let result = try Self.lock(cli, ["RELEASEDESK_FAULT": "open:1:EIO"])
            #expect(result.status == 74)
            #expect(
                result.stderr.contains("open on") && result.stderr.contains("Input/output error"), "\(result.stderr)")
            #expect(try Self.lock(cli, [:]).status == 0)  // the same command without the fault
        }
    #else
        @Test func aReleaseBuildIgnoresTheFaultAndClockVariables() throws {
            let cli = CLI()
            defer { cli.remove() }
            try cli.initialised()
            let result = try Self.lock(
                cli, ["RELEASEDESK_FAULT": "open:1:EIO", "RELEASEDESK_TEST_CLOCK_SHIFT_MS": "-3600000"])
            #expect(result.status == 0, "\(result.stderr)")
            let binary = try Data(contentsOf: URL(fileURLWithPath: CLI.binary))
            #expect(binary.range(of: Data("RELEASEDESK_FAULT".utf8)) == nil)
            #expect(binary.range(of: Data("RELEASEDESK_TEST_".utf8)) == nil)
        }
    #endif
}
