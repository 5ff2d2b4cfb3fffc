import Foundation
import Testing

/// `--readonly`: a session that journals its sign-ins and writes nothing else, whatever the command.
@Suite("A read-only session through the command line", .serialized)
struct ReadOnlyCLITests {
    typealias Release = ReleaseCLITests

    /// Runs `arguments` as `user` with `--readonly` placed before the subcommand (`before`) or after it all.
    static func readOnly(
        _ cli: CLI, _ journal: String, as user: String, password: String, _ arguments: [String], before: Bool
    ) throws -> CLI.Result {
        let global = ["--journal", journal, "--user", user, "--password-stdin"]
        let placed = before ? ["--readonly"] + arguments : arguments + ["--readonly"]
        return try cli.run(global + placed, input: "\(password)\n\(password)-new-9\n\(password)-new-9\n")
    }

    @Test func everyCommandThatWritesIsRefusedBeforeThePasswordAndTheJournalIsUnchanged() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Release.demo(cli)
        let batch = try Release.readyBatches(cli, journal).first!
        let sample = Release.sampleData + "/batches.json"
        let writers: [(user: String, password: String, arguments: [String])] = [
            ("qp.maria", "demo-qp-maria", ["hold", batch, "--reason", "complaint under review"]),
            ("qp.maria", "demo-qp-maria", ["certify", batch, "--reason", "all gates met"] + Release.answers),
            ("qp.maria", "demo-qp-maria", ["reject", batch, "--reason", "failed"]),
            ("qa.anna", "demo-qa-anna", ["comment", batch, "--text", "a note"]),
            ("qa.anna", "demo-qa-anna", ["import", sample, "--reason", "again"]),
            ("qa.anna", "demo-qa-anna", ["assign", batch, "--to", "qa.anna"]),
            ("qa.anna", "demo-qa-anna", ["user", "passwd"]),
            ("sup.kenji", "demo-sup-kenji", ["audit-review", batch, "--reason", "trail read"]),
            ("admin", "demo-admin-1", ["user", "add", "qa.zed", "--name", "Zed", "--role", "qa"]),
            ("admin", "demo-admin-1", ["diagnostics", "append", "--count", "1"]),
        ]
        let before = try Data(contentsOf: URL(fileURLWithPath: journal))
        for writer in writers {
            for placement in [true, false] {
                let result = try Self.readOnly(
                    cli, journal, as: writer.user, password: writer.password, writer.arguments, before: placement)
                #expect(result.status == 77, "\(writer.arguments) \(result.stderr)")
                #expect(
                    result.stderr.contains("read-only session (--readonly)"), "\(writer.arguments) \(result.stderr)")
                #expect(!result.stderr.contains("Password"), "\(writer.arguments): asked for a password")
                #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == before, "\(writer.arguments) wrote")
            }
        }
        // Commands that create a journal are refused too, and create nothing.
        let fresh = cli.directory + "/fresh.jsonl"
        let created = try cli.run(
            ["--readonly", "--journal", fresh, "init", "--admin", "root", "--name", "Root", "--password-stdin"],
            input: "admin-pass-1\nadmin-pass-1\n")
        #expect(created.status == 77, "\(created.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh))
        let sampled = try cli.run(["sample", "--readonly", "--out", cli.directory + "/sampled", "--records", "10"])
        #expect(sampled.status == 77, "\(sampled.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory + "/sampled/journal.jsonl"))
        let migrated = try cli.run(["store", "migrate", "--readonly", "--from", journal, "--to", fresh])
        #expect(migrated.status == 77, "\(migrated.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }

    @Test func readingCommandsWorkAndOnlyTheirSignInIsJournaled() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Release.demo(cli)
        let batch = try Release.readyBatches(cli, journal).first!
        for arguments in [["queue", "--json"], ["report", batch], ["audit", "--batch", batch], ["verify"]] {
            let count = Release.lines(journal).count
            let result = try Self.readOnly(
                cli, journal, as: "qp.maria", password: "demo-qp-maria", arguments, before: true)
            #expect(result.status == 0, "\(arguments) \(result.stderr)")
            let added = Release.lines(journal).dropFirst(count).map { $0["kind"] as? String }
            #expect(added.allSatisfy { $0?.hasPrefix("user.sign_in") == true }, "\(arguments) wrote \(added)")
        }
    }
}
