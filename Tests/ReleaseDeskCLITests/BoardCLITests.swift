import Foundation
import Testing

/// `deviation list` with the board's filters and order, and `forecast`, on the demo journal.
@Suite("Deviation list filters and the forecast command")
struct BoardCLITests {
    typealias Release = ReleaseCLITests

    static func objects(_ text: String) -> [[String: Any]] {
        ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]]) ?? []
    }

    @Test func deviationListFiltersOrdersAndCarriesTheDueClockAndExtensions() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Release.demo(cli)
        func run(_ arguments: [String], as user: String = "qa.anna") throws -> CLI.Result {
            let password = ["qa.anna": "demo-qa-anna", "qa.ben": "demo-qa-ben"][user]!
            return try cli.run(
                ["--journal", journal, "--user", user, "--password-stdin"] + arguments, input: password + "\n")
        }
        // Two deviations: a minor one by qa.anna, a major one by qa.ben on a CMO batch.
        var result = try run([
            "deviation", "open", "CART-26-0050", "--exception", "EXC-CART-26-0050-OOT-car_positive-run", "--class",
            "minor", "--title", "CAR+ run", "--description", "d", "--reason", "r",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(
            [
                "deviation", "open", "CART-26-0021", "--exception", "EXC-CART-26-0021-OOS-viability", "--class",
                "major",
                "--title", "Viability", "--description", "d", "--reason", "r",
            ], as: "qa.ben")
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(
            ["deviation", "extend", "DEV-0002", "--due", "2099-01-01T00:00:00Z", "--reason", "lab backlog"],
            as: "qa.ben")
        #expect(result.status == 0, "\(result.stderr)")

        let all = Self.objects(try run(["deviation", "list", "--format", "json"]).stdout)
        #expect(all.count == 2)
        // Board order: both open, by due date; DEV-0001's site closes deviations sooner or later than DEV-0002's.
        let dues = all.compactMap { $0["due"] as? String }
        #expect(dues == dues.sorted())
        let major = try #require(all.first { $0["deviation"] as? String == "DEV-0002" })
        #expect(major["owner"] as? String == "qa.ben")
        #expect(major["overdue"] as? Bool == false)
        #expect((major["remaining_hours"] as? Int ?? 0) > 24)
        #expect((major["clock"] as? String)?.hasPrefix("due in ") == true)
        #expect(major["batches"] as? [String] == ["CART-26-0021"])
        #expect(major["next_steps"] as? [String] == ["classification-approval", "extension-approval"])
        let extensions = try #require(major["extensions"] as? [[String: Any]])
        #expect(extensions.count == 1)
        #expect(extensions.first?["requested_by"] as? String == "qa.ben")
        #expect(extensions.first?["approved"] as? Bool == false)
        #expect(extensions.first?["due"] as? String == "2099-01-01T00:00:00.000Z")

        func ids(_ arguments: [String], as user: String = "qa.anna") throws -> [String] {
            let r = try run(["deviation", "list", "--format", "json"] + arguments, as: user)
            #expect(r.status == 0, "\(r.stderr)")
            return Self.objects(r.stdout).compactMap { $0["deviation"] as? String }
        }
        #expect(try ids(["--owner", "qa.ben"]) == ["DEV-0002"])
        #expect(try ids(["--owner", "nobody"]) == [])
        #expect(try ids(["--class", "minor"]) == ["DEV-0001"])
        #expect(try ids(["--overdue"]) == [])
        #expect(try ids(["--open"]).count == 2)
        let site = try #require(major["site"] as? String)
        #expect(try ids(["--site", site]).contains("DEV-0002"))
        #expect(try ids(["--site", "NO-SITE"]) == [])
        // Waiting for qa.anna: qa.ben's deviation (its classification, and the extension he asked for); her own
        // is not hers to approve (four-eyes). For qa.ben the other way round.
        let mine = Self.objects(try run(["deviation", "list", "--mine", "--format", "json"]).stdout)
        #expect(mine.compactMap { $0["deviation"] as? String } == ["DEV-0002"])
        #expect(mine.first?["next_steps"] as? [String] == ["classification-approval", "extension-approval"])
        #expect(try ids(["--mine"], as: "qa.ben") == ["DEV-0001"])

        // Closed deviations come after the open ones and leave --open.
        result = try run(["deviation", "approve", "DEV-0001", "--reason", "ok"], as: "qa.ben")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try ids([]) == ["DEV-0002", "DEV-0001"])
        #expect(try ids(["--open"]) == ["DEV-0002"])

        // The table has its header; csv its columns; a bad class names the option.
        let table = try run(["deviation", "list"]).stdout
        #expect(table.hasPrefix("DEVIATION  BATCH"), "\(table)")
        #expect(table.contains("OWNER") && table.contains("CLOCK") && table.contains("EXTENSIONS"))
        let csv = try run(["deviation", "list", "--format", "csv"]).stdout
        #expect(csv.hasPrefix("deviation,batch,class,stage,owner,due,clock,extensions,next_steps,title\r\n"))
        let bad = try run(["deviation", "list", "--class", "severe\u{1B}[31m"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--class") && !bad.stderr.contains("\u{1B}"), "\(bad.stderr)")
    }

    @Test func forecastListsPendingTestsWithExpectedTimesInEveryFormat() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try Release.demo(cli)
        func run(_ arguments: [String]) throws -> CLI.Result {
            try cli.run(
                ["--journal", journal, "--user", "qa.anna", "--password-stdin", "forecast"] + arguments,
                input: "demo-qa-anna\n")
        }
        let json = try run(["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let batches = Self.objects(json.stdout)
        #expect(!batches.isEmpty)
        // CART-26-0027 waits for potency (120 h in the sample's master data): expected, and late by now.
        let b27 = try #require(batches.first { $0["batch"] as? String == "CART-26-0027" })
        let tests = try #require(b27["tests"] as? [[String: Any]])
        let potency = try #require(tests.first { $0["attribute"] as? String == "potency" })
        #expect(potency["turnaround_hours"] as? Int == 120)
        #expect(potency["expected_at"] as? String != nil)
        #expect(b27["standing"] as? String == "on-track")
        #expect(b27["margin_hours"] as? Int == 48)
        // CART-26-0037 waits for tests the master data gives no turnaround: unknown, and null in JSON.
        let b37 = try #require(batches.first { $0["batch"] as? String == "CART-26-0037" })
        #expect(b37["standing"] as? String == "unknown")
        #expect(b37["earliest_certification"] is NSNull)
        #expect(b37["manufacture_ended"] as? Bool == false)
        // Every at-risk batch comes first; --at-risk keeps exactly those.
        let risky = batches.filter { $0["at_risk"] as? Bool == true }
        #expect(batches.prefix(risky.count).allSatisfy { $0["at_risk"] as? Bool == true })
        let onlyRisky = Self.objects(try run(["--at-risk", "--format", "json"]).stdout)
        #expect(onlyRisky.count == risky.count)

        let table = try run([])
        #expect(
            table.status == 0 && table.stdout.hasPrefix("BATCH ") && table.stdout.contains("EARLIEST CERT."),
            "\(table.stdout.prefix(200))")
        #expect(table.stdout.contains("CART-26-0037") && table.stdout.contains("unknown"))
        let csv = try run(["--format", "csv"]).stdout
        let rows = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(
            rows.first
                == "batch,product,site,standing,earliest_certification,planned_infusion,slack_hours,pending_tests")
        #expect(rows.count == batches.count + 1)
        #expect(try run(["--format", "yaml"]).status == 64)
        let noPassword = try cli.run(
            ["--journal", journal, "--user", "qa.anna", "--password-stdin", "forecast"], input: "wrong\n")
        #expect(noPassword.status == 77 && noPassword.stdout.isEmpty)
    }
}
