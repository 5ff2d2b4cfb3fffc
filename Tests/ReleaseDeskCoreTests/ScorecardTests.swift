import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// Site scorecards on a small hand-made journal with a fixed clock (docs/oversight.md, "Scorecards"): every
/// figure checked against what the journal says.
@Suite("Scorecards")
struct ScorecardTests {
    static let now = t("2026-05-01T00:00:00Z")
    static let period = OversightPeriod(since: t("2026-02-01T00:00:00Z"), until: t("2026-04-01T00:00:00Z"))
    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000

    static func t(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }

    /// A journal being written by hand: each record at the time given.
    struct Journal {
        var state = DeskState()
        var imports = 0

        mutating func add(_ kind: String, _ body: [String: JSONValue], at: String, actor: String = "qa.anna") {
            state.apply(
                Record(
                    seq: state.lastSeq + 1, at: t(at), actor: actor, host: "h", kind: kind, body: body,
                    prev: Record.zeroHash))
        }

        mutating func load(_ files: [(String, String)], at: String, reason: String? = nil) throws {
            imports += 1
            let parsed = try files.map { name, text in
                try ImportParser.parse(file: name, sha256: "0", bytes: Array(text.utf8)).get()
            }
            let drafts = try ImportPlanner.plan(
                parsed, importID: "imp-\(imports)", actor: "qa.anna", reason: reason, now: t(at), state: state
            ).get()
            for draft in drafts { add(draft.kind, draft.body, at: at, actor: draft.actor) }
        }

        mutating func batch(
            _ id: String, site: String, start: String, end: String?, at: String, deviations: String = ""
        ) throws {
            let endField = end.map { ", \"manufacture_end\": \"\($0)\"" } ?? ""
            let text = """
                {"batches": [{"id": "\(id)", "product": "AAV-1", "site": "\(site)", "manufacture_start": "\(start)"\
                \(endField), "expiry": "2027-01-01T00:00:00Z", "qc": [], "deviations": [\(deviations)]}]}
                """
            try load([("\(id).json", text)], at: at)
        }

        mutating func review(
            _ batch: String, _ exceptions: [(String, String)], quiet: Bool = false, at: String
        ) {
            let list: [JSONValue] = exceptions.map { id, rule in
                ["id": .string(id), "rule": .string(rule), "severity": "major"]
            }
            add(
                RecordKind.batchReviewed,
                [
                    "batch": .string(batch), "rule_set": "RB-1", "exceptions": .array(list),
                    "quiet_sample": .bool(quiet),
                ], at: at, actor: "system")
        }
    }

    static let master = """
        {"products": [{"id": "AAV-1", "name": "Test vector", "modality": "allogeneic-lot",
          "spec_version": "SPEC-1", "attributes": [
            {"id": "titre", "name": "vector genome titre", "unit": "pct", "method": "ddPCR",
             "limit": {"kind": "range", "low": "80", "high": "120"}, "release_critical": true,
             "may_follow_release": false, "trended": true}]}],
         "sites": [
           {"id": "S1", "name": "Site one", "kind": "in-house", "agreement":
             {"notify_critical_hours": 24, "notify_major_hours": 120, "notify_minor_hours": 360,
              "batch_record_return_days": 5}},
           {"id": "S2", "name": "Contract site", "kind": "cmo", "agreement":
             {"notify_critical_hours": 48, "notify_major_hours": 120, "notify_minor_hours": 360}}]}
        """

