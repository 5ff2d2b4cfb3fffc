import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// Individuals charts and Nelson's rules on small hand-made journals and series (docs/oversight.md, "Trends").
@Suite("Trends")
struct TrendTests {
    static let now = Timestamp(iso8601: "2026-05-01T00:00:00Z")!

    /// A journal with product AAV-1 (trended `titre`, 80–120 pct of target, and `appearance`), sites S1 and S2, and for each
    /// site one batch per value in manufacture order ("" for a batch without a titre result). Batches are
    /// imported in reverse order, so the chart's order comes from the manufacture start, not arrival.
    static func state(_ series: [String: [String]], trendRules: String? = nil) throws -> DeskState {
        let rules = trendRules.map { ", \"trend_rules\": \($0)" } ?? ""
        let master = """
            {"products": [{"id": "AAV-1", "name": "Test vector", "modality": "allogeneic-lot",
              "spec_version": "SPEC-1", "attributes": [
                {"id": "titre", "name": "vector genome titre", "unit": "pct", "method": "ddPCR",
                 "limit": {"kind": "range", "low": "80", "high": "120"}, "release_critical": true,
                 "may_follow_release": false, "trended": true},
                {"id": "appearance", "name": "appearance", "unit": "", "method": "visual",
                 "limit": {"kind": "conforms"}, "release_critical": true, "may_follow_release": false,
                 "trended": false}]\(rules)}],
             "sites": [
               {"id": "S1", "name": "Site one", "kind": "in-house", "agreement":
                 {"notify_critical_hours": 24, "notify_major_hours": 120, "notify_minor_hours": 360}},
               {"id": "S2", "name": "Site two", "kind": "cmo", "agreement":
                 {"notify_critical_hours": 24, "notify_major_hours": 120, "notify_minor_hours": 360}}]}
            """
        var batches: [String] = []
        for (site, values) in series.sorted(by: { $0.key < $1.key }) {
            for (i, value) in values.enumerated().reversed() {
                let day = String(i + 1).count == 1 ? "0\(i + 1)" : "\(i + 1)"
                let qc =
                    value.isEmpty
                    ? ""
                    : """
                    {"result_id": "R-\(site)-\(i + 1)", "attribute": "titre", "value": "\(value)", "unit": "pct",
                     "tested_at": "2026-03-\(day)T12:00:00Z"}
                    """
                batches.append(
                    """
                    {"id": "\(site)-\(i + 1)", "product": "AAV-1", "site": "\(site)",
                     "manufacture_start": "2026-01-\(day)T08:00:00Z", "expiry": "2027-01-01T00:00:00Z",
                     "qc": [\(qc)]}
                    """)
            }
        }
        let files = try [
            ("master.json", master), ("batches.json", "{\"batches\": [" + batches.joined(separator: ",") + "]}"),
        ].map { name, text in try ImportParser.parse(file: name, sha256: "0", bytes: Array(text.utf8)).get() }
        var state = DeskState()
        let drafts = try ImportPlanner.plan(
            files, importID: "imp-1", actor: "qa.anna", reason: nil, now: now, state: state
        ).get()
        for (index, draft) in drafts.enumerated() {
            state.apply(
                Record(
                    seq: Int64(index + 1), at: now, actor: draft.actor, host: "h", kind: draft.kind, body: draft.body,
                    prev: Record.zeroHash))
        }
        return state
    }

    static func chart(_ state: DeskState, site: String = "S1") throws -> TrendChart {
        try Trends.chart(state, product: "AAV-1", site: site, attribute: "titre")
    }

    static func windows(_ values: [Double], _ rule: NelsonRule, centre: Double = 0, sigma: Double = 1)
        -> [Trends.Window]
    {
        Trends.windows(values, limits: TrendLimits(centre: centre, sigma: sigma), rule: rule)
    }

    // MARK: - Limits

