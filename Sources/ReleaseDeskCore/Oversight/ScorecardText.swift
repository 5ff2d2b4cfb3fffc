import CanonicalJSON

/// One row of the scorecard as people read it: a figure and its text for each site, side by side.
public struct ScorecardRow: Sendable, Equatable {
    /// The section heading the row starts, if it starts one.
    public var section: String?
    public var label: String
    public var cells: [String]
}

extension Scorecard {
    /// The figures as rows, one cell per site, in the order of `sites` (the table of `oversight` and the
    /// workstation's scorecard). Sparklines use block characters, or `_.-=#` when `unicode` is false.
    public func rows(unicode: Bool = true) -> [ScorecardRow] {
        var out: [ScorecardRow] = []
        func add(_ label: String, section: String? = nil, _ cell: (SiteScorecard) -> String) {
            out.append(ScorecardRow(section: section, label: label, cells: sites.map(cell)))
        }
        func target(_ s: DurationSummary) -> String {
            guard let t = s.target else { return "" }
            let day: Int64 = 86_400_000
            let whole =
                t % day == 0 ? "\(t / day) d" : t % 3_600_000 == 0 ? "\(t / 3_600_000) h" : Scorecards.duration(t)
            return " (≤ " + whole + ")"
        }
        func within(_ s: DurationSummary) -> String {
            guard let w = s.withinTarget, s.count > 0 else { return "–" }
            return "\(w)/\(s.count) · " + Scorecards.percent(Double(w) / Double(s.count))
        }
        add("status", section: "Figures") { c in
            c.suspension == nil ? (unicode ? "✔ active" : "OK active") : (unicode ? "⊘ suspended" : "X suspended")
        }
        add("kind") { $0.kind }
        add("batches") { "\($0.batches)" }
        add("right first time") { c in
            c.reviewed == 0 ? "–" : "\(c.rightFirstTime)/\(c.reviewed) · " + Scorecards.percent(c.rightFirstTimeShare)
        }
        add("exceptions per batch") { Scorecards.ratio($0.exceptionsPerBatch) }
        add("deviations per batch") { Scorecards.ratio($0.deviationRate) }
        add("deviations on time") { c in
            c.deviationsDecided == 0
                ? "–" : "\(c.deviationsOnTime)/\(c.deviationsDecided) · " + Scorecards.percent(c.onTimeShare)
        }
        add("record turnaround median") { Scorecards.duration($0.turnaround.median) + target($0.turnaround) }
        add("records within agreement") { within($0.turnaround) }
        add("critical notice median") { c in
            c.criticalNotice.count == 0
                ? "none" : Scorecards.duration(c.criticalNotice.median) + target(c.criticalNotice)
        }
        add("notices within agreement") { within($0.criticalNotice) }
        add("release cycle median") { Scorecards.duration($0.releaseCycle.median) }
        add("release cycle p90") { Scorecards.duration($0.releaseCycle.p90) }
        add("QP lag median") { Scorecards.duration($0.certificationLag.median) }
        add("drifting attribute") { c in
            c.drift.map { "\($0.product) \($0.attribute) · \($0.points) pts" } ?? "none"
        }
        add("batches", section: "Month by month (\(months.first ?? "") – \(months.last ?? ""))") { c in
            Scorecards.sparkline(c.monthly.map { Double($0.batches) }, unicode: unicode)
        }
        add("right first time") { c in Scorecards.sparkline(c.monthly.map(\.rightFirstTime), unicode: unicode) }
        add("deviations per batch") { c in Scorecards.sparkline(c.monthly.map(\.deviationRate), unicode: unicode) }
        add("record turnaround") { c in
            Scorecards.sparkline(c.monthly.map { $0.turnaround.map(Double.init) }, unicode: unicode)
        }
        add("release cycle") { c in
            Scorecards.sparkline(c.monthly.map { $0.releaseCycle.map(Double.init) }, unicode: unicode)
        }
        var rules: [String] = []
        for site in sites { for r in site.rules where !rules.contains(r.rule) { rules.append(r.rule) } }
        rules.sort()
        for (i, rule) in rules.enumerated() {
            add(rule, section: i == 0 ? "Rules' record (exceptions · justified no impact)" : nil) { c in
                guard let r = c.rules.first(where: { $0.rule == rule }) else { return "0" }
                return "\(r.exceptions) · \(r.justified) justified"
            }
        }
        add("quiet-batch full reviews", section: rules.isEmpty ? "Rules' record" : nil) { c in
            "\(c.quiet.reviewed)/\(c.quiet.sampled) · \(c.quiet.findings.count) found"
        }
        add("status history", section: "Site status") { c in
            c.statusHistory.isEmpty ? "never suspended" : "\(c.statusHistory.count) decision(s)"
        }
        let longest = sites.map(\.statusHistory.count).max() ?? 0
        for i in 0..<longest {
            add("") { c in
                guard i < c.statusHistory.count else { return "" }
                let e = c.statusHistory[i]
                let day = String(e.at.description.prefix(10))
                return (e.kind == RecordKind.siteSuspended ? "suspended " : "reinstated ") + day + " " + e.by
            }
        }
        return out
    }

