import Foundation
import Testing

@Suite("The releasedesk command", .serialized)
struct CLITests {
    @Test func initAndUserAddWriteAJournalThatPythonReadsBackByteForByte() throws {
        let cli = CLI(standardHashCost: true)
        defer { cli.remove() }
        try cli.initialised()
        let script = """
            import json, sys, hashlib
            prev = "0" * 64
            for n, line in enumerate(open(sys.argv[1], "rb").read().split(b"\\n")[:-1], 1):
                o = json.loads(line)
                assert json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == line, n
                assert o["prev"] == prev and o["seq"] == n, n
                prev = hashlib.sha256(line).hexdigest()
            print(n)
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, cli.journal]
        let out = Pipe()
        python.standardOutput = out
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        // Created, enrolled twice, and the new user's own password.
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).hasPrefix("4"))
        let credentials = try String(contentsOfFile: cli.directory + "/journal.credentials.json", encoding: .utf8)
        #expect(!cli.lines().joined().contains("admin-pass-1"))
        #expect(!credentials.contains("admin-pass-1"))
        #expect(credentials.contains(#""log2_n":17"#))
        let mode =
            try FileManager.default.attributesOfItem(atPath: cli.directory + "/journal.credentials.json")[
                .posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func verifyExitsZeroOnAGoodJournalAndOneOnCorruptionNamingLineAndOffset() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        #expect(try cli.run(["verify"]).status == 0)
        var lines = cli.lines()
        lines[1] = lines[1].replacingOccurrences(of: "Dana Whitfield", with: "Dana Whitfielt")
        try (lines.joined(separator: "\n") + "\n").write(toFile: cli.journal, atomically: false, encoding: .utf8)
        let result = try cli.run(["verify", "--json"])
        #expect(result.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(report?["status"] as? String == "corrupt")
        let corruption = report?["corruption"] as? [String: Any]
        #expect(corruption?["line"] as? Int == 3)
        #expect(corruption?["offset"] as? Int == lines[0].utf8.count + 1 + lines[1].utf8.count + 1)
    }

    @Test func badArgumentsExit64AndMissingJournalExits66() throws {
        let cli = CLI()
        defer { cli.remove() }
        #expect(try cli.run(["verify", "--expect-seq", "3"]).status == 64)
        #expect(try cli.run(["verify", "--no-such-flag"]).status == 64)
        #expect(try cli.run(["verify"]).status == 66)
        #expect(try cli.run(["--version"]).status == 0)
    }

    @Test func witnessCatchesRemovalOfTheLastRecord() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        #expect(try cli.run(["verify"]).status == 0)
        let lines = cli.lines()
        try (lines.dropLast().joined(separator: "\n") + "\n").write(
            toFile: cli.journal, atomically: false, encoding: .utf8)
        let result = try cli.run(["verify"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("history changed since you last saw it at seq \(lines.count)"))
    }

    @Test func expectedSeqAndHashAreCheckedAgainstTheJournal() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let head = cli.lines()[0]
        let hash = SHA.hex(of: head)
        #expect(try cli.run(["verify", "--expect-seq", "1", "--expect-hash", hash]).status == 0)
        let other = String(repeating: "0", count: 64)
        #expect(try cli.run(["verify", "--expect-seq", "1", "--expect-hash", other]).status == 1)
    }

    @Test func fiveWrongPasswordsLockTheAccountAndAreJournaled() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        for _ in 0..<5 {
            let result = try cli.run(
                ["user", "list", "--user", "qa.anna", "--password-stdin"], input: "wrong-password\n")
            #expect(result.status == 77)
        }
        let right = try cli.run(["user", "list", "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n")
        #expect(right.status == 77)
        #expect(right.stderr.contains("locked"))
        let journal = cli.lines()
        #expect(journal.filter { $0.contains(#""kind":"user.sign_in_failed""#) }.count == 6)
        #expect(journal.contains { $0.contains(#""kind":"user.locked""#) && $0.contains(#""actor":"system""#) })
        let unlocked = try cli.run(
            [
                "user", "unlock", "qa.anna", "--reason", "identity confirmed by phone", "--user", "dana",
                "--password-stdin",
            ],
            input: "admin-pass-1\n")
        #expect(unlocked.status == 0)
        #expect(
            try cli.run(["user", "list", "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n").status == 0)
    }

    @Test func onlyAdministratorsEnrolAndTheRefusalIsJournaled() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let result = try cli.run(
            ["user", "add", "qp.x", "--name", "X", "--role", "qp", "--user", "qa.anna", "--password-stdin"],
            input: "qa-pass-123\nanother-pass-1\n")
        #expect(result.status == 77)
        #expect(cli.lines().last?.contains(#""kind":"action.refused""#) == true)
        let reused = try cli.run(
            ["user", "add", "qa.anna", "--name", "Someone Else", "--role", "qa", "--user", "dana", "--password-stdin"],
            input: "admin-pass-1\nanother-pass-1\n")
        #expect(reused.status == 1)
        #expect(reused.stderr.contains("never reused"))
    }

    @Test func auditCSVNeutralisesFormulasAndSanitisesControls() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let added = try cli.run(
            [
                "user", "add", "qa.eve", "--name", "=HYPERLINK(\"http://x\")", "--role", "qa",
                "--reason=-\u{1B}]52;c;evil\u{7}",
                "--user", "dana", "--password-stdin",
            ],
            input: "admin-pass-1\nqa-pass-eve1\n")
        #expect(added.status == 0)
        let csv = try cli.run(
            ["audit", "--format", "csv", "--user", "dana", "--password-stdin"], input: "admin-pass-1\n")
        #expect(csv.status == 0)
        #expect(!csv.stdout.contains("\u{1B}"))
        #expect(!csv.stdout.contains("\u{7}"))
        #expect(csv.stdout.contains("␛]52;c;evil␇"))
        let table = try cli.run(["audit", "--user", "dana", "--password-stdin"], input: "admin-pass-1\n")
        #expect(!table.stdout.contains("\u{1B}"))
        let jsonl = try cli.run(
            ["audit", "--format", "jsonl", "--kind", "user.*", "--user", "dana", "--password-stdin"],
            input: "admin-pass-1\n")
        #expect(!jsonl.stdout.contains("\u{1B}"))
        #expect(jsonl.stdout.split(separator: "\n").count == 4)  // two enrolments, qa.anna's own password, qa.eve
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            "import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline=''))); "
                + "bad=[c for r in rows for c in r if c[:1] in ('=','+','-','@')]; print(len(rows)); sys.exit(1 if bad else 0)",
            cli.directory + "/audit.csv",
        ]
        try csv.stdout.write(toFile: cli.directory + "/audit.csv", atomically: true, encoding: .utf8)
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
    }

    @Test func twoProcessesAppendingAtOnceLeaveAVerifyingChain() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let count = 60
        let group = DispatchGroup()
        nonisolated(unsafe) var outputs: [String] = ["", ""]
        for i in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                let result = try? cli.run(
                    ["diagnostics", "append", "--count", String(count), "--user", "dana", "--password-stdin"],
                    input: "admin-pass-1\n")
                outputs[i] = result?.stdout ?? ""
                group.leave()
            }
        }
        group.wait()
        let acks = outputs.flatMap { $0.split(separator: "\n") }.compactMap { Int($0.dropFirst(4)) }
        #expect(acks.count == 2 * count)
        #expect(Set(acks).count == 2 * count)
        let lines = cli.lines()
        for seq in acks {
            #expect(lines[seq - 1].contains("\"seq\":\(seq),"))
            #expect(lines[seq - 1].contains(#""kind":"synthetic.recorded""#))
        }
        #expect(try cli.run(["verify"]).status == 0)
    }

    static var sampleData: String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/SampleData"
    }

    @Test func badImportExits65NamingFileLineAndFieldAndLeavesTheJournalByteIdentical() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let master = Self.sampleData + "/master-data.json"
        let good = try cli.run(["import", master, "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n")
        #expect(good.status == 0, "\(good.stderr)")
        let before = try String(contentsOfFile: cli.journal, encoding: .utf8)
        let bad = cli.directory + "/bad.json"
        try """
        {"batches": [
          {"id": "B-1", "product": "KYM-19", "site": "SITE-1", "coi": "COI-1", "patient_weight_kg": "72",
           "manufacture_start": "2026-01-01T00:00:00Z", "expiry": "2027-01-01",
           "qc": [{"result_id": "R1", "attribute": "viability", "value": "101.5", "unit": "%", "tested_at": "2026-01-05T00:00:00Z"}]}
        ]}
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try cli.run(["import", bad, "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n")
        #expect(result.status == 65)
        #expect(result.stderr.contains("bad.json:4: field batches[0].qc[0]: 101.5 % is not a possible percentage"))
        #expect(try String(contentsOfFile: cli.journal, encoding: .utf8) == before)
        let missing = try cli.run(
            ["import", cli.directory + "/nope.csv", "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n")
        #expect(missing.status == 66)
    }

    @Test func sampleSiteImportsAndTheQueueAndReviewExplainIt() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let files = ["master-data.json", "batches.json", "qc-results.csv", "custody-events.csv"].map {
            Self.sampleData + "/" + $0
        }
        let imported = try cli.run(
            ["import"] + files + ["--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n")
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(cli.lines().contains { $0.contains(#""kind":"import.committed""#) && $0.contains(#""sha256":""#) })
        let queue = try cli.run(["queue", "--json", "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n")
        #expect(queue.status == 0)
        let rows = queue.stdout.split(separator: "\n")
        #expect(rows.count >= 35)
        let review = try cli.run(
            ["review", "CART-26-0021", "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n")
        #expect(review.stdout.contains("OOS viability 76.5 %"))
        let report = try cli.run(
            ["report", "CART-26-0021", "--format", "json", "--user", "qa.anna", "--password-stdin"],
            input: "qa-pass-123\n")
        #expect(report.status == 0)
        #expect(try cli.run(["verify"]).status == 0)
    }
}

@Suite("info")
struct InfoCLITests {
    @Test func infoShowsTheConfigurationAndThemesInUseAndExits78OnABadConfiguration() throws {
        let cli = CLI()
        defer { cli.remove() }
        let config = cli.directory + "/config.toml"
        try "auth = \"local\"\nidle_lock_minutes = 10\n".write(toFile: config, atomically: true, encoding: .utf8)
        let good = try cli.run(["info"], extraEnvironment: ["RELEASEDESK_CONFIG": config])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("configuration") && good.stdout.contains(config), "\(good.stdout)")
        #expect(good.stdout.contains("authentication") && good.stdout.contains("local"), "\(good.stdout)")
        #expect(good.stdout.contains("built in: colorblind, default, high-contrast, monochrome"), "\(good.stdout)")
        // A key that does not exist, on line 2: named with the file and the line, exit 78.
        try "auth = \"local\"\nidle_lock_minuts = 10\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try cli.run(["info"], extraEnvironment: ["RELEASEDESK_CONFIG": config])
        #expect(bad.status == 78, "\(bad.stdout) \(bad.stderr)")
        #expect(bad.stderr.contains(config) && bad.stderr.contains("2"), "\(bad.stderr)")
        #expect(bad.stderr.contains("idle_lock_minuts"), "\(bad.stderr)")
        // Even when --store names the store, so that the file's store is never read.
        let named = try cli.run(
            ["info", "--store", cli.directory + "/other.jsonl"], extraEnvironment: ["RELEASEDESK_CONFIG": config])
        #expect(named.status == 78, "\(named.stdout) \(named.stderr)")
    }
}