    @Test func limitsAreTheMeanAndTheMeanMovingRangeOver1128() throws {
        let state = try Self.state(["S1": ["100", "102", "101", "103", "104"]])
        let chart = try Self.chart(state)
        #expect(chart.points.map(\.batchID) == ["S1-1", "S1-2", "S1-3", "S1-4", "S1-5"])
        #expect(chart.points.map(\.text) == ["100", "102", "101", "103", "104"])
        let limits = try #require(chart.limits)
        #expect(limits.centre == 102)
        #expect(limits.meanMovingRange == 1.5)
        #expect(abs(limits.sigma - 1.5 / 1.128) < 1e-12)
        #expect(abs(limits.upper - (102 + 3 * 1.5 / 1.128)) < 1e-9)
        #expect(abs(limits.lower - (102 - 3 * 1.5 / 1.128)) < 1e-9)
        #expect(chart.specLow == 80 && chart.specHigh == 120)
        #expect(chart.preliminary)
        #expect(chart.rules == [.beyondThreeSigma, .nineOnOneSide])
    }

    @Test func limitsArePreliminaryBelowFifteenBatches() throws {
        let fourteen = try Self.chart(Self.state(["S1": Array(repeating: "100", count: 14)]))
        #expect(fourteen.preliminary && fourteen.limits?.preliminary == true)
        let fifteen = try Self.chart(Self.state(["S1": Array(repeating: "100", count: 15)]))
        #expect(!fifteen.preliminary && fifteen.limits?.preliminary == false)
        // Every value equal: σ̂ is 0 and the centre is the value itself, so no rule fires.
        #expect(fifteen.limits?.centre == 100 && fifteen.limits?.sigma == 0)
        #expect(fifteen.signals.isEmpty)
    }

    @Test func batchesWithoutANumericResultAreListedNotPlottedAndOneBatchHasNoLimits() throws {
        let state = try Self.state(["S1": ["100", "", "101"], "S2": ["99"]])
        let chart = try Self.chart(state)
        #expect(chart.points.map(\.batchID) == ["S1-1", "S1-3"])
        #expect(chart.withoutValue == ["S1-2"])
        let single = try Self.chart(state, site: "S2")
        #expect(single.points.count == 1 && single.limits == nil && single.signals.isEmpty)
        #expect(Trends.limits([]) == nil && Trends.limits([5]) == nil)
    }

    @Test func eachSiteIsItsOwnSeriesAndSitesAreListedByBatches() throws {
        let state = try Self.state(["S1": ["100", "101"], "S2": ["90", "91", "92"]])
        #expect(try Self.chart(state).points.count == 2)
        #expect(try Self.chart(state, site: "S2").limits?.centre == 91)
        #expect(Trends.sites(of: "AAV-1", in: state) == ["S2", "S1"])
    }

    @Test func badInputNamesTheField() throws {
        let state = try Self.state(["S1": ["100"]])
        func field(_ product: String, _ site: String, _ attribute: String) -> String? {
            do {
                _ = try Trends.chart(state, product: product, site: site, attribute: attribute)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field("NOPE", "S1", "titre") == "product")
        #expect(field("AAV-1", "NOPE", "titre") == "site")
        #expect(field("AAV-1", "S1", "nope") == "attribute")
        #expect(field("AAV-1", "S1", "appearance") == "attribute")
        #expect(field("AAV-1", "S1", "titre") == nil)
    }

    // MARK: - The rules, one by one

    @Test func rule1IsOnePointStrictlyBeyondThreeSigma() {
        let found = Self.windows([0, 3.01, -3.5, 3.0, -3.0], .beyondThreeSigma)
        #expect(found.map(\.first) == [1, 2])
        #expect(found.map(\.direction) == [.above, .below])
        #expect(Self.windows([0, 1, 2.99], .beyondThreeSigma).isEmpty)
    }

    @Test func rule2IsNineInARowOnOneSideAndTheCentreLineBreaksARun() {
        let nine = Array(repeating: 0.5, count: 9)
        #expect(
            Self.windows(nine, .nineOnOneSide) == [
                Trends.Window(first: 0, last: 8, direction: .above, flagged: Array(0...8))
            ])
        #expect(Self.windows(nine.map { -$0 }, .nineOnOneSide).first?.direction == .below)
        // Eleven in a row: one signal over all eleven.
        let eleven = [0] + Array(repeating: 0.5, count: 11)
        #expect(Self.windows(eleven, .nineOnOneSide).map { [$0.first, $0.last] } == [[1, 11]])
        // Eight, a value on the centre line, eight more: no run of nine.
        let broken = Array(repeating: 0.5, count: 8) + [0] + Array(repeating: 0.5, count: 8)
        #expect(Self.windows(broken, .nineOnOneSide).isEmpty)
        #expect(Self.windows(Array(repeating: 0.5, count: 8), .nineOnOneSide).isEmpty)
    }

