import Foundation
import Testing

/// The release rules an inspector relies on, through the real binary on the demo journal: each refusal exits 1
/// (rule) or 77 (permission), names its gate, and is journaled.
@Suite("Trusted release rules through the command line", .serialized)
struct TrustCLITests {
    typealias R = ReleaseCLITests
    static let batch = "CART-26-0021"
    static let oos = "EXC-CART-26-0021-OOS-viability"
    static let oot = "EXC-CART-26-0021-OOT-viability"
    static let passwords = [
        "qa.anna": "demo-qa-anna", "qa.ben": "demo-qa-ben", "qp.maria": "demo-qp-maria", "sup.kenji": "demo-sup-kenji",
        "admin": "demo-admin-1",
    ]

    static func run(_ cli: CLI, _ journal: String, as user: String, _ arguments: [String], input extra: String = "")
        throws -> CLI.Result
    {
        try cli.run(
            ["--journal", journal, "--user", user, "--password-stdin"] + arguments,
            input: passwords[user]! + "\n" + extra)
    }

    static func refusals(_ journal: String, gate: String) -> Int {
        R.lines(journal).filter {
            $0["kind"] as? String == "action.refused" && ($0["body"] as? [String: Any])?["gate"] as? String == gate
        }
        .count
    }

    /// The viability result id behind the OOS exception, from `review --json`.
    static func oosResult(_ cli: CLI, _ journal: String) throws -> String {
        let review = try run(cli, journal, as: "qa.anna", ["review", batch, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(review.stdout.utf8)) as! [String: Any]
        let exceptions = object["exceptions"] as! [[String: Any]]
        let source = exceptions.first { $0["id"] as? String == oos }!["source"] as! String
        return String(source.split(separator: " ")[2])
    }

    static func state(of exception: String, _ cli: CLI, _ journal: String) throws -> String? {
        let review = try run(cli, journal, as: "qa.anna", ["review", batch, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(review.stdout.utf8)) as! [String: Any]
        return (object["exceptions"] as! [[String: Any]]).first { $0["id"] as? String == exception }?["state"]
            as? String
    }

    @Test func anOOSResultIsRefusedAsNoImpactAndTheRefusalIsJournaled() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try R.demo(cli)
        let justified = try Self.run(
            cli, journal, as: "qa.anna", ["disposition", Self.batch, Self.oos, "--justify", "--reason", "no impact"])
        #expect(justified.status == 1)
        #expect(justified.stderr.contains("oos"))
        #expect(Self.refusals(journal, gate: "oos") == 1)
        #expect(try Self.state(of: Self.oos, cli, journal) == "open")
        let gates = try Self.run(cli, journal, as: "qp.maria", ["certify", Self.batch, "--gates"])
        #expect(gates.stdout.contains("oos:"), "\(gates.stdout)")
    }

    @Test func invalidationWithARetestClearsTheOOSGateAndKeepsTheResultMarked() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try R.demo(cli)
        let result = try Self.oosResult(cli, journal)
        let noCause = try Self.run(
            cli, journal, as: "qa.ben",
            ["oos-investigation", Self.batch, result, "--invalidate", "--cause", " \u{200B} ", "--reason", "LI-7"])
        #expect(noCause.status == 1)
        #expect(noCause.stderr.contains("cause"))
        let invalidated = try Self.run(
            cli, journal, as: "qa.ben",
            [
                "oos-investigation", Self.batch, result, "--invalidate", "--cause", "pipetting error (LI-7)",
                "--reason", "phase I complete",
            ])
        #expect(invalidated.status == 0, "\(invalidated.stderr)")
        #expect(invalidated.stdout.contains("meaning: reviewed"))
        #expect(try Self.state(of: Self.oos, cli, journal) == "invalidated")
        // A re-test imported afterwards counts; the invalidated result stays in the exception.
        let csv = cli.directory + "/retest.csv"
        let tested = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
        try
            "batch,result_id,attribute,value,unit,tested_at,status,correction_reason\n\(Self.batch),\(result)-RT,viability,86.0,%,\(tested),final,\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try Self.run(
            cli, journal, as: "qa.anna", ["import", csv, "--reason", "re-test after invalidation"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let review = try Self.run(cli, journal, as: "qa.anna", ["review", Self.batch])
        #expect(review.stdout.contains("\(result)"))
        #expect(review.stdout.contains("invalidated"))
        let gates = try Self.run(cli, journal, as: "qp.maria", ["certify", Self.batch, "--gates"])
        #expect(!gates.stdout.contains("oos:"), "\(gates.stdout)")
        #expect(gates.stdout.contains("undispositioned-exceptions"), "the OOT exception is still open: \(gates.stdout)")
    }

    @Test func aConfirmedOOSCannotBeCertifiedAndIsRejected() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try R.demo(cli)
        let result = try Self.oosResult(cli, journal)
        let confirmed = try Self.run(
            cli, journal, as: "qa.ben",
            ["oos-investigation", Self.batch, result, "--confirm", "--reason", "no laboratory cause found"])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(try Self.state(of: Self.oos, cli, journal) == "confirmed")
        let certify = try Self.run(
            cli, journal, as: "qp.maria", ["certify", Self.batch, "--reason", "try"] + R.answers)
        #expect(certify.status == 1)
        #expect(certify.stderr.contains("oos"))
        let rejected = try Self.run(
            cli, journal, as: "qp.maria", ["reject", Self.batch, "--reason", "OOS viability confirmed"])
        #expect(rejected.status == 0, "\(rejected.stderr)")
    }

