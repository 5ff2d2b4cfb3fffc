import CanonicalJSON
import Foundation
import Testing

/// A supervisor suspends a site: none of its batches can be certified until it is reinstated; both are signed
/// decisions with a reason, in the audit trail and under the deep signature check.
@Suite("Site suspension")
struct SiteStatusCLITests {
    typealias Release = ReleaseCLITests

    static func site(of batch: String, _ cli: CLI, _ journal: String) throws -> String {
        try entry(of: batch, cli, journal)["site"] as? String ?? ""
    }

    /// The batch's line of `queue --json --all`.
    static func entry(of batch: String, _ cli: CLI, _ journal: String) throws -> [String: Any] {
        let queue = try cli.run(
            ["--journal", journal, "--user", "qp.maria", "--password-stdin", "queue", "--json", "--all"],
            input: "demo-qp-maria\n")
        for line in queue.stdout.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let object, object["batch"] as? String == batch { return object }
        }
        Issue.record("no batch \(batch) in the queue")
        return [:]
    }

    static func setStatus(
        _ cli: CLI, _ journal: String, _ step: String, _ site: String, user: String = "sup.kenji",
        password: String = "demo-sup-kenji", reason: String = "audit finding 2026-14"
    ) throws -> CLI.Result {
        try cli.run(
            ["--journal", journal, "--user", user, "--password-stdin", "site", step, site, "--reason", reason],
            input: password + "\n")
    }

    static func certify(_ cli: CLI, _ journal: String, _ batch: String) throws -> CLI.Result {
        try cli.run(
            [
                "--journal", journal, "--user", "qp.maria", "--password-stdin", "certify", batch, "--reason",
                "gates closed",
            ]
                + Release.answers, input: "demo-qp-maria\n")
    }

    @Test func aBatchOfASuspendedSiteCannotBeCertifiedUntilTheSiteIsReinstated() throws {
        let cli = CLI(standardHashCost: false)
        defer { cli.remove() }
        let journal = try Release.demo(cli)
        let batch = try #require(try Release.readyBatches(cli, journal).first)
        try Release.reviewTrail(cli, journal, batch)
        let site = try Self.site(of: batch, cli, journal)

        // Only a supervisor may suspend, and only with a reason; the refusals change nothing.
        let byQP = try Self.setStatus(cli, journal, "suspend", site, user: "qp.maria", password: "demo-qp-maria")
        #expect(byQP.status != 0)
        #expect(byQP.stderr.contains("only supervisor may suspend sites"), "\(byQP.stderr)")
        let noReason = try Self.setStatus(cli, journal, "suspend", site, reason: "   ")
        #expect(noReason.status != 0)
        let unknown = try Self.setStatus(cli, journal, "suspend", "NO-SUCH-SITE")
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown-site") || unknown.stderr.contains("no site"), "\(unknown.stderr)")

        let suspended = try Self.setStatus(cli, journal, "suspend", site)
        #expect(suspended.status == 0, "\(suspended.stderr)")
        #expect(try Self.setStatus(cli, journal, "suspend", site).status != 0)  // suspended already

        #expect(try Self.entry(of: batch, cli, journal)["status"] as? String == "site-suspended")
        let refused = try Self.certify(cli, journal, batch)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("site-suspended"), "\(refused.stderr)")

        let status = try cli.run(
            [
                "--journal", journal, "--user", "qa.anna", "--password-stdin", "site", "status", "--site", site,
                "--json",
            ],
            input: "demo-qa-anna\n")
        #expect(status.status == 0, "\(status.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(object?["status"] as? String == "suspended")
        #expect((object?["history"] as? [[String: Any]])?.first?["reason"] as? String == "audit finding 2026-14")

        let reinstated = try Self.setStatus(cli, journal, "reinstate", site, reason: "CAPA verified effective")
        #expect(reinstated.status == 0, "\(reinstated.stderr)")
        #expect(try Self.setStatus(cli, journal, "reinstate", site).status != 0)  // not suspended
        #expect(try Self.entry(of: batch, cli, journal)["status"] as? String == "ready-for-qp")
        let certified = try Self.certify(cli, journal, batch)
        #expect(certified.status == 0, "\(certified.stderr)")

        // Both decisions are signed and pass the deep check; the audit trail says who and why.
        let deep = try DeepVerifyCLITests.deep(cli, journal)
        #expect(deep.0 == 0, "\(deep.2)")
        let audit = try cli.run(
            ["--journal", journal, "--user", "sup.kenji", "--password-stdin", "audit", "--kind", "site.suspended"],
            input: "demo-sup-kenji\n")
        #expect(audit.stdout.contains("SUSPENDED site \(site)"), "\(audit.stdout)")
        #expect(audit.stdout.contains("audit finding 2026-14"))
    }
}
