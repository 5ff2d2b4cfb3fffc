import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// The deviation board and a QA user's own work on small hand-made journals with a fixed clock
/// (docs/oversight.md, "Deviation board").
@Suite("Deviation board")
struct DeviationBoardTests {
    static let now = Timestamp(iso8601: "2026-05-01T12:00:00Z")!
    static let hour: Int64 = 3_600_000

    /// A journal under construction: users, batches and the records folded so far.
    struct Journal {
        var state = DeskState()
        var seq: Int64 = 0

        init() {
            for (id, roles) in [
                ("qa.anna", [Role.qa]), ("qa.ben", [.qa]), ("qa.carl", [.qa]), ("qp.maria", [.qp]),
            ] {
                state.users[id] = UserAccount(
                    id: id, name: id, roles: Set(roles), isLocked: false, lockReason: nil, consecutiveFailures: 0,
                    enrolledBy: "admin", enrolledAt: DeviationBoardTests.now, enrolledSeq: 1)
            }
            for id in ["B-1", "B-2", "B-3"] { addBatch(id) }
        }

        mutating func addBatch(_ id: String, infused: Bool = false) {
            let t = DeviationBoardTests.now
            let batch = Batch(
                id: id, product: "P", site: "S", coi: nil, patientWeightKg: nil, apheresisAt: nil,
                manufactureStart: t.adding(milliseconds: -240 * hour), manufactureEnd: nil,
                expiry: t.adding(milliseconds: 720 * hour), plannedInfusion: nil, steps: [], readings: [], qc: [],
                custody: infused
                    ? [
                        CustodyEvent(
                            id: "C-\(id)", event: "infused", at: t, location: "ward", holder: "nurse",
                            temperatureC: nil, coi: nil)
                    ] : [],
                environment: [], labels: [], deviations: [])
            state.batches[id] = BatchRecord(batch: batch, firstSeq: 1, firstAt: t, lastDataSeq: 1, recordSeqs: [1])
        }

        mutating func append(_ kind: String, by actor: String, _ body: [String: JSONValue]) {
            seq += 1
            state.apply(
                Record(
                    seq: seq, at: DeviationBoardTests.now.adding(milliseconds: seq), actor: actor, host: "h",
                    kind: kind, body: body, prev: String(repeating: "0", count: 64)))
        }

        /// Opens `id` on `batch`, due `dueHours` from `now`.
        mutating func open(
            _ id: String, batch: String = "B-1", _ classification: Severity, dueHours: Int64,
            by actor: String = "qa.anna"
        ) {
            append(
                RecordKind.deviationOpened, by: actor,
                [
                    "deviation": .string(id), "batch": .string(batch), "exceptions": ["EXC-1"],
                    "classification": .string(classification.rawValue), "title": "t", "description": "d",
                    "due": .string(DeviationBoardTests.now.adding(milliseconds: dueHours * hour).description),
                    "reason": "r",
                ])
        }

        mutating func step(_ kind: String, _ id: String, by actor: String, due: Int64? = nil) {
            var body: [String: JSONValue] = ["deviation": .string(id), "reason": "r"]
            if let due {
                body["due"] = .string(
                    DeviationBoardTests.now.adding(milliseconds: due * DeviationBoardTests.hour).description)
            }
            append(kind, by: actor, body)
        }

        mutating func assign(_ batch: String, to user: String) {
            append(RecordKind.batchAssigned, by: "qa.anna", ["batch": .string(batch), "assignee": .string(user)])
        }
    }

    @Test func overdueComeFirstThenByDueDateThenCriticalFirstThenByID() {
        var j = Journal()
        j.open("DEV-5", .minor, dueHours: 10)
        j.open("DEV-4", .minor, dueHours: -1)  // overdue
        j.open("DEV-3", .major, dueHours: 10)  // same due as DEV-5 and DEV-2: major before minor
        j.open("DEV-2", .critical, dueHours: 10)  // critical first
        j.open("DEV-1", .minor, dueHours: 10)  // same due and class as DEV-5: by id
        j.open("DEV-6", .minor, dueHours: -30)  // the most overdue
        let rows = DeviationBoard.rows(j.state)
        #expect(rows.map(\.id) == ["DEV-6", "DEV-4", "DEV-2", "DEV-3", "DEV-1", "DEV-5"])
        #expect(rows.map { $0.isOverdue(at: Self.now) } == [true, true, false, false, false, false])
    }

