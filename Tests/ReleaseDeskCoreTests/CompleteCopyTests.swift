import CanonicalJSON
import Foundation
import Testing

@testable import ReleaseDeskCore

/// 21 CFR 11.10(b): the text report is a complete human-readable copy of the JSON report.
@Suite("Complete human-readable copy")
struct CompleteCopyTests {
    typealias R = ReleaseRulesTests

    /// Every string (not empty) and number of `value` that is data, with the path it was found at.
    static func leaves(_ value: JSONValue, _ path: String = "$") -> [(path: String, text: String, isNumber: Bool)] {
        switch value {
        case .string(let s): return s.isEmpty ? [] : [(path, s, false)]
        case .int(let i): return [(path, String(i), true)]
        case .array(let items): return items.enumerated().flatMap { leaves($1, "\(path)[\($0)]") }
        case .object(let members): return members.keys.sorted().flatMap { leaves(members[$0]!, "\(path).\($0)") }
        case .bool, .null: return []
        }
    }

    /// Whether `number` appears in `text` as a number of its own (not as part of a longer one).
    static func containsNumber(_ text: String, _ number: String) -> Bool {
        let chars = Array(text)
        let target = Array(number)
        guard target.count <= chars.count else { return false }
        for start in 0...(chars.count - target.count) where Array(chars[start..<start + target.count]) == target {
            let before = start == 0 ? nil : chars[start - 1]
            let after = start + target.count < chars.count ? chars[start + target.count] : nil
            if !(before?.isNumber ?? false) && !(after?.isNumber ?? false) { return true }
        }
        return false
    }

    /// The JSON leaves a report's text lacks.
    static func missing(_ report: DispositionReport) -> [String] { missing(report.json, in: report.text) }

    static func missing(_ json: JSONValue, in text: String) -> [String] {
        leaves(json).filter { leaf in
            leaf.isNumber ? !containsNumber(text, leaf.text) : !text.contains(DisplayText.sanitize(leaf.text))
        }.map { "\($0.path) = \($0.text)" }
    }

    /// A batch with everything a report can hold: a corrected result, a superseded disposition, a major
    /// deviation through every step, a comment, an OOS supply case, an audit-trail review and a hold; and a
    /// certified batch with the QP's checklist.
    static func richState() throws -> (DeskState, flagged: String, certified: String) {
        var (state, records) = try R.state()
        let b = R.flagged
        try OldAndNewValueTests.importQC(
            OldAndNewValueTests.header
                + "\(b),R-\(b)-02,car_positive,23.4,%,2026-01-05T09:30:00Z,final,re-read of the flow plot",
            &state, &records)
        for (kind, reason) in [
            (DispositionKind.retestRequested, "re-test the retained sample"), (.justified, "re-test within trend"),
        ] {
            try R.run(&state, &records) { s throws(ActionRefusal) in
                try ReleaseRules.disposition(
                    batch: b, exception: R.oot, kind: kind, reason: reason, by: "qa.anna", expecting: nil,
                    digest: R.digest, in: s)
            }
        }
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: b, exceptions: [R.oos], classification: .major, title: "Viability below specification",
                description: "Viability 76.5 % against 80 % at release testing", reason: "OOS needs investigation",
                by: "qa.anna",
                now: R.now, expecting: nil, digest: R.digest, in: s)
        }
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approveClassification(
                "DEV-0001", classification: nil, reason: "major confirmed", by: "qa.ben", expecting: nil,
                digest: R.digest, in: s)
        }
        let investigation = ReleaseRules.Investigation(
            rootCause: "extended hold before cryopreservation", impact: "dose adjusted; no other batch affected",
            capa: ["CAPA-2026-004", "CAPA-2026-005"], capaRationale: nil,
            effectivenessCheck: "hold times of the next 10 batches")
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.recordInvestigation(
                "DEV-0001", investigation, reason: "investigation complete", by: "qa.anna", expecting: nil,
                digest: R.digest, in: s)
        }
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approve(
                "DEV-0001", reason: "closed after review", by: "qa.ben", expecting: nil, digest: R.digest, in: s)
        }
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.comment(batch: b, text: "physician informed of the delay", by: "sup.kenji", in: s)
        }
        for (step, actor) in [
            (ReleaseRules.OOSStep.request(physician: "Dr. Ingrid Solberg", reference: "REQ-2026-017"), "qp.maria"),
            (.riskEvaluation("benefit outweighs risk for this patient"), "qp.maria"),
            (.acceptance(physician: "Dr. Ingrid Solberg", reference: "ACC-2026-017"), "qa.ben"),
            (.notification(recipient: "competent authority", reference: "NOT-2026-017"), "qa.ben"),
        ] {
            try R.run(&state, &records) { s throws(ActionRefusal) in
                try ReleaseRules.recordOOSStep(
                    b, step, reason: "Part IV 11.5 step", by: actor, expecting: nil, digest: R.digest, in: s)
            }
        }
        try R.reviewTrail(b, &state, &records)
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.hold(
                b, on: true, reason: "awaiting the physician's call", by: "qp.maria", expecting: nil, digest: R.digest,
                in: s)
        }
        let ready = R.readyBatch(state)
        try R.reviewTrail(ready, &state, &records)
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.certify(
                ready, answers: R.yes, reason: "all gates closed", by: "qp.maria", now: R.now, expecting: nil,
                digest: R.digest, in: s)
        }
        return (state, b, ready)
    }

    @Test func theTextReportHoldsEveryValueOfTheJSONReport() throws {
        let (state, flagged, certified) = try Self.richState()
        for id in [flagged, certified] + state.batches.keys.sorted().prefix(5) {
            let report = DispositionReport(record: state.batches[id]!, state: state)
            #expect(Self.missing(report) == [], "\(id)")
        }
        // The rich batch really holds what the test is about.
        let json = DispositionReport(record: state.batches[flagged]!, state: state).json
        #expect(json["deviations"]?.arrayValue?.first?["capa"] == ["CAPA-2026-004", "CAPA-2026-005"])
        #expect(json["deviations"]?.arrayValue?.first?["effectiveness_check"] == "hold times of the next 10 batches")
        #expect(json["oos_supply"]?["steps"]?.arrayValue?.count == 4)
        #expect(json["comments"]?.arrayValue?.count == 1)
        #expect(json["on_hold"]?["signature"]?["meaning"] == "held")
        let decision = DispositionReport(record: state.batches[certified]!, state: state).json["decision"]
        #expect(decision?["checklist"]?.arrayValue?.count == ReleaseRules.checklist.count)
    }

    @Test func theCompletenessCheckFindsAValueTheTextLeavesOut() throws {
        let (state, flagged, certified) = try Self.richState()
        let rich = DispositionReport(record: state.batches[flagged]!, state: state)
        let other = DispositionReport(record: state.batches[certified]!, state: state)
        let absent = Self.missing(rich.json, in: other.text)
        #expect(absent.contains { $0.hasPrefix("$.deviations[0].root_cause") })
        #expect(absent.contains { $0.hasPrefix("$.oos_supply.physician") })
        #expect(Self.missing(rich.json, in: rich.text.replacingOccurrences(of: "CAPA-2026-005", with: "")).count == 1)
        #expect(Self.containsNumber("seq 12, 3", "12"))
        #expect(!Self.containsNumber("seq 123", "12"))
        #expect(Self.leaves(["a": ["b": "x", "c": 7, "d": true, "e": .null]]).map(\.text) == ["x", "7"])
    }
}
