import Foundation
import Testing

/// `releasedesk trends PRODUCT --site S --attribute A [--format table|json|csv]` on the demo journal.
@Suite("The trends command")
struct TrendsCLITests {
    @Test func pointsLimitsPreliminaryAndSignalsInEveryFormat() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try ReleaseCLITests.demo(cli)
        func run(_ arguments: [String], password: String = "demo-qa-anna") throws -> CLI.Result {
            try cli.run(
                ["--journal", journal, "--user", "qa.anna", "--password-stdin", "trends"] + arguments,
                input: password + "\n")
        }
        let json = try run(["KYM-19", "--site", "SITE-1", "--attribute", "viability", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let chart = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(chart["rule_set"] as? String == "NELSON-1" && chart["rules"] as? [Int] == [1, 2])
        #expect(chart["preliminary"] as? Bool == false)
        let points = try #require(chart["points"] as? [[String: Any]])
        #expect(points.count >= 15)
        let starts = points.compactMap { $0["manufacture_start"] as? String }
        #expect(starts == starts.sorted() && starts.count == points.count)
        let limits = try #require(chart["limits"] as? [String: Any])
        for key in ["centre", "sigma", "ucl", "lcl", "mean_moving_range"] { #expect(limits[key] is String, "\(key)") }
        let signals = try #require(chart["signals"] as? [[String: Any]])
        #expect(!signals.isEmpty)
        for signal in signals {
            let explanation = signal["explanation"] as? String ?? ""
            #expect(explanation.hasPrefix("Rule \(signal["rule"] as? Int ?? 0) ("), "\(explanation)")
            #expect(explanation.contains(signal["first"] as? String ?? "?"))
        }

        // A site with fewer than 15 batches: preliminary, in every format.
        let cmo = try run(["KYM-19", "--site", "CMO-A", "--attribute", "viability", "--format", "json"])
        #expect(cmo.stdout.contains("\"preliminary\":true"), "\(cmo.stdout.prefix(300))")
        let table = try run(["KYM-19", "--site", "CMO-A", "--attribute", "viability"])
        #expect(table.status == 0 && table.stdout.contains("Limits preliminary: fewer than 15 batches"))
        #expect(table.stdout.contains("POS  BATCH") && table.stdout.contains("Signals ("))
        let csv = try run(["KYM-19", "--site", "CMO-A", "--attribute", "viability", "--format", "csv"])
        let rows = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(
            rows.first
                == "pos,batch,manufacture_start,result,value,centre,ucl,lcl,spec_low,spec_high,preliminary,signals")
        #expect(rows.count > 1 && rows.dropFirst().allSatisfy { $0.contains(",yes,") })

        // The table names the signals of SITE-1 in words.
        let site1 = try run(["KYM-19", "--site", "SITE-1", "--attribute", "viability"])
        #expect(site1.stdout.contains("  Rule 1 (one point beyond 3σ̂): batch "))
    }

    @Test func badInputNamesTheOptionAndNothingIsShownWithoutSignIn() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try ReleaseCLITests.demo(cli)
        func run(_ arguments: [String], password: String = "demo-qa-anna") throws -> CLI.Result {
            try cli.run(
                ["--journal", journal, "--user", "qa.anna", "--password-stdin", "trends"] + arguments,
                input: password + "\n")
        }
        let attribute = try run(["KYM-19", "--site", "SITE-1", "--attribute", "appearance"])
        #expect(attribute.status == 66)
        #expect(attribute.stderr.contains("--attribute: appearance is not a trended attribute of KYM-19"))
        let site = try run(["KYM-19", "--site", "NOWHERE", "--attribute", "viability"])
        #expect(site.status == 66 && site.stderr.contains("--site: no site NOWHERE"))
        let product = try run(["NOPE\u{1b}[31m", "--site", "SITE-1", "--attribute", "viability"])
        #expect(product.status == 66 && product.stderr.contains("PRODUCT: no product NOPE"))
        #expect(!product.stderr.contains("\u{1b}"))
        #expect(try run(["KYM-19", "--attribute", "viability"]).status == 64)
        #expect(try run(["KYM-19", "--site", "SITE-1", "--attribute", "viability", "--format", "xml"]).status == 64)
        let wrong = try run(["KYM-19", "--site", "SITE-1", "--attribute", "viability"], password: "wrong")
        #expect(wrong.status == 77 && wrong.stdout.isEmpty)
    }
}