    @Test func rule3IsSixSteadilyIncreasingOrDecreasingAndATieBreaksIt() {
        #expect(Self.windows([1, 2, 3, 4, 5, 6], .sixTrending).map(\.direction) == [.increasing])
        #expect(Self.windows([6, 5, 4, 3, 2, 1], .sixTrending).map(\.direction) == [.decreasing])
        #expect(Self.windows([1, 2, 3, 3, 4, 5, 6], .sixTrending).isEmpty)
        #expect(Self.windows([1, 2, 3, 4, 5], .sixTrending).isEmpty)
        #expect(Self.windows([1, 2, 3, 4, 5, 6, 7], .sixTrending).map { [$0.first, $0.last] } == [[0, 6]])
    }

    @Test func rule4IsFourteenAlternatingAndATieBreaksIt() {
        let fourteen = (0..<14).map { Double($0 % 2) }
        #expect(Self.windows(fourteen, .fourteenAlternating).map { [$0.first, $0.last] } == [[0, 13]])
        #expect(Self.windows(Array(fourteen.prefix(13)), .fourteenAlternating).isEmpty)
        var tie = fourteen + [1]
        tie[7] = tie[6]
        #expect(Self.windows(tie, .fourteenAlternating).isEmpty)
    }

    @Test func rule5IsTwoOfThreeBeyondTwoSigmaOnOneSide() {
        let found = Self.windows([0, 2.5, 0, 2.1], .twoOfThreeBeyondTwoSigma)
        #expect(found == [Trends.Window(first: 1, last: 3, direction: .above, flagged: [1, 3])])
        #expect(Self.windows([0, -2.5, -2.1], .twoOfThreeBeyondTwoSigma).first?.direction == .below)
        // Opposite sides, exactly on 2σ̂, or too far apart: nothing.
        #expect(Self.windows([2.5, -2.5, 0], .twoOfThreeBeyondTwoSigma).isEmpty)
        #expect(Self.windows([2.5, 2.0, 0], .twoOfThreeBeyondTwoSigma).isEmpty)
        #expect(Self.windows([2.5, 0, 0, 2.5], .twoOfThreeBeyondTwoSigma).isEmpty)
    }

