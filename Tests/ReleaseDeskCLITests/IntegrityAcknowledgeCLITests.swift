import CanonicalJSON
import Foundation
import ReleaseDeskJournal
import Testing

/// An integrity alarm is acknowledged by an administrator, signed with the finding; only then do witnesses
/// move on. Refusals name their batch.
@Suite("Integrity alarms and refusals through the command line", .serialized)
struct IntegrityAcknowledgeCLITests {
    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func anAlarmIsAcknowledgedBySignedFindingAndOnlyThenWitnessesMoveOn() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let annaState = ["XDG_STATE_HOME": cli.directory + "/anna-state"]
        #expect(try cli.run(["verify"]).status == 0)
        #expect(try cli.run(["verify"], extraEnvironment: annaState).status == 0)
        let noAlarm = try cli.run(
            ["integrity", "acknowledge", "--finding", "x", "--user", "dana", "--password-stdin"],
            input: "admin-pass-1\n")
        #expect(noAlarm.status == 1)
        #expect(noAlarm.stderr.contains("no integrity alarm to acknowledge"))

        // The last record is changed: the chain cannot see it, the witness can.
        var forged = try ForgedJournal(path: cli.journal)
        let oldHead = SHA.hex(of: cli.lines().last!)
        let last = forged.records.count - 1
        var body = forged.records[last]["body"]!.objectValue!
        body["name"] = "Anna Forged"
        forged.records[last]["body"] = .object(body)
        try forged.write(to: cli.journal, rechainingFrom: last)
        let newHead = SHA.hex(of: cli.lines().last!)
        let alarmed = try cli.run(["verify", "--json"])
        #expect(alarmed.status == 1)
        #expect((Self.json(alarmed.stdout)["witness"] as? [String: Any])?["status"] as? String == "changed")
        let lock = try cli.run(
            ["user", "lock", "qa.anna", "--reason", "test", "--user", "dana", "--password-stdin"],
            input: "admin-pass-1\n")
        #expect(lock.status == 1)
        #expect(lock.stderr.contains("integrity alarm"))
        let before = cli.lines().count

        let acknowledged = try cli.run(
            [
                "integrity", "acknowledge", "--finding",
                "restored the enrolment record from the paper form; name corrected",
                "--user", "dana", "--password-stdin",
            ], input: "admin-pass-1\n")
        #expect(acknowledged.status == 0, "\(acknowledged.stderr)")
        #expect(acknowledged.stderr.contains("You are about to sign:"))
        #expect(acknowledged.stdout.contains("acknowledged the integrity alarm at witness seq \(last + 1)"))
        #expect(acknowledged.stdout.contains("meaning: acknowledged"))
        let lines = cli.lines()
        #expect(lines.count == before + 1)
        let record = try CanonicalJSON.decode(Array(lines.last!.utf8))
        #expect(record["kind"] == "integrity.alarm_acknowledged")
        #expect(record["actor"] == "dana")
        #expect(record["body"]?["witness"] == ["seq": .int(Int64(last + 1)), "sha256": .string(oldHead)])
        #expect(record["body"]?["head"] == ["seq": .int(Int64(last + 1)), "sha256": .string(newHead)])
        #expect(record["body"]?["signature"]?["meaning"] == "acknowledged")

        // The administrator's witness moved on; so does every witness the record names (Anna's saw the same head).
        let after = try cli.run(["verify", "--deep", "--json"])
        #expect(after.status == 0, "\(after.stdout)")
        #expect((Self.json(after.stdout)["witness"] as? [String: Any])?["status"] as? String == "matches")
        let anna = try cli.run(["verify", "--json"], extraEnvironment: annaState)
        #expect(anna.status == 0)
        #expect((Self.json(anna.stdout)["witness"] as? [String: Any])?["status"] as? String == "acknowledged")
        #expect(try cli.run(["verify", "--json"], extraEnvironment: annaState).status == 0)
        // Only an administrator acknowledges.
        let byQA = try cli.run(
            [
                "integrity", "acknowledge", "--finding", "x", "--witness-seq", String(last + 1), "--witness-hash",
                oldHead, "--user",
                "qa.anna", "--password-stdin",
            ], input: "qa-pass-123\n", extraEnvironment: annaState)
        #expect(byQA.status == 77)
        #expect(byQA.stderr.contains("role"))
        let lockedNow = try cli.run(
            ["user", "lock", "qa.anna", "--reason", "test", "--user", "dana", "--password-stdin"],
            input: "admin-pass-1\n")
        #expect(lockedNow.status == 0, "\(lockedNow.stderr)")
    }

    @Test func aRefusalOnABatchOrDeviationIsInThatBatchsAuditTrail() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try ReleaseCLITests.demo(cli)
        let batch = try ReleaseCLITests.readyBatches(cli, journal).first!
        let refused = try cli.run(
            ["--journal", journal, "--user", "qa.anna", "--password-stdin", "certify", batch, "--reason", "not mine"]
                + ReleaseCLITests.answers, input: "demo-qa-anna\n")
        #expect(refused.status == 77)
        let record = try CanonicalJSON.decode(Array(cliLastLine(journal).utf8))
        #expect(record["kind"] == "action.refused")
        #expect(record["body"]?["batch"] == .string(batch))
        let audit = try cli.run(
            ["--journal", journal, "--user", "qa.anna", "--password-stdin", "audit", "--batch", batch],
            input: "demo-qa-anna\n")
        #expect(audit.status == 0)
        #expect(audit.stdout.contains("refused batch.certify at gate role"))
    }

    func cliLastLine(_ journal: String) -> String {
        let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
        return String(text.split(separator: "\n").last ?? "")
    }
}
