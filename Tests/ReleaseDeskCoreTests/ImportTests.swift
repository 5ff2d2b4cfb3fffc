import CanonicalJSON
import Foundation
import Testing

@testable import ReleaseDeskCore

@Suite("Imports")
struct ImportTests {
    static let sampleData: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/SampleData"
    }()

    static func read(_ name: String) -> [UInt8] {
        let file = sampleData + "/" + name
        guard let handle = fopen(file, "rb") else { return [] }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, handle)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }

    func parse(_ name: String, _ text: String) -> Result<ParsedImport, ImportProblems> {
        ImportParser.parse(file: name, sha256: "0", bytes: Array(text.utf8))
    }

    func parsed(_ name: String) throws -> ParsedImport {
        try ImportParser.parse(file: name, sha256: "0", bytes: Self.read(name)).get()
    }

    /// State with the sample's master data and batches imported, reviewed at `now`.
    func sampleState(now: Timestamp) throws -> (DeskState, [Record]) {
        let files = try ["master-data.json", "batches.json", "qc-results.csv", "custody-events.csv"].map(parsed)
        var state = DeskState()
        let drafts = try ImportPlanner.plan(
            files, importID: "imp-1", actor: "qa.anna", reason: nil, now: now, state: state
        ).get()
        var records: [Record] = []
        for (index, draft) in drafts.enumerated() {
            let record = Record(
                seq: Int64(index + 1), at: now, actor: draft.actor, host: "h", kind: draft.kind, body: draft.body,
                prev: Record.zeroHash)
            records.append(record)
            state.apply(record)
        }
        return (state, records)
    }

    func problems(_ result: Result<ParsedImport, ImportProblems>) -> [ImportProblem] {
        if case .failure(let p) = result { return p.problems }
        return []
    }

    /// A time after every event in these tests' files (an import refuses events later than now).
    static let afterEveryEvent = Timestamp(iso8601: "2026-06-01T00:00:00Z")!

    func planProblems(_ files: [ParsedImport], state: DeskState) -> [ImportProblem] {
        if case .failure(let p) = ImportPlanner.plan(
            files, importID: "x", actor: "qa", reason: nil, now: Self.afterEveryEvent, state: state)
        {
            return p.problems
        }
        return []
    }

    @Test func sampleDataImportsCleanlyAndRaisesEveryExceptionKind() throws {
        let (state, records) = try sampleState(now: Timestamp(iso8601: "2026-01-15T12:00:00Z")!)
        #expect(state.batches.count >= 40)
        #expect(state.products.count == 2)
        #expect(state.sites.count == 3)
        let rules = Set(state.batches.values.flatMap { $0.review?.exceptions.map(\.rule) ?? [] })
        for rule in ["OOS", "CPP", "OOT", "RECORD", "COI", "COC", "EM", "PENDING", "EXPIRY", "LATE-DEV", "DOSE"] {
            #expect(rules.contains(rule), "no \(rule) exception in the sample data")
        }
        let statuses = Set(state.batches.values.map { state.queueEntry($0).status })
        #expect(statuses.isSuperset(of: [.flagged, .readyForQP, .fullReview, .inManufacture, .infused]))
        // Replaying the same records from scratch gives the same state as applying them one by one.
        #expect(DeskState.replay(records) == state)
    }

    @Test func percentageAbove100IsRefusedWithFileLineAndField() {
        let csv = "batch,result_id,attribute,value,unit,tested_at\nB-1,R1,viability,101.0,%,2026-01-01T00:00:00Z\n"
        let file = try! parse("qc.csv", csv).get()
        var state = DeskState()
        state.products["KYM-19"] = Sample.product
        state.sites["SITE-1"] = Sample.site
        state.batches["B-1"] = BatchRecord(
            batch: Sample.batch("B-1"), firstSeq: 1, firstAt: Sample.time(0), lastDataSeq: 1)
        let found = planProblems([file], state: state)
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.field == "value")
        #expect(found.first?.description.hasPrefix("qc.csv:2: field value:") == true)
    }

    @Test func qcRowsAreCheckedAgainstTheBatchAndItsSpecification() {
        var state = DeskState()
        state.products["KYM-19"] = Sample.product
        state.sites["SITE-1"] = Sample.site
        state.batches["B-1"] = BatchRecord(
            batch: Sample.batch("B-1"), firstSeq: 1, firstAt: Sample.time(0), lastDataSeq: 1)
        let csv = """
            batch,result_id,attribute,value,unit,tested_at,status,correction_reason
            B-9,R-new,viability,90,%,2026-03-20T00:00:00Z,final,
            B-1,R-new2,potency,900,pg/mL,2026-03-20T00:00:00Z,final,
            B-1,R-new3,viability,90,per cent,2026-03-20T00:00:00Z,final,
            B-1,R-viability,viability,91,%,2026-03-20T00:00:00Z,final,
            B-1,R-new4,viability,ninety,%,2026-03-20T00:00:00Z,final,
            B-1,R-new5,endotoxin,0.2,EU/mL,2026-03-20T00:00:00Z,final,
            B-1,R-new5,endotoxin,0.3,EU/mL,2026-03-20T00:00:00Z,final,

            """
        let found = planProblems([try! parse("qc.csv", csv).get()], state: state)
        #expect(found.map(\.line) == [2, 3, 4, 5, 6, 8])
        #expect(found[0].message.contains("no batch B-9"))
        #expect(found[1].message.contains("no attribute potency"))
        #expect(found[2].message.contains("unit"))
        #expect(found[3].message.contains("correction_reason"))
        #expect(found[4].message.contains("needs a number"))
        #expect(found[5].message.contains("appears twice"))
    }

    @Test func malformedFilesNameTheirLine() {
        #expect(problems(parse("b.json", "{\n  \"batches\": [\n    {\"id\": \"X\",\n")).first?.line == 4)
        #expect(
            problems(
                parse(
                    "b.json",
                    "{\"batches\": [{\"id\": \"X\", \"product\": \"P\", \"site\": \"S\", \"manufacture_start\": \"2026-01-01\", \"expiry\": \"2027-01-01\", \"colour\": 1}]}"
                )
            ).first?.message.contains("not a known field") == true)
        #expect(
            problems(parse("b.json", "{\"batches\": [{\"id\": \"X\", \"id\": \"Y\"}]}")).first?.message.contains(
                "duplicate key") == true)
        #expect(
            problems(parse("q.csv", "batch,result_id,attribute,value,unit,tested_at\nB,R,a,\"1,2\n")).first?.message
                .contains("quoted") == true)
        #expect(problems(parse("q.csv", "batch,result_id,attribute,value,unit,tested_at\nB,R,a,1\n")).first?.line == 2)
        #expect(
            problems(parse("q.csv", "batch,result_id,attribute,value,unit,tested_at,colour\n")).first?.field == "colour"
        )
        let latin1: [UInt8] =
            Array("batch,result_id,attribute,value,unit,tested_at\nB,R,a,".utf8) + [0xE9]
            + Array(",u,2026-01-01\n".utf8)
        #expect(
            problems(ImportParser.parse(file: "q.csv", sha256: "0", bytes: latin1)).first?.message.contains("UTF-8")
                == true)
        #expect(
            problems(ImportParser.parse(file: "q.csv", sha256: "0", bytes: [0xFF, 0xFE, 0x62, 0x00])).first?.message
                .contains("UTF-16") == true)
        #expect(problems(parse("x.txt", "hello")).first?.message.contains("unknown file type") == true)
        #expect(problems(parse("e.json", "")).first?.message.contains("empty") == true)
    }

    @Test func batchesReferToKnownProductsAndSitesAndAreImportedOnce() throws {
        let json = """
            {"batches": [
              {"id": "B-2", "product": "NOPE", "site": "SITE-1", "coi": "C", "manufacture_start": "2026-01-01T00:00:00Z", "expiry": "2027-01-01"},
              {"id": "B-1", "product": "KYM-19", "site": "SITE-1", "coi": "C", "manufacture_start": "2026-01-01T00:00:00Z", "expiry": "2027-01-01"},
              {"id": "B-3", "product": "KYM-19", "site": "SITE-1", "manufacture_start": "2026-01-01T00:00:00Z", "expiry": "2027-01-01"}
            ]}
            """
        var state = DeskState()
        state.products["KYM-19"] = Sample.product
        state.sites["SITE-1"] = Sample.site
        state.batches["B-1"] = BatchRecord(
            batch: Sample.batch("B-1"), firstSeq: 1, firstAt: Sample.time(0), lastDataSeq: 1)
        let found = planProblems([try parse("b.json", json).get()], state: state)
        #expect(found.map(\.line) == [2, 3, 4])
        #expect(found.map(\.field) == ["batches[0].product", "batches[1].id", "batches[2].coi"])
    }

    @Test func physicalRangesAreChecked() {
        let json = """
            {"batches": [{"id": "B", "product": "P", "site": "S", "patient_weight_kg": 900, "manufacture_start": "2026-01-01T00:00:00Z", "expiry": "2027-01-01"}]}
            """
        #expect(problems(parse("b.json", json)).first?.field == "batches[0].patient_weight_kg")
        let cold = "batch,event_id,event,at,location,holder,temperature_c\nB,E1,stored,2026-01-01T00:00:00Z,x,y,-300\n"
        #expect(problems(parse("c.csv", cold)).first?.field.contains("temperature_c") == true)
    }

    @Test func correctionIsKeptAsAChangeSinceFirstEntry() throws {
        let (state, records) = try sampleState(now: Timestamp(iso8601: "2026-01-15T12:00:00Z")!)
        let correction = try parsed("qc-corrections.csv")
        let drafts = try ImportPlanner.plan(
            [correction], importID: "imp-2", actor: "qa.anna", reason: nil,
            now: Timestamp(iso8601: "2026-01-15T13:00:00Z")!,
            state: state
        ).get()
        var after = state
        for (index, draft) in drafts.enumerated() {
            after.apply(
                Record(
                    seq: Int64(records.count + index + 1), at: Timestamp(iso8601: "2026-01-15T13:00:00Z")!,
                    actor: draft.actor, host: "h",
                    kind: draft.kind, body: draft.body, prev: Record.zeroHash))
        }
        let changed = after.batches.values.filter { !$0.changes.isEmpty }
        #expect(changed.count == 1)
        #expect(changed.first?.changes.first?.reason?.contains("transcription error") == true)
        let report = DispositionReport(record: changed.first!, state: after)
        #expect(report.text.contains("◆ changed"))
    }
}
