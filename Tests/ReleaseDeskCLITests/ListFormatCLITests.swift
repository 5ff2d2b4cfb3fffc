import Foundation
import Testing

/// `--format table|json|jsonl|csv` on the commands that list things; `--json` is kept as JSON Lines.
@Suite("One output option for lists")
struct ListFormatCLITests {
    typealias Release = ReleaseCLITests

    static func lines(_ text: String) -> [Substring] { text.split(separator: "\n", omittingEmptySubsequences: true) }

    static func array(_ text: String) -> [Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any]
    }

    @Test func everyListCommandSpeaksEveryFormatAndAnEmptyListIsStillADocument() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Release.demo(cli)
        func run(_ arguments: [String], as user: String = "qa.anna", password: String = "demo-qa-anna") throws
            -> CLI.Result
        {
            try cli.run(["--journal", journal, "--user", user, "--password-stdin"] + arguments, input: password + "\n")
        }
        // queue: jsonl, --json (the same), json (one array of the same objects), csv (header and a row each).
        let jsonl = try run(["queue", "--format", "jsonl"])
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        #expect(try run(["queue", "--json"]).stdout == jsonl.stdout)
        let json = try run(["queue", "--format", "json"])
        let batches = Self.array(json.stdout)
        #expect(batches != nil && batches!.count == Self.lines(jsonl.stdout).count && batches!.count > 0)
        let csv = try run(["queue", "--format", "csv"])
        #expect(csv.stdout.hasPrefix("batch,product,site,coi,status,open,pending_tests,"))
        #expect(csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == batches!.count + 1)
        let both = try run(["queue", "--json", "--format", "csv"])
        #expect(both.status == 64, "\(both.stderr)")
        #expect(try run(["queue", "--json", "--format", "jsonl"]).status == 0)

        // audit: json is the jsonl records in one array; an empty selection is [] / header / nothing.
        let records = try run(["audit", "--kind", "user.*", "--format", "jsonl"])
        let recordArray = Self.array(try run(["audit", "--kind", "user.*", "--format", "json"]).stdout)
        #expect(recordArray?.count == Self.lines(records.stdout).count && !records.stdout.isEmpty)
        let none = ["audit", "--kind", "no.such.kind"]
        #expect(try run(none + ["--format", "json"]).stdout == "[]\n")
        #expect(try run(none + ["--format", "jsonl"]).stdout == "")
        #expect(
            try run(none + ["--format", "csv"]).stdout.components(separatedBy: "\r\n") == [
                "seq,at,actor,host,kind,batch,summary,reason,signature,body", "",
            ])
        #expect(Self.lines(try run(none + ["--format", "table"]).stdout) == ["SEQ  AT (UTC)  ACTOR  KIND  WHAT"])

        // deviation list and register: nothing in the demo yet, still a document in each format.
        for command in [["deviation", "list"], ["register"]] {
            let user = command == ["register"] ? "qp.maria" : "qa.anna"
            let password = command == ["register"] ? "demo-qp-maria" : "demo-qa-anna"
            let empty = try run(command + ["--format", "json"], as: user, password: password)
            #expect(empty.status == 0 && empty.stdout == "[]\n", "\(command): \(empty.stdout) \(empty.stderr)")
            #expect(try run(command + ["--format", "jsonl"], as: user, password: password).stdout == "")
            let header = try run(command + ["--format", "csv"], as: user, password: password).stdout
            #expect(header.hasSuffix("\r\n") && header.components(separatedBy: "\r\n").count == 2, "\(header)")
            let table = try run(command + ["--format", "table"], as: user, password: password).stdout
            #expect(Self.lines(table).count == 1 && table.uppercased() == table, "\(command): \(table)")
        }
        #expect(try run(["deviation", "list", "--format", "yaml"]).status == 64)

        // user list: --json kept, json one array of the same users.
        let users = try run(["user", "list", "--json"], as: "admin", password: "demo-admin-1")
        let userArray = Self.array(
            try run(["user", "list", "--format", "json"], as: "admin", password: "demo-admin-1").stdout)
        #expect(userArray?.count == Self.lines(users.stdout).count && userArray!.count >= 5)
        let userCSV = try run(["user", "list", "--format", "csv"], as: "admin", password: "demo-admin-1").stdout
        #expect(userCSV.hasPrefix("user,name,roles,status,enrolled\r\n"))
    }
}