    @Test func whoeverOpensAMajorDeviationCannotApproveItButASecondQACan() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try R.demo(cli)
        let opened = try Self.run(
            cli, journal, as: "qa.anna",
            [
                "deviation", "open", Self.batch, "--exception", Self.oos, "--exception", Self.oot, "--class", "major",
                "--title", "Viability OOS",
                "--description", "76.5 % below 80 %", "--reason", "OOS",
            ])
        #expect(opened.status == 0, "\(opened.stderr)")
        let own = try Self.run(
            cli, journal, as: "qa.anna", ["deviation", "approve-classification", "DEV-0001", "--reason", "agreed"])
        #expect(own.status == 77)
        #expect(own.stderr.contains("four-eyes"))
        #expect(Self.refusals(journal, gate: "four-eyes") == 1)
        let second = try Self.run(
            cli, journal, as: "qa.ben", ["deviation", "approve-classification", "DEV-0001", "--reason", "agreed"])
        #expect(second.status == 0, "\(second.stderr)")
    }

    @Test func anAdministratorCannotHoldAGMPRoleAndANewPasswordIsTemporary() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try R.demo(cli)
        let mixed = try Self.run(
            cli, journal, as: "admin",
            ["user", "add", "it.qa", "--name", "Mixed Account", "--role", "admin", "--role", "qa"],
            input: "mixed-pass-123\n")
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("segregation-of-duties"))
        let added = try Self.run(
            cli, journal, as: "admin",
            ["user", "add", "qa.cleo", "--name", "Cleo Nakamura", "--role", "qa", "--reason", "joined QA"],
            input: "temp-pass-123\n")
        #expect(added.status == 0, "\(added.stderr)")
        let early = try cli.run(
            ["--journal", journal, "--user", "qa.cleo", "--password-stdin", "queue"], input: "temp-pass-123\n")
        #expect(early.status == 77)
        #expect(early.stderr.contains("temporary-password"))
        let own = try cli.run(
            ["--journal", journal, "--user", "qa.cleo", "--password-stdin", "user", "passwd"],
            input: "temp-pass-123\ncleo-own-pass-1\n")
        #expect(own.status == 0, "\(own.stderr)")
        let after = try cli.run(
            ["--journal", journal, "--user", "qa.cleo", "--password-stdin", "queue"], input: "cleo-own-pass-1\n")
        #expect(after.status == 0, "\(after.stderr)")
    }

    @Test func aSampledBatchNeedsASignedFullReviewBeforeTheQP() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try R.demo(cli)
        let queue = try Self.run(cli, journal, as: "qp.maria", ["queue", "--json"])
        let sampled = queue.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["status"] as? String == "full-review"
            else { return nil }
            return object["batch"] as? String
        }
        guard let batch = sampled.first else {
            Issue.record("the demo has no batch chosen for full review")
            return
        }
        let early = try Self.run(cli, journal, as: "qp.maria", ["certify", batch, "--gates"])
        #expect(early.status == 1)
        #expect(early.stdout.contains("full-review:"), "\(early.stdout)")
        let byQP = try Self.run(cli, journal, as: "qp.maria", ["full-review", batch, "--reason", "read"])
        #expect(byQP.status == 77)
        let full = try Self.run(
            cli, journal, as: "qa.anna", ["full-review", batch, "--reason", "whole record read, nothing found"])
        #expect(full.status == 0, "\(full.stderr)")
        // The full review is part of the batch's trail: the supervisor reviews the trail after it.
        try R.reviewTrail(cli, journal, batch)
        let certified = try Self.run(
            cli, journal, as: "qp.maria", ["certify", batch, "--reason", "all gates closed"] + R.answers)
        #expect(certified.status == 0, "\(certified.stderr)")
    }
}