    /// S1: three batches in the period (one before it), S2: two, with reviews, dispositions, deviations,
    /// certifications, a quiet-batch full review followed by a hold, and a suspension undone. The import writes
    /// its own review of each batch; the reviews written here replace them.
    static func journal() throws -> DeskState {
        var j = Journal()
        try j.load([("master.json", master)], at: "2026-01-01T00:00:00Z")
        try j.batch(
            "S1-0", site: "S1", start: "2026-01-15T00:00:00Z", end: "2026-01-20T00:00:00Z", at: "2026-01-21T00:00:00Z")
        // S1-1: returned after 2 days, reviewed clean, certified 5 days after manufacture.
        try j.batch(
            "S1-1", site: "S1", start: "2026-02-02T00:00:00Z", end: "2026-02-10T00:00:00Z", at: "2026-02-12T00:00:00Z")
        j.review("S1-1", [], at: "2026-02-13T00:00:00Z")
        j.add(RecordKind.batchCertified, ["batch": "S1-1"], at: "2026-02-15T00:00:00Z", actor: "qp.maria")
        // S1-2: returned after 10 days (agreement: 5), a critical deviation reported after 36 h (agreement: 24),
        // two exceptions (one justified, one to a deviation closed late), certified after its deviation closed.
        let critical = """
            {"id": "SD-1", "class": "critical", "discovered_at": "2026-02-25T00:00:00Z",
             "reported_at": "2026-02-26T12:00:00Z", "description": "seal breach"}
            """
        try j.batch(
            "S1-2", site: "S1", start: "2026-02-20T00:00:00Z", end: "2026-03-01T00:00:00Z", at: "2026-03-11T00:00:00Z",
            deviations: critical)
        j.review("S1-2", [("S1-2-OOT", "OOT"), ("S1-2-EM", "EM")], at: "2026-03-12T00:00:00Z")
        j.add(
            RecordKind.exceptionDispositioned,
            ["batch": "S1-2", "exception": "S1-2-OOT", "disposition": "justified", "reason": "within history"],
            at: "2026-03-13T00:00:00Z")
        j.add(
            RecordKind.deviationOpened,
            [
                "deviation": "DEV-1", "batch": "S1-2", "classification": "major", "exceptions": ["S1-2-EM"],
                "due": "2026-03-20T00:00:00.000Z",
            ], at: "2026-03-13T00:00:00Z")
        j.add(
            RecordKind.exceptionDispositioned,
            [
                "batch": "S1-2", "exception": "S1-2-EM", "disposition": "deviation-opened", "deviation": "DEV-1",
                "reason": "EM excursion",
            ], at: "2026-03-13T00:00:00Z")
        j.add(RecordKind.deviationApproved, ["deviation": "DEV-1"], at: "2026-03-25T00:00:00Z", actor: "qa.ben")
        j.add(RecordKind.batchCertified, ["batch": "S1-2"], at: "2026-03-30T00:00:00Z", actor: "qp.maria")
        // S1-3: first imported in manufacture, its executed record (a new version of the batch record, as older
        // journals hold) returned two days after manufacture ended; only a pending result: right first time.
        try j.batch("S1-3", site: "S1", start: "2026-03-05T00:00:00Z", end: nil, at: "2026-03-06T00:00:00Z")
        j.add(
            RecordKind.batchImported,
            [
                "batch": [
                    "id": "S1-3", "product": "AAV-1", "site": "S1", "manufacture_start": "2026-03-05T00:00:00.000Z",
                    "manufacture_end": "2026-03-20T00:00:00.000Z", "expiry": "2027-01-01T00:00:00.000Z",
                ]
            ], at: "2026-03-22T00:00:00Z")
        j.review("S1-3", [("S1-3-PENDING-titre", "PENDING")], at: "2026-03-22T00:00:00Z")
        // S2-1: quiet batch sampled, reviewed in full, then held: a finding.
        try j.batch(
            "S2-1", site: "S2", start: "2026-03-01T00:00:00Z", end: "2026-03-08T00:00:00Z", at: "2026-03-09T00:00:00Z")
        j.review("S2-1", [], quiet: true, at: "2026-03-10T00:00:00Z")
        j.add(RecordKind.batchFullReviewed, ["batch": "S2-1", "reason": "read"], at: "2026-03-11T00:00:00Z")
        j.add(
            RecordKind.batchHeld, ["batch": "S2-1", "reason": "label"], at: "2026-03-12T00:00:00Z", actor: "qp.maria")
        // S2-2: an EM exception and its deviation, open and not yet due.
        try j.batch(
            "S2-2", site: "S2", start: "2026-03-15T00:00:00Z", end: "2026-03-20T00:00:00Z", at: "2026-03-21T00:00:00Z")
        j.review("S2-2", [("S2-2-EM", "EM")], at: "2026-03-21T01:00:00Z")
        j.add(
            RecordKind.deviationOpened,
            [
                "deviation": "DEV-2", "batch": "S2-2", "classification": "minor", "exceptions": ["S2-2-EM"],
                "due": "2026-06-01T00:00:00.000Z",
            ], at: "2026-03-22T00:00:00Z")
        j.add(
            RecordKind.siteSuspended, ["site": "S2", "reason": "audit"], at: "2026-03-25T00:00:00Z", actor: "sup.kenji")
        j.add(
            RecordKind.siteReinstated, ["site": "S2", "reason": "CAPA"], at: "2026-04-10T00:00:00Z", actor: "sup.kenji")
        return j.state
    }