    @Test func rule6IsFourOfFiveBeyondOneSigmaOnOneSide() {
        #expect(
            Self.windows([1.5, 1.5, 0, 1.5, 1.5], .fourOfFiveBeyondOneSigma) == [
                Trends.Window(first: 0, last: 4, direction: .above, flagged: [0, 1, 3, 4])
            ])
        #expect(Self.windows([1.5, 1.5, 0, 1.5, 1.0], .fourOfFiveBeyondOneSigma).isEmpty)
        #expect(Self.windows([-1.5, -1.5, -1.1, 0, -1.5], .fourOfFiveBeyondOneSigma).first?.direction == .below)
        #expect(Self.windows([1.5, -1.5, 1.5, -1.5, 1.5], .fourOfFiveBeyondOneSigma).isEmpty)
    }

    @Test func rule7IsFifteenStrictlyWithinOneSigma() {
        let fifteen = (0..<15).map { $0 % 2 == 0 ? 0.5 : -0.5 }
        #expect(Self.windows(fifteen, .fifteenWithinOneSigma).count == 1)
        #expect(Self.windows(Array(fifteen.prefix(14)), .fifteenWithinOneSigma).isEmpty)
        var edge = fifteen
        edge[7] = 1.0
        #expect(Self.windows(edge, .fifteenWithinOneSigma).isEmpty)
    }

    @Test func rule8IsEightBeyondOneSigmaOnEitherSide() {
        let eight = (0..<8).map { $0 % 2 == 0 ? 1.5 : -1.5 }
        #expect(Self.windows(eight, .eightBeyondOneSigma).map { [$0.first, $0.last] } == [[0, 7]])
        #expect(Self.windows(Array(repeating: 1.2, count: 8), .eightBeyondOneSigma).count == 1)
        var edge = eight
        edge[3] = -1.0
        #expect(Self.windows(edge, .eightBeyondOneSigma).isEmpty)
    }

    @Test func zoneRulesNeedAPositiveSigma() {
        for rule in [
            NelsonRule.beyondThreeSigma, .twoOfThreeBeyondTwoSigma, .fourOfFiveBeyondOneSigma, .fifteenWithinOneSigma,
            .eightBeyondOneSigma,
        ] {
            #expect(Self.windows(Array(repeating: 1, count: 20), rule, centre: 0, sigma: 0).isEmpty, "\(rule)")
        }
    }

    // MARK: - Rules per product and explained signals

    @Test func aProductNamesItsRulesAndTheDefaultIsRulesOneAndTwo() throws {
        // A run of six increasing, within the limits: only rule 3 sees it.
        let values = ["100", "104", "98", "103", "97", "99", "100", "101", "102", "103", "104"]
        let plain = try Self.chart(Self.state(["S1": values]))
        #expect(plain.signals.isEmpty)
        let chosen = try Self.chart(Self.state(["S1": values], trendRules: "[3, 1]"))
        #expect(chosen.rules == [.beyondThreeSigma, .sixTrending])
        let signal = try #require(chosen.signals.first)
        #expect(chosen.signals.count == 1 && signal.rule == .sixTrending && signal.direction == .increasing)
        #expect(chosen.points[signal.first].batchID == "S1-5" && chosen.points[signal.last].batchID == "S1-11")
        #expect(signal.explanation.hasPrefix("Rule 3 (six in a row steadily increasing or decreasing)"))
        #expect(signal.explanation.contains("batches S1-5 to S1-11 (points 5–11 of 11)"))
        #expect(signal.explanation.contains("97, 99, 100, 101, 102, 103, 104 pct"))
        #expect(chosen.signals(at: 10).map(\.rule) == [.sixTrending] && chosen.signals(at: 0).isEmpty)
        let none = try Self.chart(Self.state(["S1": values], trendRules: "[]"))
        #expect(none.rules.isEmpty && none.signals.isEmpty)
    }

    @Test func trendRulesAreCheckedAndKeptInTheProductRecord() throws {
        for (rules, message) in [("[9]", "trend_rules[0]"), ("[1, 1]", "trend_rules[1]"), ("\"1\"", "trend_rules")] {
            do {
                _ = try Self.state(["S1": ["100"]], trendRules: rules)
                Issue.record("\(rules) was accepted")
            } catch {
                #expect("\(error)".contains(message), "\(rules): \(error)")
            }
        }
        let state = try Self.state(["S1": ["100"]], trendRules: "[5, 2]")
        let product = try #require(state.products["AAV-1"])
        #expect(product.trendRules == [5, 2])
        #expect(product.json.objectValue?["trend_rules"] == .array([.int(5), .int(2)]))
        #expect(try Self.state(["S1": ["100"]]).products["AAV-1"]?.json.objectValue?["trend_rules"] == nil)
    }

    @Test func aSignalNamesTheRuleTheWindowAndTheValuesBeyondTheLimit() throws {
        let values = ["100", "102", "99", "100", "102", "99", "100", "102", "99", "100", "112"]
        let chart = try Self.chart(Self.state(["S1": values]))
        let signal = try #require(chart.signals.first)
        #expect(chart.signals.count == 1 && signal.rule == .beyondThreeSigma && signal.direction == .above)
        #expect(signal.first == 10 && signal.last == 10 && signal.flagged == [10])
        let limits = try #require(chart.limits)
        #expect(
            signal.explanation
                == "Rule 1 (one point beyond 3σ̂): batch S1-11 (point 11 of 11), above the upper control limit "
                + "\(Trends.format(limits.upper)): 112 pct; centre \(Trends.format(limits.centre)), σ̂ "
                + "\(Trends.format(limits.sigma)).")
        let json = chart.json.objectValue
        #expect(json?["rule_set"] == "NELSON-1" && json?["preliminary"] == true)
        #expect(json?["points"]?.arrayValue?.count == 11)
    }

    @Test func numbersAreShortAndScientificWhenLarge() {
        #expect(Trends.format(102) == "102")
        #expect(Trends.format(1.329787) == "1.33")
        #expect(Trends.format(85.5912) == "85.59")
        #expect(Trends.format(2.0e13) == "2.0e13")
        #expect(Trends.format(-0.0001) == "-1.0e-4")
        #expect(Trends.format(0) == "0")
    }
}
