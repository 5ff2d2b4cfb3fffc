import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// A pending QC result (registered, not in yet) survives the journal: what the importer writes for it is
/// read back by the fold, so the later final result is a correction of the same result id.
@Suite("Pending QC results in the journal")
struct PendingResultTests {
    @Test func aPendingResultAsTheJournalRecordsItIsReadBack() throws {
        let pending = QCResult(
            id: "R-1", attribute: "sterility", value: "", unit: "",
            testedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000),
            status: "pending")
        var fields = try Fields(pending.json, path: "results[0]")
        let read = try QCResult.decode(&fields)
        #expect(read == pending)
    }

    @Test func aPendingResultWithInvisibleTextIsStillRefused() throws {
        var fields = try Fields(
            [
                "result_id": "R-1", "attribute": "sterility", "value": "\u{200B}",
                "tested_at": "2026-01-01T00:00:00.000Z", "status": "pending",
            ],
            path: "results[0]")
        #expect(throws: FieldError.self) { _ = try QCResult.decode(&fields) }
    }

    @Test func theFoldKeepsAPendingResultOfABatch() throws {
        var state = DeskState()
        let t = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
        let batch = Batch(
            id: "B-1", product: "P", site: "S", coi: nil, patientWeightKg: nil, apheresisAt: nil, manufactureStart: t,
            manufactureEnd: nil, expiry: t.adding(milliseconds: 86_400_000 * 30), plannedInfusion: nil, steps: [],
            readings: [],
            qc: [], custody: [], environment: [], labels: [], deviations: [])
        state.batches[batch.id] = BatchRecord(
            batch: batch, firstSeq: 2, firstAt: batch.expiry, lastDataSeq: 2, recordSeqs: [2])
        let pending = QCResult(
            id: "R-9", attribute: "mycoplasma", value: "", unit: "",
            testedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000),
            status: "pending")
        state.apply(
            Record(
                seq: 3, at: Timestamp(millisecondsSinceEpoch: 1_767_225_700_000), actor: "qa.anna", host: "h",
                kind: RecordKind.qcResultsRecorded,
                body: ["batch": .string(batch.id), "results": [pending.json], "reason": "registered"],
                prev: String(repeating: "0", count: 64)))
        #expect(state.batches[batch.id]?.batch.qc.contains { $0.id == "R-9" && $0.status == "pending" } == true)
    }
}