    @Test func everyFigureOfTheHandMadeJournal() throws {
        let state = try Self.journal()
        let card = try Scorecards.compute(state, period: Self.period, now: Self.now)
        #expect(card.sites.map(\.site) == ["S1", "S2"])
        #expect(card.months == ["2026-02", "2026-03"])
        let s1 = card.sites[0]
        #expect(s1.name == "Site one" && s1.kind == "in-house")
        #expect(s1.batches == 3 && s1.reviewed == 3)
        #expect(s1.rightFirstTime == 2 && s1.rightFirstTimeShare == 2.0 / 3.0)
        #expect(s1.exceptions == 3 && s1.exceptionsPerBatch == 1)
        #expect(
            s1.rules == [
                RuleRecord(rule: "EM", exceptions: 1, justified: 0),
                RuleRecord(rule: "OOT", exceptions: 1, justified: 1),
                RuleRecord(rule: "PENDING", exceptions: 1, justified: 0),
            ])
        #expect(s1.deviations == 1 && s1.deviationsDecided == 1 && s1.deviationsOnTime == 0)
        #expect(s1.deviationRate == 1.0 / 3.0)
        #expect(s1.turnaround.values == [2 * Self.day, 2 * Self.day, 10 * Self.day])
        #expect(s1.turnaround.median == 2 * Self.day && s1.turnaround.p90 == 10 * Self.day)
        #expect(s1.turnaround.target == 5 * Self.day && s1.turnaround.withinTarget == 2)
        #expect(s1.criticalNotice.values == [36 * Self.hour] && s1.criticalNotice.withinTarget == 0)
        #expect(s1.criticalNotice.target == 24 * Self.hour)
        #expect(s1.releaseCycle.values == [5 * Self.day, 29 * Self.day])
        #expect(s1.releaseCycle.median == 5 * Self.day && s1.releaseCycle.p90 == 29 * Self.day)
        // Ready: S1-1 at its review, S1-2 when its deviation closed.
        #expect(s1.certificationLag.values == [2 * Self.day, 5 * Self.day] && s1.lagUnknown == 0)
        #expect(s1.quiet == QuietRecord(sampled: 0, reviewed: 0, findings: []))
        #expect(s1.suspension == nil && s1.statusHistory.isEmpty)
        #expect(s1.monthly.map(\.batches) == [2, 1])
        #expect(s1.monthly[0].rightFirstTime == 0.5 && s1.monthly[1].rightFirstTime == 1)
        #expect(s1.monthly[0].turnaround == 2 * Self.day && s1.monthly[0].releaseCycle == 5 * Self.day)