    /// The scorecards as one JSON document (`oversight --format json`); durations in milliseconds, shares and
    /// ratios as strings of at most four significant digits.
    public var json: JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map { .string(Trends.format($0)) } ?? .null }
        func ms(_ x: Int64?) -> JSONValue { x.map { .int($0) } ?? .null }
        func summary(_ s: DurationSummary) -> JSONValue {
            var o: [String: JSONValue] = [
                "count": .int(Int64(s.count)), "median_ms": ms(s.median), "p90_ms": ms(s.p90),
            ]
            if let t = s.target {
                o["target_ms"] = .int(t)
                o["within_target"] = .int(Int64(s.withinTarget ?? 0))
            }
            return .object(o)
        }
        let siteDocs: [JSONValue] = sites.map { c in
            let history: [JSONValue] = c.statusHistory.map { e in
                [
                    "step": .string(e.kind == RecordKind.siteSuspended ? "suspended" : "reinstated"),
                    "at": .string(e.at.description), "by": .string(e.by), "reason": .string(e.reason),
                    "seq": .int(e.seq),
                ]
            }
            let drift: JSONValue =
                c.drift.map { d in
                    [
                        "product": .string(d.product), "attribute": .string(d.attribute),
                        "points": .int(Int64(d.points)), "signals": .int(Int64(d.signals)),
                        "rules": .array(d.rules.map { .int(Int64($0)) }),
                    ]
                } ?? .null
            let months: [JSONValue] = c.monthly.map { m in
                [
                    "month": .string(m.month), "batches": .int(Int64(m.batches)),
                    "right_first_time": number(m.rightFirstTime), "deviation_rate": number(m.deviationRate),
                    "turnaround_median_ms": ms(m.turnaround), "release_cycle_median_ms": ms(m.releaseCycle),
                ]
            }
            return [
                "site": .string(c.site), "name": .string(c.name), "kind": .string(c.kind),
                "suspended": .bool(c.suspension != nil), "status_history": .array(history),
                "batches": .int(Int64(c.batches)), "reviewed": .int(Int64(c.reviewed)),
                "right_first_time": .int(Int64(c.rightFirstTime)),
                "right_first_time_share": number(c.rightFirstTimeShare), "exceptions": .int(Int64(c.exceptions)),
                "exceptions_per_batch": number(c.exceptionsPerBatch),
                "rules": .array(
                    c.rules.map {
                        [
                            "rule": .string($0.rule), "exceptions": .int(Int64($0.exceptions)),
                            "justified": .int(Int64($0.justified)),
                        ]
                    }),
                "quiet_sampled": .int(Int64(c.quiet.sampled)), "quiet_full_reviews": .int(Int64(c.quiet.reviewed)),
                "quiet_findings": .array(c.quiet.findings.map { .string($0) }),
                "deviations": .int(Int64(c.deviations)), "deviation_rate": number(c.deviationRate),
                "deviations_on_time": .int(Int64(c.deviationsOnTime)),
                "deviations_decided": .int(Int64(c.deviationsDecided)),
                "batch_record_turnaround": summary(c.turnaround), "critical_notice": summary(c.criticalNotice),
                "release_cycle": summary(c.releaseCycle), "certification_lag": summary(c.certificationLag),
                "certification_lag_unknown": .int(Int64(c.lagUnknown)), "drift": drift, "months": .array(months),
            ]
        }
        return [
            "since": .string(period.since.description), "until": .string(period.until.description),
            "now": .string(now.description), "months": .array(months.map { .string($0) }), "sites": .array(siteDocs),
        ]
    }
}
