import CanonicalJSON
import Foundation
import ReleaseDeskJournal
import Testing

/// Journal lines as canonical JSON objects, edited and re-chained the way a forger would.
struct ForgedJournal {
    var records: [[String: JSONValue]]

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        records = try text.split(separator: "\n").map { line in
            try CanonicalJSON.decode(Array(line.utf8)).objectValue!
        }
    }

    func index(where match: ([String: JSONValue]) -> Bool) -> Int { records.firstIndex(where: match)! }

    /// Writes the records, recomputing every `prev` from `start` on so the chain holds again.
    func write(to path: String, rechainingFrom start: Int) throws {
        var out: [UInt8] = []
        var previous: String? = nil
        for (i, record) in records.enumerated() {
            var record = record
            if i >= start, let previous { record["prev"] = .string(previous) }
            let line = try CanonicalJSON.encode(.object(record))
            previous = Digest.sha256(line).hex
            out += line + [0x0A]
        }
        try Data(out).write(to: URL(fileURLWithPath: path))
    }
}

/// `verify --deep` through the real binary: what the chain cannot see, the signatures do.
@Suite("Deep verification through the command line", .serialized)
struct DeepVerifyCLITests {
    typealias Release = ReleaseCLITests

    /// A demo journal with one certified batch; returns the journal and the batch.
    static func certified(_ cli: CLI) throws -> (String, String) {
        let journal = try Release.demo(cli)
        let batch = try Release.readyBatches(cli, journal).first!
        try Release.reviewTrail(cli, journal, batch)
        let certified = try cli.run(
            [
                "--journal", journal, "--user", "qp.maria", "--password-stdin", "certify", batch, "--reason",
                "all gates closed",
            ]
                + Release.answers, input: "demo-qp-maria\n")
        precondition(certified.status == 0, certified.stderr)
        return (journal, batch)
    }

    /// `verify --deep --json` with a state directory of its own: no witness helps.
    static func deep(_ cli: CLI, _ journal: String) throws -> (Int32, [String: Any], String) {
        let result = try cli.run(
            ["--journal", journal, "verify", "--deep", "--json"],
            extraEnvironment: ["XDG_STATE_HOME": cli.directory + "/fresh-state-" + UUID().uuidString])
        let object = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        return (result.status, object, result.stdout)
    }

    static func findings(_ report: [String: Any]) -> [[String: Any]] {
        ((report["deep"] as? [String: Any])?["findings"] as? [[String: Any]]) ?? []
    }

    static func isCertification(_ batch: String) -> ([String: JSONValue]) -> Bool {
        { $0["kind"] == "batch.certified" && $0["body"]?["batch"] == .string(batch) }
    }

    @Test func anUntouchedJournalPassesTheDeepCheck() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, _) = try Self.certified(cli)
        let (status, report, _) = try Self.deep(cli, journal)
        #expect(status == 0)
        let deep = report["deep"] as? [String: Any]
        #expect(deep?["status"] as? String == "ok")
        #expect((deep?["signatures"] as? Int ?? 0) > 0)
        let text = try cli.run(["--journal", journal, "verify", "--deep"])
        #expect(text.stdout.contains("deep      ok:"))
    }

    @Test func editedBatchDataUnderACertificationReChainedIsCaught() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, batch) = try Self.certified(cli)
        var forged = try ForgedJournal(path: journal)
        let imported = forged.index { $0["kind"] == "batch.imported" && $0["body"]?["batch_id"] == .string(batch) }
        var body = forged.records[imported]["body"]!.objectValue!
        var data = body["batch"]!.objectValue!
        data["expiry"] = "2099-01-01T00:00:00.000Z"
        body["batch"] = .object(data)
        forged.records[imported]["body"] = .object(body)
        try forged.write(to: journal, rechainingFrom: imported + 1)
        let plain = try cli.run(
            ["--journal", journal, "verify"], extraEnvironment: ["XDG_STATE_HOME": cli.directory + "/plain-state"])
        #expect(plain.status == 0)  // the chain holds: only the signatures can tell
        let (status, report, _) = try Self.deep(cli, journal)
        #expect(status == 1)
        let certification = forged.index(where: Self.isCertification(batch))
        let finding = Self.findings(report).first { $0["kind"] as? String == "batch.certified" }
        #expect(finding?["seq"] as? Int == certification + 1)
        #expect(finding?["line"] as? Int == certification + 1)
        #expect(finding?["batch"] as? String == batch)
        #expect((finding?["problem"] as? String)?.contains("subject_sha256") == true)
        let text = try cli.run(
            ["--journal", journal, "verify", "--deep"], extraEnvironment: ["XDG_STATE_HOME": cli.directory + "/s2"])
        #expect(
            text.stdout.contains(
                "signature MISMATCH at line \(certification + 1), record \(certification + 1) (batch.certified, batch \(batch))"
            ))
    }

    @Test func aZeroedSubjectDigestIsCaught() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, batch) = try Self.certified(cli)
        var forged = try ForgedJournal(path: journal)
        let certification = forged.index(where: Self.isCertification(batch))
        var body = forged.records[certification]["body"]!.objectValue!
        var signature = body["signature"]!.objectValue!
        signature["subject_sha256"] = .string(String(repeating: "0", count: 64))
        body["signature"] = .object(signature)
        forged.records[certification]["body"] = .object(body)
        try forged.write(to: journal, rechainingFrom: certification + 1)
        let (status, report, _) = try Self.deep(cli, journal)
        #expect(status == 1)
        #expect(Self.findings(report).map { $0["seq"] as? Int } == [certification + 1])
    }

    @Test func aSignatureCopiedOntoAnotherRecordIsCaught() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, batch) = try Self.certified(cli)
        let other = try Release.readyBatches(cli, journal).first { $0 != batch }!
        let held = try cli.run(
            [
                "--journal", journal, "--user", "qp.maria", "--password-stdin", "hold", other, "--reason",
                "complaint under review",
            ],
            input: "demo-qp-maria\n")
        #expect(held.status == 0, "\(held.stderr)")
        var forged = try ForgedJournal(path: journal)
        let certification = forged.index(where: Self.isCertification(batch))
        let hold = forged.index { $0["kind"] == "batch.held" && $0["body"]?["batch"] == .string(other) }
        var body = forged.records[hold]["body"]!.objectValue!
        body["signature"] = forged.records[certification]["body"]!["signature"]
        forged.records[hold]["body"] = .object(body)
        try forged.write(to: journal, rechainingFrom: hold + 1)
        let (status, report, _) = try Self.deep(cli, journal)
        #expect(status == 1)
        let findings = Self.findings(report)
        #expect(findings.map { $0["seq"] as? Int } == [hold + 1])
        #expect(findings.first?["batch"] as? String == other)
    }
}
