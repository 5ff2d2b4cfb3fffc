import CanonicalJSON
import Foundation
import Testing

/// `report --format text` is a complete human-readable copy of `report --format json` (21 CFR 11.10(b)), and
/// the journal names what a record replaces (11.10(e)), through the real binary on the demo journal.
@Suite("Report copy through the command line", .serialized)
struct ReportCopyCLITests {
    typealias R = ReleaseCLITests

    /// Every non-empty string and every number of `node`, with its path.
    static func leaves(_ node: InputNode, _ path: String = "$") -> [(path: String, text: String, isNumber: Bool)] {
        switch node.value {
        case .string(let s): return s.isEmpty ? [] : [(path, s, false)]
        case .integer(let i): return [(path, String(i), true)]
        case .decimal(let d): return [(path, d, true)]
        case .array(let items): return items.enumerated().flatMap { leaves($1, "\(path)[\($0)]") }
        case .object(let members): return members.flatMap { leaves($0.node, "\(path).\($0.key)") }
        case .bool, .null: return []
        }
    }

    /// Whether `number` stands on its own in `text` (not inside a longer number).
    static func containsNumber(_ text: String, _ number: String) -> Bool {
        var rest = text[...]
        while let range = rest.range(of: number) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            if !(before?.isNumber ?? false) && !(after?.isNumber ?? false) { return true }
            rest = text[range.upperBound...]
        }
        return false
    }

    func report(_ cli: CLI, _ journal: String, _ batch: String, _ format: String) throws -> String {
        let out = try cli.run(
            ["--journal", journal, "--user", "qa.anna", "--password-stdin", "report", batch, "--format", format],
            input: "demo-qa-anna\n")
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout
    }

    func qa(_ cli: CLI, _ journal: String, _ arguments: [String]) throws {
        let out = try cli.run(
            ["--journal", journal, "--user", "qa.anna", "--password-stdin"] + arguments, input: "demo-qa-anna\n")
        #expect(out.status == 0, "\(out.stderr)")
    }

    @Test func theTextReportHoldsEveryValueOfTheJSONReportAndASupersedingDispositionNamesTheEarlierOne() throws {
        let cli = CLI()
        defer { cli.remove() }
        let journal = try R.demo(cli)
        let batch = "CART-26-0021"
        let oot = "EXC-CART-26-0021-OOT-viability"
        try qa(cli, journal, ["disposition", batch, oot, "--retest", "--reason", "re-test the retained sample"])
        let retest = try #require(R.lines(journal).last)
        try qa(cli, journal, ["disposition", batch, oot, "--justify", "--reason", "re-test result within trend"])
        let justified = try #require(R.lines(journal).last)
        #expect(justified["kind"] as? String == "exception.dispositioned")
        let body = try #require(justified["body"] as? [String: Any])
        #expect((body["supersedes"] as? NSNumber)?.int64Value == (retest["seq"] as? NSNumber)?.int64Value)
        #expect(body["superseded_disposition"] as? String == "retest-requested")
        try qa(cli, journal, ["comment", batch, "--text", "physician informed"])

        // The demo's corrected result (CART-26-0023), the batch above, and a batch with nothing decided.
        for id in [batch, "CART-26-0023", "CART-26-0030"] {
            let json = try report(cli, journal, id, "json")
            let text = try report(cli, journal, id, "text")
            let root = try InputJSONReader.parse(Array(json.utf8))
            let all = Self.leaves(root)
            #expect(all.count > 100)
            let missing = all.filter { $0.isNumber ? !Self.containsNumber(text, $0.text) : !text.contains($0.text) }
            #expect(missing.map { "\($0.path) = \($0.text)" } == [], "\(id)")
        }
        let corrected = try report(cli, journal, "CART-26-0023", "text")
        #expect(corrected.contains("◆ QC R-CART-26-0023-12 viability value:"))
        #expect(corrected.contains("why: \"transcription error in LIMS entry corrected after second-person check\""))
        #expect(
            try report(cli, journal, batch, "text").contains(
                "supersedes seq \((retest["seq"] as? NSNumber)!.int64Value) (retest-requested)"))
        #expect(try cli.run(["--journal", journal, "verify"]).status == 0)
    }
}