        let s2 = card.sites[1]
        #expect(s2.kind == "cmo" && s2.batches == 2 && s2.reviewed == 2 && s2.rightFirstTime == 1)
        #expect(s2.rules == [RuleRecord(rule: "EM", exceptions: 1, justified: 0)])
        #expect(s2.quiet == QuietRecord(sampled: 1, reviewed: 1, findings: ["S2-1"]))
        #expect(s2.deviations == 1 && s2.deviationsDecided == 0 && s2.onTimeShare == nil)
        #expect(s2.turnaround.values == [Self.day, Self.day] && s2.turnaround.target == 10 * Self.day)
        #expect(s2.criticalNotice.count == 0 && s2.criticalNotice.target == 48 * Self.hour)
        #expect(s2.releaseCycle.count == 0 && s2.certificationLag.count == 0)
        #expect(s2.statusHistory.map(\.kind) == [RecordKind.siteSuspended, RecordKind.siteReinstated])
        #expect(s2.suspension == nil)
        #expect(s2.monthly.map(\.batches) == [0, 2] && s2.monthly[0].rightFirstTime == nil)
    }

    @Test func anOpenDeviationPastItsDueIsLateAndASiteCanBeChosen() throws {
        let state = try Self.journal()
        let late = try Scorecards.compute(
            state, period: Self.period, now: Self.t("2026-06-02T00:00:00Z"), sites: ["S2"])
        #expect(late.sites.map(\.site) == ["S2"])
        #expect(late.sites[0].deviationsDecided == 1 && late.sites[0].deviationsOnTime == 0)
        #expect(throws: TrendError("site", "no site S9 in this journal")) {
            try Scorecards.compute(state, period: Self.period, now: Self.now, sites: ["S9"])
        }
    }

    @Test func aSuspendedSiteShowsItsSuspension() throws {
        var state = try Self.journal()
        state.apply(
            Record(
                seq: state.lastSeq + 1, at: Self.t("2026-04-20T00:00:00Z"), actor: "sup.kenji", host: "h",
                kind: RecordKind.siteSuspended, body: ["site": "S2", "reason": "again"], prev: Record.zeroHash))
        let card = try Scorecards.compute(state, period: Self.period, now: Self.now)
        #expect(card.sites[1].suspension?.reason == "again" && card.sites[1].statusHistory.count == 3)
        let rows = card.rows()
        #expect(rows.first { $0.label == "status" }?.cells == ["✔ active", "⊘ suspended"])
        #expect(card.rows(unicode: false).first { $0.label == "status" }?.cells == ["OK active", "X suspended"])
    }

    @Test func percentilesAreNearestRank() {
        let s = DurationSummary([5, 1, 4, 2, 3, 10, 9, 8, 7, 6])
        #expect(s.values == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(s.median == 5 && s.p90 == 9 && s.percentile(100) == 10 && s.percentile(1) == 1)
        #expect(DurationSummary([7]).median == 7 && DurationSummary([7]).p90 == 7)
        #expect(DurationSummary([]).median == nil && DurationSummary([], target: 1).withinTarget == 0)
        #expect(DurationSummary([1, 2]).median == 1 && DurationSummary([1, 2]).p90 == 2)
    }

    @Test func monthsSparklinesAndFormats() {
        let p = OversightPeriod.lastTwelveMonths(at: Self.t("2026-03-15T10:00:00Z"))
        #expect(p.since == Self.t("2025-04-01T00:00:00Z") && p.until == Self.t("2026-03-15T10:00:00Z"))
        #expect(
            p.months.count == 12 && p.months.first?.monthLabel == "2025-04" && p.months.last?.monthLabel == "2026-03")
        #expect(p.months.last?.until == p.until)
        #expect(Scorecards.sparkline([0, 7, nil, 3.5]) == "▁█ ▅")
        #expect(Scorecards.sparkline([0, 4, nil, 2], unicode: false) == "_# -")
        #expect(Scorecards.sparkline([2, 2]) == "▁▁" && Scorecards.sparkline([nil, nil]) == "  ")
        #expect(Scorecards.duration(36 * Self.hour) == "36 h" && Scorecards.duration(10 * Self.day) == "10.0 d")
        #expect(
            Scorecards.duration(90_000) == "2 min" && Scorecards.duration(nil) == "–"
                && Scorecards.percent(2.0 / 3.0) == "67 %")
        #expect(Scorecards.ratio(1.0 / 3.0) == "0.33" && Scorecards.ratio(2) == "2.00")
    }

    @Test func theDriftingAttributeIsTheChartWithMostSignalsInThePeriod() throws {
        // Ten low values then nine high ones at S1: two rule-2 runs, every point beyond 3σ̂; S2 is flat.
        let values = Array(repeating: "90", count: 10) + Array(repeating: "110", count: 9)
        let state = try TrendTests.state(["S1": values, "S2": ["100", "100", "100"]])
        let january = OversightPeriod(since: Self.t("2026-01-01T00:00:00Z"), until: Self.t("2026-02-01T00:00:00Z"))
        #expect(
            Scorecards.drift("S1", state: state, period: january)
                == Drift(product: "AAV-1", attribute: "titre", points: 19, signals: 21, rules: [1, 2]))
        #expect(Scorecards.drift("S2", state: state, period: january) == nil)
        #expect(Scorecards.drift("S1", state: state, period: Self.period) == nil)
        let card = try Scorecards.compute(state, period: january, now: Self.now)
        #expect(card.sites[0].drift?.attribute == "titre")
        #expect(card.json["sites"]?.arrayValue?.first?["drift"]?["points"] == .int(19))
        #expect(card.rows().first { $0.label == "drifting attribute" }?.cells == ["AAV-1 titre · 19 pts", "none"])
    }
}
