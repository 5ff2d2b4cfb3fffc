import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskServices

struct OversightCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oversight",
        abstract: "Site and CMO scorecards side by side over a period: batches, right first time, deviations, "
            + "turnaround against the quality agreement, release cycle time, the rules' own record.",
        discussion: """
            The period is [--since, --until): batches count by manufacture start. Without options it is the twelve \
            calendar months (UTC) ending now. Every figure is defined in docs/oversight.md ("Scorecards"). table: \
            one row per figure, one column per site, with month-by-month sparklines; json: one document {since, \
            until, now, months, sites}; csv: one row per site.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only batches whose manufacture started at or after this UTC time (2026-01-01, …).")
    var since: String?

    @Option(
        help: "Only batches whose manufacture started up to this UTC time, included (a day includes the whole day).")
    var until: String?

    @Option(name: .long, help: "Only this site (repeat for several).")
    var site: [String] = []

    @Option(
        name: .long, help: ArgumentHelp("table, json (one document) or csv (one row per site).", valueName: "format"))
    var format: TrendFormat = .table

    func validate() throws {
        if let since, AuditQuery.time(since) == nil { throw ValidationError("--since: \(AuditQuery.timeHelp)") }
        if let until, AuditQuery.untilBound(until) == nil { throw ValidationError("--until: \(AuditQuery.timeHelp)") }
    }

    func run() throws {
        try Failure.guarded {
            let (desk, _) = try global.signedIn(
                try global.locations(), channel: "cli:oversight", for: .reading, passwords: global.passwords())
            defer { desk.checkpoint() }
            let now = SystemEnvironment.clock()
            var period = OversightPeriod.lastTwelveMonths(at: now)
            if let until { period.until = AuditQuery.untilBound(until)! }
            if let since { period.since = AuditQuery.time(since)! }
            if since == nil, until != nil {
                period.since = OversightPeriod.lastTwelveMonths(at: period.until.adding(milliseconds: -1)).since
            }
            guard period.since < period.until else {
                throw Failure(.usage, "--since: \(period.since) is not before --until \(period.until)")
            }
            let card: Scorecard
            do throws(TrendError) {
                card = try Scorecards.compute(desk.state, period: period, now: now, sites: site)
            } catch {
                throw Failure(.noInput, "--\(error.field): \(error.message)")
            }
            var out = StandardOutput()
            switch format {
            case .json: out.write(AuditText.safeJSON(card.json) + "\n")
            case .csv: out.write(Self.perSite(card).render(.csv))
            case .table: out.write(Self.table(card, unicode: WorkstationRunner.localeIsUTF8(GlobalOptions.environment)))
            }
            out.flush()
        }
    }

    /// One row per site with every headline figure (durations in hours, with one decimal).
    static func perSite(_ card: Scorecard) -> ListOutput {
        var list = ListOutput(
            columns: [
                "SITE", "NAME", "KIND", "SUSPENDED", "BATCHES", "REVIEWED", "RIGHT FIRST TIME", "EXCEPTIONS",
                "DEVIATIONS", "DEVIATIONS DECIDED", "DEVIATIONS ON TIME", "TURNAROUND MEDIAN H", "TURNAROUND P90 H",
                "TURNAROUND TARGET H", "TURNAROUND WITHIN", "CRITICAL NOTICES", "NOTICE MEDIAN H", "NOTICE TARGET H",
                "NOTICES WITHIN", "RELEASE CYCLE MEDIAN H", "RELEASE CYCLE P90 H", "QP LAG MEDIAN H",
                "DRIFT PRODUCT", "DRIFT ATTRIBUTE", "DRIFT SIGNALS", "QUIET SAMPLED", "QUIET REVIEWED",
                "QUIET FINDINGS", "STATUS DECISIONS",
            ])
        func h(_ ms: Int64?) -> String {
            guard let ms else { return "" }
            let tenths = Int64((Double(ms) / 360_000).rounded())
            return "\(tenths / 10).\(abs(tenths % 10))"
        }
        for c in card.sites {
            list.append(
                [
                    c.site, c.name, c.kind, c.suspension == nil ? "no" : "yes", String(c.batches), String(c.reviewed),
                    String(c.rightFirstTime), String(c.exceptions), String(c.deviations), String(c.deviationsDecided),
                    String(c.deviationsOnTime), h(c.turnaround.median), h(c.turnaround.p90), h(c.turnaround.target),
                    c.turnaround.withinTarget.map(String.init) ?? "", String(c.criticalNotice.count),
                    h(c.criticalNotice.median), h(c.criticalNotice.target),
                    c.criticalNotice.withinTarget.map(String.init) ?? "", h(c.releaseCycle.median),
                    h(c.releaseCycle.p90), h(c.certificationLag.median), c.drift?.product ?? "",
                    c.drift?.attribute ?? "", c.drift.map { String($0.signals) } ?? "", String(c.quiet.sampled),
                    String(c.quiet.reviewed), c.quiet.findings.joined(separator: ";"), String(c.statusHistory.count),
                ], .null)
        }
        return list
    }

    /// The figures for people: one row per figure, one column per site, sections between.
    static func table(_ card: Scorecard, unicode: Bool) -> String {
        var out =
            DisplayText.sanitize(
                "Scorecards \(card.period.since) – \(card.period.until) (batches by manufacture start) · "
                    + "now \(card.now)") + "\n"
        if card.sites.isEmpty { return out + "No site in this journal.\n" }
        var rows: [[String]] = []
        for row in card.rows(unicode: unicode) {
            if let section = row.section {
                rows.append([""] + card.sites.map { _ in "" })
                rows.append([section] + card.sites.map { _ in "" })
            }
            rows.append(["  " + row.label] + row.cells)
        }
        out += Table.render(header: ["FIGURE"] + card.sites.map(\.site), rows: rows)
        return out
    }
}
