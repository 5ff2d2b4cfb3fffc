import Foundation
import Testing

/// The release workflow through the real binary, on the demo journal.
@Suite("Release through the command line", .serialized)
struct ReleaseCLITests {
    static let sampleData: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/SampleData"
    }()

    static let answers = [
        "batch-record-reviewed", "deviations-assessed", "results-meet-specification", "identity-and-custody-verified",
        "nothing-negates-certification",
    ].flatMap { ["--answer", "\($0)=yes"] }

    /// A demo journal in the test's directory; returns its path.
    static func demo(_ cli: CLI) throws -> String {
        let built = try cli.run(
            ["--demo", "--keep-demo", "--user", "qa.anna", "--password-stdin", "queue"], input: "demo-qa-anna\n",
            extraEnvironment: ["RELEASEDESK_SAMPLE_DATA": sampleData, "TMPDIR": cli.directory])
        precondition(built.status == 0, built.stderr)
        let marker = "demo journal built at "
        let line = built.stderr.split(separator: "\n").first { $0.contains(marker) }!
        return String(line[line.range(of: marker)!.upperBound...])
    }

    static func readyBatches(_ cli: CLI, _ journal: String) throws -> [String] {
        let queue = try cli.run(
            ["--journal", journal, "--user", "qp.maria", "--password-stdin", "queue", "--json"],
            input: "demo-qp-maria\n")
        return queue.stdout.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["status"] as? String == "ready-for-qp"
            else { return nil }
            return object["batch"] as? String
        }
    }

    /// The supervisor reviews the batch's audit trail (a certification gate).
    static func reviewTrail(_ cli: CLI, _ journal: String, _ batch: String) throws {
        let reviewed = try cli.run(
            [
                "--journal", journal, "--user", "sup.kenji", "--password-stdin", "audit-review", batch, "--reason",
                "trail read",
            ],
            input: "demo-sup-kenji\n")
        precondition(reviewed.status == 0, reviewed.stderr)
    }

    static func lines(_ journal: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func certificationSignsTheSHA256OfTheReportAndIsRefusedToQAAndASecondTime() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Self.demo(cli)
        let batch = try Self.readyBatches(cli, journal).first!
        let unreviewed = try cli.run(
            ["--journal", journal, "--user", "qp.maria", "--password-stdin", "certify", batch, "--reason", "too early"]
                + Self.answers,
            input: "demo-qp-maria\n")
        #expect(unreviewed.status == 1)
        #expect(unreviewed.stderr.contains("audit-trail-review"))
        try Self.reviewTrail(cli, journal, batch)
        let byQA = try cli.run(
            ["--journal", journal, "--user", "qa.anna", "--password-stdin", "certify", batch, "--reason", "ok"]
                + Self.answers,
            input: "demo-qa-anna\n")
        #expect(byQA.status == 77)
        #expect(byQA.stderr.contains("refused (role)"))
        // The refused attempt is part of the batch's trail, so the report is taken after it.
        let report = try cli.run(
            ["--journal", journal, "--user", "qp.maria", "--password-stdin", "report", batch, "--format", "json"],
            input: "demo-qp-maria\n")
        let line = report.stdout.hasSuffix("\n") ? String(report.stdout.dropLast()) : report.stdout
        let expected = SHA.hex(of: line)

        let certified = try cli.run(
            [
                "--journal", journal, "--user", "qp.maria", "--password-stdin", "certify", batch, "--reason",
                "all gates closed",
            ]
                + Self.answers, input: "demo-qp-maria\n")
        #expect(certified.status == 0, "\(certified.stderr)")
        #expect(certified.stderr.contains("You are about to sign:"))
        #expect(certified.stderr.contains("signer     María José Fernández (qp.maria)"))
        #expect(certified.stdout.contains("meaning: certified"))
        let record = Self.lines(journal).last { $0["kind"] as? String == "batch.certified" }!
        let signature = (record["body"] as! [String: Any])["signature"] as! [String: Any]
        #expect(signature["subject_sha256"] as? String == expected)
        #expect(signature["subject"] as? String == "batch:\(batch)")
        #expect(signature["name"] as? String == "María José Fernández")

        let again = try cli.run(
            ["--journal", journal, "--user", "qp.maria", "--password-stdin", "certify", batch, "--reason", "again"]
                + Self.answers,
            input: "demo-qp-maria\n")
        #expect(again.status == 1)
        #expect(again.stderr.contains("state-changed"))
        let kinds = Self.lines(journal).map { $0["kind"] as? String ?? "" }
        #expect(kinds.filter { $0 == "action.refused" }.count == 3)
        let register = try cli.run(
            ["--journal", journal, "--user", "qp.maria", "--password-stdin", "register"], input: "demo-qp-maria\n")
        #expect(register.stdout.contains("\(batch)  CERTIFIED  signed by María José Fernández (qp.maria)"))
        #expect(try cli.run(["verify", "--journal", journal]).status == 0)
    }

    @Test func twoProcessesCertifyingTheSameBatchAtOnceExactlyOneSucceeds() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Self.demo(cli)
        let batches = Array(try Self.readyBatches(cli, journal).prefix(5))
        #expect(batches.count >= 5)
        for batch in batches { try Self.reviewTrail(cli, journal, batch) }
        for batch in batches {
            let processes = (0..<2).map { _ in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: CLI.binary)
                p.arguments =
                    [
                        "--journal", journal, "--user", "qp.maria", "--password-stdin", "certify", batch, "--reason",
                        "race",
                    ] + Self.answers
                p.environment = cli.environment
                let input = Pipe()
                p.standardInput = input
                p.standardOutput = Pipe()
                let err = Pipe()
                p.standardError = err
                return (p, input, err)
            }
            for (p, input, _) in processes {
                try p.run()
                input.fileHandleForWriting.write(Data("demo-qp-maria\n".utf8))
                try input.fileHandleForWriting.close()
            }
            var statuses: [Int32] = []
            var errors: [String] = []
            for (p, _, err) in processes {
                let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                statuses.append(p.terminationStatus)
                errors.append(text)
            }
            #expect(statuses.sorted() == [0, 1], "\(batch): \(statuses) \(errors)")
            #expect(errors.contains { $0.contains("state-changed") })
        }
        let certified = Self.lines(journal).filter { $0["kind"] as? String == "batch.certified" }
            .compactMap { ($0["body"] as? [String: Any])?["batch"] as? String }
        #expect(certified.sorted() == batches.sorted())
        #expect(try cli.run(["verify", "--journal", journal]).status == 0)
    }

    @Test func auditCSVOfTheSampleJournalParsesBackIdenticallyAndNeutralisesAHyperlinkDeviationText() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Self.demo(cli)
        let formula = "=HYPERLINK(\"http://example.invalid/x\",\"open\")"
        let opened = try cli.run(
            [
                "--journal", journal, "--user", "qa.anna", "--password-stdin", "deviation", "open", "CART-26-0050",
                "--exception", "EXC-CART-26-0050-OOT-car_positive-run", "--class", "minor", "--title", formula,
                "--description", formula, "--reason", formula,
            ], input: "demo-qa-anna\n")
        #expect(opened.status == 0, "\(opened.stderr)")
        // A reason on two lines keeps its line feed inside a quoted cell (RFC 4180).
        let held = try cli.run(
            [
                "--journal", journal, "--user", "qp.maria", "--password-stdin", "hold", "CART-26-0050", "--reason",
                "complaint received\nawaiting the investigation",
            ], input: "demo-qp-maria\n")
        #expect(held.status == 0, "\(held.stderr)")
        let csv = try cli.run(
            ["--journal", journal, "--user", "sup.kenji", "--password-stdin", "audit", "--format", "csv"],
            input: "demo-sup-kenji\n")
        let jsonl = try cli.run(
            ["--journal", journal, "--user", "sup.kenji", "--password-stdin", "audit", "--format", "jsonl"],
            input: "demo-sup-kenji\n")
        #expect(csv.status == 0 && jsonl.status == 0)
        try csv.stdout.write(toFile: cli.directory + "/audit.csv", atomically: true, encoding: .utf8)
        try jsonl.stdout.write(toFile: cli.directory + "/audit.jsonl", atomically: true, encoding: .utf8)
        // Python's csv module reads every row back: the envelope fields and the body equal the JSON Lines
        // export record by record, and no cell starts a formula.
        let script = """
            import csv, json, sys
            rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
            records = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
            assert rows[0] == ['seq','at','actor','host','kind','batch','summary','reason','signature','body'], rows[0]
            assert len(rows) - 1 == len(records), (len(rows), len(records))
            for row, rec in zip(rows[1:], records):
                assert len(row) == 10, row
                assert [int(row[0]), row[1], row[2], row[3], row[4]] == [rec['seq'], rec['at'], rec['actor'], rec['host'], rec['kind']], row
                body = row[9][1:] if row[9].startswith("'") else row[9]
                assert json.loads(body) == rec['body'], row[0]
                reason = rec['body'].get('reason', '')
                assert row[7] == ("'" + reason if reason[:1] in ('=', '+', '-', '@') else reason), row[7]
            bad = [c for r in rows for c in r if c[:1] in ('=', '+', '-', '@')]
            assert not bad, bad
            held = [r for r in rows if r[4] == 'batch.held']
            assert held and held[-1][7] == 'complaint received\\nawaiting the investigation', held
            dev = [r for r in rows if r[4] == 'deviation.opened']
            assert dev and dev[0][7].startswith("'=HYPERLINK("), dev
            print(len(rows) - 1)
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, cli.directory + "/audit.csv", cli.directory + "/audit.jsonl"]
        let err = Pipe()
        python.standardError = err
        try python.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "\(message)")
    }
}
