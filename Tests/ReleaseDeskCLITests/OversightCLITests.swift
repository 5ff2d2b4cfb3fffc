import Foundation
import Testing

/// `releasedesk oversight [--since] [--until] [--site]… [--format table|json|csv]` on the demo journal.
@Suite("The oversight command")
struct OversightCLITests {
    @Test func everySiteSideBySideInEveryFormat() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try ReleaseCLITests.demo(cli)
        func run(_ arguments: [String], password: String = "demo-sup-kenji") throws -> CLI.Result {
            try cli.run(
                ["--journal", journal, "--user", "sup.kenji", "--password-stdin", "oversight"] + arguments,
                input: password + "\n")
        }
        let json = try run(["--since", "2020-01-01", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let card = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(card["since"] as? String == "2020-01-01T00:00:00.000Z")
        let sites = try #require(card["sites"] as? [[String: Any]])
        #expect(sites.compactMap { $0["site"] as? String } == ["CMO-A", "CMO-B", "SITE-1"])
        let total = sites.compactMap { $0["batches"] as? Int }.reduce(0, +)
        #expect(total > 0)
        for site in sites {
            for key in ["batch_record_turnaround", "critical_notice", "release_cycle", "certification_lag"] {
                let summary = try #require(site[key] as? [String: Any], "\(key)")
                #expect(summary["count"] is Int, "\(key)")
            }
            #expect(site["months"] is [[String: Any]] && site["rules"] is [[String: Any]])
        }

        // One site, an inclusive until: a day includes the whole day.
        let one = try run(["--site", "CMO-A", "--since", "2020-01-01", "--until", "2030-12-31", "--format", "json"])
        #expect(one.status == 0 && one.stdout.contains("\"until\":\"2031-01-01T00:00:00.000Z\""), "\(one.stderr)")
        #expect(!one.stdout.contains("\"site\":\"CMO-B\""))

        let table = try run(["--since", "2020-01-01"])
        #expect(table.status == 0)
        for text in [
            "FIGURE", "CMO-A", "SITE-1", "right first time", "record turnaround median", "release cycle p90",
            "Month by month", "Rules' record", "quiet-batch full reviews", "Site status",
        ] {
            #expect(table.stdout.contains(text), "\(text)")
        }
        let csv = try run(["--since", "2020-01-01", "--format", "csv"])
        let rows = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.first?.hasPrefix("site,name,kind,suspended,batches,reviewed,right_first_time,") == true)
        #expect(rows.count == 4)
    }

    @Test func badInputNamesTheOptionAndNothingIsShownWithoutSignIn() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try ReleaseCLITests.demo(cli)
        func run(_ arguments: [String], password: String = "demo-sup-kenji") throws -> CLI.Result {
            try cli.run(
                ["--journal", journal, "--user", "sup.kenji", "--password-stdin", "oversight"] + arguments,
                input: password + "\n")
        }
        let site = try run(["--site", "NO\u{1B}[31mSITE"])
        #expect(site.status == 66 && site.stderr.contains("--site") && !site.stderr.contains("\u{1B}"))
        let since = try run(["--since", "yesterday"])
        #expect(since.status == 64 && since.stderr.contains("--since"))
        let order = try run(["--since", "2026-02-01", "--until", "2026-01-01"])
        #expect(order.status == 64 && order.stderr.contains("--since"))
        let wrong = try run(["--format", "json"], password: "wrong")
        #expect(wrong.status == 77 && wrong.stdout.isEmpty)
    }
}
