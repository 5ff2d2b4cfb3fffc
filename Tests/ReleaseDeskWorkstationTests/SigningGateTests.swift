import CanonicalJSON
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskWorkstation

/// When a signature may be made from the workstation, and what an attempt under another id leaves behind.
@Suite("Signing gates in the workstation")
struct SigningGateTests {
    @Test func aSignatureWaitsUntilTheDeepIntegrityCheckHasPassed() {
        var state = DialogTests.atSignaturePrompt(reason: "assessed, no impact")
        state.chain.signaturesVerified = false
        Fixture.type("qa.anna", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("secret", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [])
        #expect(DialogTests.dialog(state)?.message?.hasPrefix("Integrity check still running") == true)
        #expect(DialogTests.dialog(state)?.prompt?.password == "")
        // The check passes: the same signature goes through.
        let chain = ChainStatus(
            seq: state.chain.seq, headHash: state.chain.headHash, alarm: nil, signaturesVerified: true)
        _ = Workstation.reduce(&state, .journalUpdated(state.desk, newRecords: [], chain: chain))
        Fixture.type("secret", into: &state)
        guard case .sign(_, _, let password)? = Workstation.reduce(&state, .keyPressed(.enter)).first else {
            Issue.record("the signature was not made after the check passed")
            return
        }
        #expect(password == "secret")
    }

    @Test func aSignatureUnderAnotherUserIDAsksToJournalAFailedSignIn() {
        var state = DialogTests.atSignaturePrompt(reason: "assessed, no impact")
        Fixture.type("qa.ben", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("secret", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.signatureUnderOtherID(typed: "qa.ben")])
        #expect(DialogTests.dialog(state)?.message?.contains("journaled as a failed sign-in") == true)
    }

    @Test func anEmptyUserIDIsAskedForAndNotJournaledAsAFailedSignIn() {
        var state = DialogTests.atSignaturePrompt(reason: "assessed, no impact")
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("secret", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [])
        #expect(DialogTests.dialog(state)?.message == "Type your user id, then your password.")
    }

    @Test func everySignedWorkstationActionNamesItsBatchForRefusals() {
        #expect(SignedAction.certify(batch: "B-1", answers: [:], reason: "r").subject == .batch("B-1"))
        #expect(SignedAction.hold(batch: "B-2", on: true, reason: "r").subject == .batch("B-2"))
        #expect(SignedAction.approveDeviation(deviation: "DEV-0001", reason: "r").subject == .deviation("DEV-0001"))
    }
}