    @Test func closedDeviationsLeaveTheBoardAndComeLastWhenAskedFor() {
        var j = Journal()
        j.open("DEV-1", .minor, dueHours: -100)
        j.open("DEV-2", .minor, dueHours: 5)
        j.step(RecordKind.deviationApproved, "DEV-1", by: "qa.ben")
        #expect(DeviationBoard.rows(j.state).map(\.id) == ["DEV-2"])
        let all = DeviationBoard.rows(j.state, includeClosed: true)
        #expect(all.map(\.id) == ["DEV-2", "DEV-1"])
        // A closed deviation is never overdue, however old its due date.
        #expect(all[1].isOverdue(at: Self.now) == false)
        #expect(all[1].nextSteps.isEmpty)
    }

    @Test func overdueStartsAfterTheDueDateNotAtIt() {
        var j = Journal()
        j.open("DEV-1", .major, dueHours: 0)
        let row = DeviationBoard.rows(j.state)[0]
        #expect(row.remainingMilliseconds(at: Self.now) == 0)
        #expect(!row.isOverdue(at: Self.now))
        #expect(row.isOverdue(at: Self.now.adding(milliseconds: 1)))
        #expect(row.remainingMilliseconds(at: Self.now.adding(milliseconds: 5 * Self.hour)) == -5 * Self.hour)
    }

    @Test func ownerIsWhoOpenedItAndTheRowNamesItsBatchAndClass() {
        var j = Journal()
        j.open("DEV-1", batch: "B-2", .critical, dueHours: 3, by: "qa.ben")
        j.assign("B-2", to: "qa.carl")
        let row = DeviationBoard.rows(j.state)[0]
        #expect(row.owner == "qa.ben")
        #expect(row.batches == ["B-2"])
        #expect(row.site == "S" && row.product == "P")
        #expect(row.classification == .critical)
        #expect(row.stage == .open)
        #expect(row.nextSteps == [.classificationApproval])
    }

    @Test func extensionsAreListedAndOnlyAnApprovedOneMovesTheDueDate() {
        var j = Journal()
        j.open("DEV-1", .major, dueHours: -2)
        j.step(RecordKind.deviationExtensionRequested, "DEV-1", by: "qa.anna", due: 100)
        var row = DeviationBoard.rows(j.state)[0]
        #expect(row.isOverdue(at: Self.now))
        #expect(row.extensions.count == 1)
        #expect(row.pendingExtension?.due == Self.now.adding(milliseconds: 100 * Self.hour))
        #expect(row.nextSteps == [.classificationApproval, .extensionApproval])
        j.step(RecordKind.deviationExtensionApproved, "DEV-1", by: "qa.ben", due: 100)
        row = DeviationBoard.rows(j.state)[0]
        #expect(!row.isOverdue(at: Self.now))
        #expect(row.due == Self.now.adding(milliseconds: 100 * Self.hour))
        #expect(row.pendingExtension == nil)
        #expect(row.extensions.map(\.approvedBy) == ["qa.ben"])
        #expect(row.extensions[0].requestedBy == "qa.anna")
        // A second request waits while the first stays approved.
        j.step(RecordKind.deviationExtensionRequested, "DEV-1", by: "qa.anna", due: 200)
        row = DeviationBoard.rows(j.state)[0]
        #expect(row.extensions.map(\.isApproved) == [true, false])
        #expect(row.extensions.map(\.due) == [100, 200].map { Self.now.adding(milliseconds: $0 * Self.hour) })
        #expect(row.due == Self.now.adding(milliseconds: 100 * Self.hour))
    }

