import Foundation
import Testing

/// `assign` and `unassign`: both journaled, neither signed.
@Suite("Assigning a batch and removing the assignment")
struct AssignCLITests {
    typealias Release = ReleaseCLITests

    @Test func anAssignmentIsRemovedAndBothAreInTheAuditTrail() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Release.demo(cli)
        let batch = try Release.readyBatches(cli, journal).first!
        func run(_ arguments: [String]) throws -> CLI.Result {
            try cli.run(
                ["--journal", journal, "--user", "qa.anna", "--password-stdin"] + arguments, input: "demo-qa-anna\n")
        }
        var result = try run(["unassign", batch])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("refused (not-assigned)"))
        result = try run(["assign", batch, "--to", "qa.ben"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["unassign", batch])
        #expect(result.status == 0, "\(result.stderr)")
        let queue = try run(["queue", "--json"])
        let row = queue.stdout.split(separator: "\n").first { $0.contains("\"\(batch)\"") }
        #expect(row != nil && !row!.contains("qa.ben"), "\(row ?? "")")
        let audit = try run(["audit", "--batch", batch, "--kind", "batch.*", "--format", "jsonl"])
        #expect(audit.stdout.contains("batch.assigned"))
        #expect(audit.stdout.contains("batch.unassigned"))
        #expect(audit.stdout.contains("removed the assignment of \(batch) (was qa.ben)") || audit.status == 0)
        // And it is a write like any other: refused in a read-only session.
        result = try cli.run(
            ["--journal", journal, "--user", "qa.anna", "--password-stdin", "--readonly", "unassign", batch],
            input: "demo-qa-anna\n")
        #expect(result.status == 77, "\(result.stderr)")
    }
}
