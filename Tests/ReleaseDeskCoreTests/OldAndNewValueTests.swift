import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// 21 CFR 11.10(e): a record that changes something carries what it replaces, and the report lists each change.
@Suite("Old and new value")
struct OldAndNewValueTests {
    typealias R = ReleaseRulesTests
    static let later = Timestamp(iso8601: "2026-01-15T13:00:00Z")!

    /// Imports `csv` (QC results) into `state` as one import, applying every record it writes.
    static func importQC(_ csv: String, reason: String? = nil, _ state: inout DeskState, _ records: inout [Record])
        throws
    {
        let parsed = try ImportParser.parse(file: "fix.csv", sha256: "0", bytes: Array(csv.utf8)).get()
        let drafts = try ImportPlanner.plan(
            [parsed], importID: "imp-fix", actor: "qa.anna", reason: reason, now: later, state: state
        ).get()
        for draft in drafts { R.append(draft, to: &state, &records) }
    }

    static let header = "batch,result_id,attribute,value,unit,tested_at,status,correction_reason\n"

    @Test func aSupersedingDispositionNamesTheDispositionItSupersedes() throws {
        var (state, records) = try R.state()
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: R.flagged, exception: R.oot, kind: .retestRequested, reason: "re-test the retained sample",
                by: "qa.anna",
                expecting: nil, digest: R.digest, in: s)
        }
        let first = records.last!
        #expect(first.body["supersedes"] == nil)
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: R.flagged, exception: R.oot, kind: .justified, reason: "re-test within trend", by: "qa.ben",
                expecting: nil, digest: R.digest, in: s)
        }
        let second = records.last!
        #expect(second.body["supersedes"] == .int(first.seq))
        #expect(second.body["superseded_disposition"] == .string("retest-requested"))
        let folded = try #require(state.release.disposition(of: R.oot))
        #expect(folded.supersedes == first.seq)
        #expect(folded.supersededKind == .retestRequested)
        #expect(AuditText.summary(second).contains("supersedes seq \(first.seq), retest-requested"))
        let report = DispositionReport(record: state.batches[R.flagged]!, state: state)
        let listed = report.json["dispositions"]?.arrayValue ?? []
        #expect(listed.last?["supersedes"] == .int(first.seq))
        #expect(listed.last?["superseded_disposition"] == .string("retest-requested"))
        #expect(listed.first?["supersedes"] == .null)
        #expect(report.text.contains("supersedes seq \(first.seq) (retest-requested)"))
        #expect(DeskState.replay(records) == state)
    }

    @Test func aDeviationOpenedOverAnEarlierDispositionNamesIt() throws {
        var (state, records) = try R.state()
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: R.flagged, exception: R.oot, kind: .retestRequested, reason: "re-test", by: "qa.anna",
                expecting: nil,
                digest: R.digest, in: s)
        }
        let earlier = records.last!.seq
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: R.flagged, exceptions: [R.oot, R.oos], classification: .major, title: "Viability",
                description: "low",
                reason: "investigate", by: "qa.anna", now: R.now, expecting: nil, digest: R.digest, in: s)
        }
        let linked = records.filter { $0.kind == RecordKind.exceptionDispositioned && $0.seq > earlier }
        #expect(linked.first { $0.body["exception"] == .string(R.oot) }?.body["supersedes"] == .int(earlier))
        #expect(linked.first { $0.body["exception"] == .string(R.oos) }?.body["supersedes"] == nil)
    }

    @Test func aQCCorrectionCarriesEveryPreviousFieldAndTheFoldListsEachChangedField() throws {
        var (state, records) = try R.state()
        let before = try #require(state.batches[R.flagged]?.batch.qc.first { $0.id == "R-CART-26-0021-02" })
        try Self.importQC(
            Self.header
                + "CART-26-0021,R-CART-26-0021-02,car_positive,23.4,%,2026-01-05T09:30:00Z,final,re-read of the flow plot",
            &state, &records)
        let recorded = try #require(records.last { $0.kind == RecordKind.qcResultsRecorded })
        let item = try #require(recorded.body["results"]?.arrayValue?.first)
        #expect(
            item["previous"]
                == [
                    "value": .string(before.value), "unit": .string(before.unit), "status": .string(before.status),
                    "tested_at": .string(before.testedAt.description),
                ])
        let changes = state.batches[R.flagged]!.changes
        #expect(
            changes.map(\.field) == [
                "QC R-CART-26-0021-02 car_positive value", "QC R-CART-26-0021-02 car_positive tested_at",
            ])
        #expect(changes[0].old == "21.1" && changes[0].new == "23.4")
        #expect(changes[1].old == before.testedAt.description && changes[1].new == "2026-01-05T09:30:00.000Z")
        #expect(
            changes.allSatisfy {
                $0.reason == "re-read of the flow plot" && $0.actor == "qa.anna" && $0.seq == recorded.seq
            })
        #expect(
            AuditText.summary(recorded).contains(
                "; corrected R-CART-26-0021-02 car_positive (value 21.1 → 23.4, tested_at \(before.testedAt.description) → 2026-01-05T09:30:00.000Z)"
            ))
        #expect(DeskState.replay(records) == state)
    }

    @Test func eachFieldOfAQCResultThatCanChangeIsListed() {
        let t0 = Timestamp(iso8601: "2026-01-04T15:00:00Z")!
        let t1 = Timestamp(iso8601: "2026-01-06T15:00:00Z")!
        let old = QCResult(id: "R1", attribute: "potency", value: "", unit: "pg/mL", testedAt: t0, status: "pending")
        let new = QCResult(id: "R1", attribute: "potency", value: "1907", unit: "ng/mL", testedAt: t1, status: "final")
        let changes = ValueDiff.result(old, new)
        #expect(changes.map(\.field) == ["value", "unit", "status", "tested_at"].map { "QC R1 potency \($0)" })
        #expect(changes.map(\.old) == ["pending", "pg/mL", "pending", t0.description])
        #expect(changes.map(\.new) == ["1907", "ng/mL", "final", t1.description])
        #expect(ValueDiff.result(new, new).isEmpty)
    }

    @Test func aQCRecordWithoutPreviousFromAnOlderJournalStillFoldsItsChanges() throws {
        var (state, records) = try R.state()
        let at = Timestamp(iso8601: "2026-01-04T15:00:00Z")!
        // As written before `previous` existed: a corrected result with its reason only.
        let old: [String: JSONValue] = [
            "import_id": .string("old"), "batch": .string(R.flagged),
            "results": [
                [
                    "result_id": "R-CART-26-0021-03", "attribute": "cd3", "value": "95.0", "unit": "%",
                    "tested_at": .string(at.description), "status": "final", "correction_reason": "typo",
                ]
            ],
        ]
        R.append(RecordDraft(kind: RecordKind.qcResultsRecorded, actor: "qa.anna", body: old), to: &state, &records)
        R.append(
            RecordDraft(kind: RecordKind.importCommitted, actor: "qa.anna", body: ["import_id": "old", "records": 1]),
            to: &state, &records)
        let change = try #require(state.batches[R.flagged]?.changes.first)
        #expect(
            change.field == "QC R-CART-26-0021-03 cd3 value" && change.old == "94.4" && change.new == "95.0"
                && change.reason == "typo")
        #expect(state.batches[R.flagged]?.batch.qc.first { $0.id == "R-CART-26-0021-03" }?.value == "95.0")
    }

    @Test func aBatchReimportListsEveryFieldItChanges() throws {
        let (state, _) = try R.state()
        let old = state.batches[R.flagged]!.batch
        var new = old
        new.apheresisAt = old.apheresisAt?.adding(milliseconds: -3_600_000)
        new.manufactureStart = old.manufactureStart.adding(milliseconds: 60_000)
        new.steps[0].verifiedBy = "op.somebody-else"
        new.custody[0].holder = "another courier"
        new.labels = [LabelCheck(item: "bag", coi: "COI-X")]
        new.qc[0].unit = "n/a"
        new.qc.removeLast()
        let record = Record(
            seq: 99, at: Self.later, actor: "qa.anna", host: "h", kind: RecordKind.batchImported,
            body: ["reason": "resent"], prev: Record.zeroHash)
        let fields = DeskState.changes(from: old, to: new, record: record).map(\.field)
        let last = old.qc.last!
        #expect(fields.contains("apheresis_at"))
        #expect(fields.contains("manufacture_start"))
        #expect(fields.contains("steps \(old.steps[0].id) verified_by"))
        #expect(fields.contains("custody \(old.custody[0].id) holder"))
        #expect(fields.contains("labels"))
        #expect(fields.contains("QC \(old.qc[0].id) \(old.qc[0].attribute) unit"))
        #expect(fields.contains("QC \(last.id) \(last.attribute) value"))
        #expect(DeskState.changes(from: old, to: old, record: record).isEmpty)
    }

    @Test func changedSinceFirstEntryListsFieldOldNewWhenWhoAndWhy() throws {
        var (state, records) = try R.state()
        try Self.importQC(
            Self.header
                + "CART-26-0021,R-CART-26-0021-02,car_positive,23.4,%,2026-01-04T15:00:00Z,final,re-read of the flow plot",
            &state, &records)
        let written = records.last { $0.kind == RecordKind.qcResultsRecorded }!
        let seq = written.seq
        let report = DispositionReport(record: state.batches[R.flagged]!, state: state)
        let change = try #require(report.json["changes"]?.arrayValue?.first)
        #expect(change["field"] == "QC R-CART-26-0021-02 car_positive value")
        #expect(change["old"] == "21.1" && change["new"] == "23.4" && change["seq"] == .int(seq))
        #expect(change["at"] == .string(written.at.description) && change["actor"] == "qa.anna")
        #expect(change["reason"] == "re-read of the flow plot")
        #expect(report.text.contains("◆ QC R-CART-26-0021-02 car_positive value: 21.1 → 23.4"))
        #expect(
            report.text.contains(
                "when \(written.at.description) (seq \(seq)) · by qa.anna · why: \"re-read of the flow plot\""))
        #expect(report.text.contains("◆ value: 21.1 → 23.4"))
    }
}