    @Test func anApprovalWaitsForEveryEligibleQAUserOnABatchAssignedToNobody() {
        var j = Journal()
        j.open("DEV-1", .minor, dueHours: 5, by: "qa.anna")
        // The opener may not approve it (four-eyes); a QP does not approve deviations.
        #expect(DeviationBoard.work(for: "qa.anna", in: j.state).deviations.isEmpty)
        #expect(DeviationBoard.work(for: "qp.maria", in: j.state).deviations.isEmpty)
        let ben = DeviationBoard.work(for: "qa.ben", in: j.state).deviations
        #expect(ben.map(\.row.id) == ["DEV-1"])
        #expect(ben.map(\.steps) == [[.approval]])
        // A locked account waits for nothing.
        j.state.users["qa.ben"]!.isLocked = true
        #expect(DeviationBoard.work(for: "qa.ben", in: j.state).deviations.isEmpty)
    }

    @Test func aBatchAssignedToSomeoneElseIsTheirWork() {
        var j = Journal()
        j.open("DEV-1", .minor, dueHours: 5, by: "qa.anna")
        j.assign("B-1", to: "qa.carl")
        #expect(DeviationBoard.work(for: "qa.ben", in: j.state).deviations.isEmpty)
        #expect(DeviationBoard.work(for: "qa.carl", in: j.state).deviations.map(\.row.id) == ["DEV-1"])
    }

    @Test func theInvestigationWaitsForTheAssigneeElseForTheOwner() {
        var j = Journal()
        j.open("DEV-1", .major, dueHours: 5, by: "qa.anna")
        j.step(RecordKind.deviationClassificationApproved, "DEV-1", by: "qa.ben")
        #expect(DeviationBoard.work(for: "qa.anna", in: j.state).deviations.map(\.steps) == [[.investigation]])
        #expect(DeviationBoard.work(for: "qa.carl", in: j.state).deviations.isEmpty)
        j.assign("B-1", to: "qa.carl")
        #expect(DeviationBoard.work(for: "qa.anna", in: j.state).deviations.isEmpty)
        #expect(DeviationBoard.work(for: "qa.carl", in: j.state).deviations.map(\.steps) == [[.investigation]])
        // Once carl wrote the investigation, the final approval is not his (four-eyes) but waits for nobody
        // else either while the batch is his.
        j.step(RecordKind.deviationInvestigationRecorded, "DEV-1", by: "qa.carl")
        #expect(DeviationBoard.work(for: "qa.carl", in: j.state).deviations.isEmpty)
        #expect(DeviationBoard.work(for: "qa.ben", in: j.state).deviations.isEmpty)
        j.append(RecordKind.batchUnassigned, by: "qa.anna", ["batch": "B-1", "assignee": "qa.carl"])
        #expect(DeviationBoard.work(for: "qa.ben", in: j.state).deviations.map(\.steps) == [[.finalApproval]])
    }

    @Test func anExtensionWaitsForAnyoneButItsRequester() {
        var j = Journal()
        j.open("DEV-1", .major, dueHours: 5, by: "qa.anna")
        j.step(RecordKind.deviationClassificationApproved, "DEV-1", by: "qa.ben")
        j.step(RecordKind.deviationExtensionRequested, "DEV-1", by: "qa.anna", due: 50)
        let anna = DeviationBoard.work(for: "qa.anna", in: j.state).deviations
        #expect(anna.map(\.steps) == [[.investigation]])
        let carl = DeviationBoard.work(for: "qa.carl", in: j.state).deviations
        #expect(carl.map(\.steps) == [[.extensionApproval]])
    }

    @Test func myBatchesAreThoseAssignedToMeStillInTheQueue() {
        var j = Journal()
        // Infused after a certification: history, out of the working queue.
        j.addBatch("B-9", infused: true)
        j.state.release.decisions["B-9"] = ReleaseDecision(
            batch: "B-9", kind: .certified, by: "qp.maria", at: Self.now, seq: 1, reason: "ok", signature: nil,
            pendingTests: [], checklist: [:])
        j.assign("B-2", to: "qa.ben")
        j.assign("B-1", to: "qa.ben")
        j.assign("B-3", to: "qa.carl")
        j.assign("B-9", to: "qa.ben")
        #expect(DeviationBoard.work(for: "qa.ben", in: j.state).batches.map(\.id) == ["B-1", "B-2"])
        j.assign("B-1", to: "qa.carl")
        #expect(DeviationBoard.work(for: "qa.ben", in: j.state).batches.map(\.id) == ["B-2"])
        #expect(DeviationBoard.work(for: "qa.anna", in: j.state).batches.isEmpty)
    }
}
