import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskWorkstation
import Testing

/// The detail pane shows a batch's QC results and a deviation's content.
@Suite("Detail pane content")
struct DetailContentTests {
    static func text(_ state: WorkstationState, width: Int = 70) -> [String] {
        DetailContent.lines(state, width: width).map { $0.segments.map(\.text).joined() }
    }

    static func select(_ id: String, in state: inout WorkstationState) {
        _ = Workstation.reduce(&state, .keyPressed(.char("/")))
        Fixture.type(id, into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
    }

    /// `records` appended to the fixture's journal, delivered to the workstation.
    static func append(_ drafts: [RecordDraft], to state: inout WorkstationState) {
        var desk = state.desk
        var records: [Record] = []
        for draft in drafts {
            let record = Record(
                seq: desk.lastSeq + 1, at: Fixture.now.adding(milliseconds: Int64(state.records.count + records.count)),
                actor: draft.actor,
                host: "h",
                kind: draft.kind, body: draft.body, prev: Record.zeroHash)
            desk.apply(record)
            records.append(record)
        }
        _ = Workstation.reduce(
            &state, .journalUpdated(desk, newRecords: records, chain: Fixture.chain))
    }

    @Test func theDetailPaneListsTheBatchsQCResultsWithLimitStatusTestTimeAndCorrections() throws {
        var state = Fixture.state()
        Self.select("0021", in: &state)
        #expect(state.selectedBatchID == "CART-26-0021")
        let correction: [String: JSONValue] = [
            "import_id": "fix", "batch": "CART-26-0021", "reason": "second-person check",
            "results": [
                [
                    "result_id": "R-CART-26-0021-02", "attribute": "car_positive", "value": "23.4", "unit": "%",
                    "tested_at": "2026-01-04T15:00:00.000Z", "status": "final",
                    "correction_reason": "re-read of the flow plot",
                ]
            ],
        ]
        Self.append(
            [
                RecordDraft(kind: RecordKind.qcResultsRecorded, actor: "qa.anna", body: correction),
                RecordDraft(
                    kind: RecordKind.importCommitted, actor: "qa.anna", body: ["import_id": "fix", "records": 1]),
            ], to: &state)
        let lines = Self.text(state, width: 110)
        let heading = try #require(lines.firstIndex(of: "QC results"))
        let viability = try #require(lines[heading...].first { $0.hasPrefix("viability") })
        #expect(viability.contains("76.5 % · limit"))
        #expect(viability.contains("✘ out of specification · final · tested 2025-12-26"))
        let car = try #require(lines[heading...].first { $0.hasPrefix("car_positive") })
        #expect(car.contains("23.4 %") && car.contains("✔ meets") && car.contains("◆ corrected"))
        #expect(
            lines.contains { $0.contains("◆ value 21.1 → 23.4 by qa.anna") && $0.contains("re-read of the flow plot") })
        let styled = DetailContent.lines(state, width: 110).first {
            $0.segments.first?.text.hasPrefix("viability") == true
        }
        #expect(styled?.segments.last?.style == .severity(.major))
    }

    @Test func theDetailPaneShowsADeviationsDescriptionInvestigationCAPAAndHistory() throws {
        var state = Fixture.state()
        Self.select("0021", in: &state)
        let oos = "EXC-CART-26-0021-OOS-viability"
        let signature: JSONValue = [
            "user": "qa.anna", "name": "Anna Kowalski", "meaning": "reviewed", "subject": "deviation:DEV-0001",
            "subject_sha256": "ab",
        ]
        Self.append(
            [
                RecordDraft(
                    kind: RecordKind.deviationOpened, actor: "qa.anna",
                    body: [
                        "deviation": "DEV-0001", "batch": "CART-26-0021", "exceptions": [.string(oos)],
                        "classification": "major",
                        "title": "Viability below specification",
                        "description": "Viability 76.5 % against 80 % at release",
                        "due": "2026-02-14T12:00:00.000Z", "reason": "OOS", "signature": signature,
                    ]),
                RecordDraft(
                    kind: RecordKind.exceptionDispositioned, actor: "qa.anna",
                    body: [
                        "batch": "CART-26-0021", "exception": .string(oos), "rule": "OOS",
                        "disposition": "deviation-opened",
                        "deviation": "DEV-0001", "reason": "OOS", "signature": signature,
                    ]),
                RecordDraft(
                    kind: RecordKind.deviationInvestigationRecorded, actor: "qa.anna",
                    body: [
                        "deviation": "DEV-0001", "root_cause": "extended hold before cryopreservation",
                        "impact": "dose adjusted; no other batch affected", "capa": ["CAPA-2026-004"],
                        "effectiveness_check": "hold times of the next 10 batches", "reason": "done",
                        "signature": signature,
                    ]),
            ], to: &state)
        let lines = Self.text(state, width: 100)
        #expect(lines.contains("Deviation DEV-0001 · major · awaiting-approval"))
        for expected in [
            "Description   Viability 76.5 % against 80 % at release",
            "Root cause    extended hold before cryopreservation",
            "Impact        dose adjusted; no other batch affected", "CAPA          CAPA-2026-004",
            "Effectiveness hold times of the next 10 batches", "Stage         awaiting-approval",
        ] {
            #expect(lines.contains { $0.hasPrefix(expected) }, "\(expected)")
        }
        #expect(lines.contains { $0.hasPrefix("Due           2026-02-14 12:00Z") })
        #expect(lines.contains { $0.hasPrefix("opened") && $0.contains("qa.anna") })
        #expect(lines.contains { $0.hasPrefix("investigation") && $0.contains("done") })
        #expect(lines.filter { $0.hasPrefix("Deviation DEV-0001") }.count == 1)
    }
}
