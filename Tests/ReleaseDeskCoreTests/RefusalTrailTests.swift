import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// Refusals belong to the batch they were about; a signature under another id is a failed sign-in.
@Suite("Refusals in the batch's trail")
struct RefusalTrailTests {
    typealias R = ReleaseRulesTests

    static func refusal(_ subject: ActionSubject, in state: DeskState) -> RecordDraft {
        var body: [String: JSONValue] = [
            "action": "exception.disposition", "gate": "role", "category": "permission", "message": "no",
        ]
        for (key, value) in subject.refusalFields(in: state) { body[key] = value }
        return RecordDraft(kind: RecordKind.actionRefused, actor: "qp.maria", body: body)
    }

    @Test func exceptionAndDeviationIDsResolveToTheirBatch() throws {
        var (state, records) = try R.state()
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: R.flagged, exceptions: [R.oos], classification: .major, title: "OOS", description: "76.5 %",
                reason: "OOS",
                by: "qa.anna", now: R.now, expecting: nil, digest: R.digest, in: s)
        }
        #expect(
            ActionSubject.exception(R.oot).refusalFields(in: state) == [
                "batch": .string(R.flagged), "exception": .string(R.oot),
            ])
        #expect(
            ActionSubject.deviation("DEV-0001").refusalFields(in: state) == [
                "batch": .string(R.flagged), "deviation": "DEV-0001",
            ])
        #expect(ActionSubject.batch(R.flagged).refusalFields(in: state) == ["batch": .string(R.flagged)])
        #expect(ActionSubject.batch("NO-SUCH").refusalFields(in: state) == [:])
        #expect(ActionSubject.deviation("DEV-0099").refusalFields(in: state) == ["deviation": "DEV-0099"])
    }

    @Test func aRefusalNamingItsBatchIsInThatBatchsTrailButDoesNotReopenItsReview() throws {
        var (state, records) = try R.state()
        let ready = R.readyBatch(state)
        try R.reviewTrail(ready, &state, &records)
        #expect(ReleaseRules.auditTrailStatus(ready, in: state).isCurrent)
        R.append(Self.refusal(.batch(ready), in: state), to: &state, &records)
        let seq = records.last!.seq
        #expect(state.batches[ready]!.recordSeqs.last == seq)
        #expect(state.batches[ready]!.refusalSeqs == [seq])
        let status = ReleaseRules.auditTrailStatus(ready, in: state)
        #expect(status.trail.last == seq)
        #expect(status.isCurrent)  // a refused attempt changed nothing
        #expect(ReleaseRules.certificationGates(ready, by: "qp.maria", now: R.now, in: state).isEmpty)
        // A refusal without a batch stays out of every batch's trail.
        R.append(Self.refusal(.batch("NO-SUCH"), in: state), to: &state, &records)
        #expect(state.batches.values.allSatisfy { !$0.recordSeqs.contains(records.last!.seq) })
        #expect(DeskState.replay(records) == state)
    }

    @Test func aSignatureUnderAnotherIDIsAFailedSignInOfTheSessionNamingTheTypedID() throws {
        var (state, records) = try R.state()
        for attempt in 1...state.policy.maxFailedSignIns {
            let drafts = UserAdministration.signatureUnderOtherID(
                typed: "qa.ben", session: "qa.anna", channel: "tui:signature", in: state)
            #expect(drafts.first?.kind == RecordKind.signInFailed)
            #expect(drafts.first?.body["user"] == "qa.anna")
            #expect(drafts.first?.body["typed_user"] == "qa.ben")
            #expect(drafts.first?.body["cause"] == "other-user-id")
            #expect(drafts.contains { $0.kind == RecordKind.userLocked } == (attempt == state.policy.maxFailedSignIns))
            for draft in drafts { R.append(draft, to: &state, &records) }
        }
        // The account whose id was typed is untouched; the session's own account is locked.
        #expect(state.users["qa.ben"]?.consecutiveFailures == 0)
        #expect(state.users["qa.ben"]?.isLocked == false)
        #expect(state.users["qa.anna"]?.isLocked == true)
    }
}
