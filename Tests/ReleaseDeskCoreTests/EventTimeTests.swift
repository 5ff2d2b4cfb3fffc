import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// Event times in imports: nothing later than now (a five-minute tolerance), nothing done to an autologous
/// batch's material before its apheresis.
@Suite("Import event times")
struct EventTimeTests {
    static let now = Timestamp(iso8601: "2026-03-10T12:00:00Z")!

    static let master = #"""
        {"products": [{"id": "P", "name": "CAR-T", "modality": "autologous", "spec_version": "v1",
          "attributes": [{"id": "viability", "name": "viability", "unit": "%", "method": "flow", "limit": {"kind": "minimum", "value": "80"}, "release_critical": true}]},
          {"id": "L", "name": "AAV", "modality": "allogeneic-lot", "spec_version": "v1",
          "attributes": [{"id": "viability", "name": "viability", "unit": "%", "method": "flow", "limit": {"kind": "minimum", "value": "80"}, "release_critical": true}]}],
         "sites": [{"id": "S", "name": "Site", "kind": "in-house", "agreement": {"notify_critical_hours": 24, "notify_major_hours": 72, "notify_minor_hours": 240}}]}
        """#

    static func batch(
        product: String = "P", apheresis: String = "2026-03-01T08:00:00Z", start: String = "2026-03-02T08:00:00Z",
        stepAt: String = "2026-03-03T08:00:00Z", testedAt: String = "2026-03-05T08:00:00Z",
        emAt: String = "2026-03-03T09:00:00Z"
    ) -> String {
        """
        {"batches": [{"id": "B-1", "product": "\(product)", "site": "S", "coi": "COI-1", "patient_weight_kg": "70",
          "apheresis_at": "\(apheresis)", "manufacture_start": "\(start)", "expiry": "2027-03-01T00:00:00Z",
          "planned_infusion": "2026-06-01T00:00:00Z",
          "steps": [{"id": "S1", "name": "fill", "performed_by": "op", "performed_at": "\(stepAt)"}],
          "qc": [{"result_id": "R1", "attribute": "viability", "value": "90", "unit": "%", "tested_at": "\(testedAt)"}],
          "environmental_monitoring": [{"sample_id": "E1", "at": "\(emAt)", "grade": "A", "location": "BSC", "sample": "surface",
            "cfu": 0, "alert_limit": 1, "action_limit": 2, "open_step": true}]}]}
        """
    }

    func plan(_ files: [(String, String)], state: DeskState = DeskState()) -> [ImportProblem] {
        let parsed = files.map { try! ImportParser.parse(file: $0.0, sha256: "0", bytes: Array($0.1.utf8)).get() }
        if case .failure(let p) = ImportPlanner.plan(
            parsed, importID: "i", actor: "qa", reason: nil, now: Self.now, state: state)
        {
            return p.problems
        }
        return []
    }

    @Test func eventTimesUpToFiveMinutesAheadOfNowAreAccepted() {
        #expect(EventTimes.futureTolerance == 300_000)
        #expect(plan([("m.json", Self.master), ("b.json", Self.batch(testedAt: "2026-03-10T12:05:00Z"))]).isEmpty)
    }

    @Test func anEventLaterThanNowIsRefusedNamingFileLineAndField() {
        let found = plan([
            ("m.json", Self.master),
            ("b.json", Self.batch(stepAt: "2026-03-10T12:05:01Z", testedAt: "2026-04-01T00:00:00Z")),
        ])
        #expect(found.map(\.field) == ["batches[0].steps[0].performed_at", "batches[0].qc[0].tested_at"])
        #expect(found.map(\.file) == ["b.json", "b.json"])
        #expect(found.map(\.line) == [4, 5])
        #expect(found.first?.message.contains("is in the future (now is 2026-03-10T12:00:00.000Z)") == true)
    }

    @Test func environmentalMonitoringInTheFutureIsRefusedButMayPrecedeApheresis() {
        #expect(plan([("m.json", Self.master), ("b.json", Self.batch(emAt: "2026-02-28T08:00:00Z"))]).isEmpty)
        let found = plan([("m.json", Self.master), ("b.json", Self.batch(emAt: "2026-03-11T08:00:00Z"))])
        #expect(found.map(\.field) == ["batches[0].environmental_monitoring[0].at"])
    }

    @Test func stepsAndTestsBeforeAnAutologousBatchsApheresisAreRefused() {
        let found = plan([
            ("m.json", Self.master),
            ("b.json", Self.batch(stepAt: "2026-03-01T07:59:00Z", testedAt: "2026-02-01T00:00:00Z")),
        ])
        #expect(found.map(\.field) == ["batches[0].steps[0].performed_at", "batches[0].qc[0].tested_at"])
        #expect(found.first?.message.contains("before the batch's apheresis (2026-03-01T08:00:00.000Z)") == true)
        // An allogeneic lot has no patient: its apheresis time, if any, binds nothing.
        #expect(
            plan([("m.json", Self.master), ("b.json", Self.batch(product: "L", stepAt: "2026-03-01T07:59:00Z"))])
                .isEmpty)
    }

    @Test func laterQCResultsAndCustodyEventsAreCheckedAgainstNowAndApheresis() throws {
        let parsed = [("m.json", Self.master), ("b.json", Self.batch())].map {
            try! ImportParser.parse(file: $0.0, sha256: "0", bytes: Array($0.1.utf8)).get()
        }
        var state = DeskState()
        let drafts = try ImportPlanner.plan(
            parsed, importID: "i", actor: "qa", reason: nil, now: Self.now, state: state
        ).get()
        for (index, draft) in drafts.enumerated() {
            state.apply(
                Record(
                    seq: Int64(index + 1), at: Self.now, actor: draft.actor, host: "h", kind: draft.kind,
                    body: draft.body, prev: Record.zeroHash))
        }
        let qc =
            "batch,result_id,attribute,value,unit,tested_at\nB-1,R2,viability,91,%,2026-03-11T00:00:00Z\nB-1,R3,viability,91,%,2026-02-27T00:00:00Z\n"
        let custody = "batch,event_id,event,at,location,holder\nB-1,C1,received,2026-03-20T08:00:00Z,dock,qc\n"
        let json =
            #"{"custody": [{"batch": "B-1", "event_id": "C2", "event": "collected", "at": "2026-02-28T08:00:00Z", "location": "clinic", "holder": "nurse"}]}"#
        let found = plan([("q.csv", qc), ("c.csv", custody), ("c.json", json)], state: state)
        #expect(
            found.map { "\($0.file):\($0.line):\($0.field)" } == [
                "q.csv:2:tested_at", "q.csv:3:tested_at", "c.csv:2:at", "c.json:1:custody[0].at",
            ])
    }
}
