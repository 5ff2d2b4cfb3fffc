import CanonicalJSON
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskWorkstation

@Suite("Signed actions in the workstation")
struct DialogTests {
    /// The workstation with CART-26-0021 selected, the exception list focused and its trend (OOT) exception
    /// selected: the OOS exception above it is settled only by a laboratory investigation, never justified.
    static func onFlaggedBatch(user: String = "qa.anna") -> WorkstationState {
        var state = Fixture.state(user: user)
        _ = Workstation.reduce(&state, .keyPressed(.char("/")))
        Fixture.type("0021", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .keyPressed(.char("j")))
        return state
    }

    /// A justification of the selected exception with `reason`, at its signature prompt.
    static func atSignaturePrompt(reason: String) -> WorkstationState {
        var state = Self.onFlaggedBatch()
        _ = Workstation.reduce(&state, .keyPressed(.char("J")))
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        Fixture.type(reason, into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        return state
    }

    static func dialog(_ state: WorkstationState) -> ActionDialog? {
        if case .dialog(let d) = state.mode { return d }
        return nil
    }

    @Test func aMissingRoleIsARefusedAttemptThatIsJournaled() {
        var state = Self.onFlaggedBatch(user: "qp.maria")
        let effects = Workstation.reduce(&state, .keyPressed(.char("J")))
        guard case .journalRefusal(let action, let refusal)? = effects.first else {
            Issue.record("expected a journaled refusal, got \(effects)")
            return
        }
        #expect(action == "exception.disposition")
        #expect(refusal.gate == "role")
        #expect(state.mode == .normal)
        #expect(state.message?.hasPrefix("Refused (role)") == true)
    }

    @Test func dialogsOpenWithCancelFocusedAndEscCancels() {
        var state = Self.onFlaggedBatch()
        #expect(Workstation.reduce(&state, .keyPressed(.char("J"))) == [])
        #expect(Self.dialog(state)?.focus == ActionDialog.cancelIndex)
        _ = Workstation.reduce(&state, .keyPressed(.char("q")))  // a letter on a button does nothing; q does not quit
        #expect(Self.dialog(state) != nil)
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.mode == .normal)
        #expect(state.message == "Cancelled; nothing was signed.")
        _ = Workstation.reduce(&state, .keyPressed(.char("J")))
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [])
        #expect(state.mode == .normal)
    }

    /// Found by the authentication line of the torture script: after "The user id must be the signed-in
    /// user's", the wrong id stayed in the field and what the user typed next was appended to it.
    @Test func signingDialogClearsAWrongUserIDSoItCanBeTypedAgain() {
        var state = Self.atSignaturePrompt(reason: "assessed, no impact")
        #expect(Self.dialog(state)?.prompt?.needsUserID == true)
        Fixture.type("qa.ben", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("secret", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.signatureUnderOtherID(typed: "qa.ben")])
        #expect(Self.dialog(state)?.prompt?.typedUserID == "")
        #expect(Self.dialog(state)?.prompt?.password == "")
        #expect(Self.dialog(state)?.focusedPromptField == 0)  // back on the user id
        Fixture.type("qa.anna", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("secret", into: &state)
        guard case .sign(_, _, let password)? = Workstation.reduce(&state, .keyPressed(.enter)).first else {
            Issue.record("the signature with the right user id was not made")
            return
        }
        #expect(password == "secret")
    }

    @Test func firstSignatureNeedsUserIDAndPasswordLaterOnlyThePassword() {
        var state = Self.onFlaggedBatch()
        let exception = state.selectedException!.id
        _ = Workstation.reduce(&state, .keyPressed(.char("J")))
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        _ = Workstation.reduce(&state, .keyPressed(.enter))  // Sign… with no reason
        #expect(Self.dialog(state)?.message == "A reason is required.")
        #expect(Self.dialog(state)?.focusedField == 0)
        Fixture.type("assessed, no impact", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(Self.dialog(state)?.focus == ActionDialog.signIndex)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        let prompt = Self.dialog(state)?.prompt
        #expect(prompt?.needsUserID == true)
        #expect(prompt?.subject == "exception:\(exception)")
        #expect(prompt?.meaning == .reviewed)
        #expect(prompt?.printedName == "Anna Kowalski")
        Fixture.type("qa.ben", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("secret", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.signatureUnderOtherID(typed: "qa.ben")])
        #expect(
            Self.dialog(state)?.message
                == "The user id must be the signed-in user's (qa.anna); journaled as a failed sign-in.")
        Fixture.type("qa.anna", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("secret", into: &state)
        let effects = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(
            effects == [
                .sign(
                    .disposition(
                        batch: "CART-26-0021", exception: exception, kind: .justified, reason: "assessed, no impact"),
                    content: prompt!.content, password: "secret")
            ])
        #expect(Self.dialog(state)?.prompt?.password == "")
        #expect(Self.dialog(state)?.busy == true)
        _ = Workstation.reduce(
            &state, .actionSucceeded("Signed (meaning: reviewed) and saved as #99 exception.dispositioned."))
        #expect(state.mode == .normal)

        _ = Workstation.reduce(&state, .keyPressed(.char("T")))
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        Fixture.type("re-test", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(Self.dialog(state)?.prompt?.needsUserID == false)
        // After the idle limit the workstation locks (the open dialog is dropped); once the user signs in
        // again, the next signature needs both components.
        _ = Workstation.reduce(&state, .tick(state.now.adding(milliseconds: 16 * 60_000)))
        #expect(state.locked && state.mode == .normal)
        Fixture.type("demo-qa-anna", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.signIn(user: "qa.anna", password: "demo-qa-anna")])
        _ = Workstation.reduce(&state, .signInSucceeded(state.user!))
        #expect(!state.locked)
        _ = Workstation.reduce(&state, .keyPressed(.char("T")))
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        Fixture.type("re-test", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(Self.dialog(state)?.prompt?.needsUserID == true)
    }

    @Test func aWrongPasswordKeepsTheDialogAndClearsThePassword() {
        var state = Self.atSignaturePrompt(reason: "ok")
        Fixture.type("qa.anna", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("wrong", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .actionRefused("refused (authentication): user id or password is wrong"))
        #expect(Self.dialog(state)?.message == "refused (authentication): user id or password is wrong")
        #expect(Self.dialog(state)?.prompt?.password == "")
        #expect(Self.dialog(state)?.busy == false)
    }

    /// The dialog stays open with the reason and the answers after the refusal (it used to close).
    @Test func certifyingWithAnOpenGateIsARefusedAttemptWithoutASignature() {
        var state = Self.onFlaggedBatch(user: "qp.maria")
        _ = Workstation.reduce(&state, .keyPressed(.char("C")))
        let dialog = Self.dialog(state)!
        #expect(dialog.gates.contains { $0.hasPrefix("undispositioned-exceptions") })
        #expect(dialog.checklist.count == ReleaseRules.checklist.count)
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        Fixture.type("ok", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        for _ in ReleaseRules.checklist { _ = Workstation.reduce(&state, .keyPressed(.char("y"))) }
        #expect(Self.dialog(state)?.checklist.allSatisfy { $0.answer == true } == true)
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        let effects = Workstation.reduce(&state, .keyPressed(.enter))
        guard case .journalRefusal(let action, let refusal)? = effects.first else {
            Issue.record("expected a journaled refusal, got \(effects)")
            return
        }
        #expect(action == "batch.certify")
        #expect(refusal.gate == "undispositioned-exceptions")
        #expect(Self.dialog(state)?.prompt == nil)
        #expect(Self.dialog(state)?.message?.hasPrefix("Refused (undispositioned-exceptions)") == true)
        #expect(Self.dialog(state)?.fields.first?.text == "ok")
        #expect(Self.dialog(state)?.checklist.allSatisfy { $0.answer == true } == true)
    }

    @Test func aMajorDeviationInInvestigationOpensTheInvestigationFormWhichSignsTheInvestigation() throws {
        var state = Self.onFlaggedBatch()
        let exception = try #require(state.selectedException)
        var desk = state.desk
        var seq = Int64(state.records.count)
        func apply(_ drafts: [RecordDraft]) {
            for draft in drafts {
                seq += 1
                desk.apply(
                    Record(
                        seq: seq, at: Fixture.now, actor: draft.actor, host: "h", kind: draft.kind, body: draft.body,
                        prev: Record.zeroHash))
            }
        }
        apply(
            try ReleaseRules.openDeviation(
                batch: "CART-26-0021", exceptions: [exception.id], classification: .major, title: "Viability OOS",
                description: "d",
                reason: "r", by: "qa.anna", now: Fixture.now, expecting: nil, digest: { _ in "x" }, in: desk))
        let id = desk.release.deviationOrder.last!
        desk.apply(
            Record(
                seq: seq + 1, at: Fixture.now, actor: "admin", host: "h", kind: RecordKind.userEnrolled,
                body: ["user": "qa.ben", "name": "Benjamin Osei", "roles": ["qa"]], prev: Record.zeroHash))
        seq += 1
        apply(
            try ReleaseRules.approveClassification(
                id, classification: nil, reason: "major", by: "qa.ben", expecting: nil, digest: { _ in "x" }, in: desk))
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: [], chain: Fixture.chain))
        _ = Workstation.reduce(&state, .keyPressed(.char("A")))
        let dialog = try #require(Self.dialog(state))
        #expect(dialog.purpose == .investigate(deviation: id))
        #expect(
            dialog.fields.map(\.label) == ["Root cause", "Impact", "CAPA refs", "Why no CAPA", "Eff. check", "Reason"])
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        for text in [
            "hold time exceeded", "none for the patient", "CAPA-2026-014, CAPA-2026-015", "", "trend 10 batches",
            "investigated",
        ] {
            _ = Workstation.reduce(&state, .keyPressed(.tab))
            Fixture.type(text, into: &state)
        }
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        let prompt = try #require(Self.dialog(state)?.prompt)
        #expect(prompt.meaning == .authored)
        Fixture.type("qa.anna", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("pw", into: &state)
        let effects = Workstation.reduce(&state, .keyPressed(.enter))
        guard case .sign(let action, _, let password)? = effects.first else {
            Issue.record("no signature effect: \(effects) \(Self.dialog(state)?.message ?? "")")
            return
        }
        #expect(password == "pw")
        let investigation = ReleaseRules.Investigation(
            rootCause: "hold time exceeded", impact: "none for the patient", capa: ["CAPA-2026-014", "CAPA-2026-015"],
            capaRationale: nil, effectivenessCheck: "trend 10 batches")
        #expect(action == .recordInvestigation(deviation: id, investigation: investigation, reason: "investigated"))
        let drafts = try action.perform(
            by: "qa.anna", now: Fixture.now, expecting: nil, digest: { _ in "x" }, in: state.desk)
        #expect(drafts.first?.kind == RecordKind.deviationInvestigationRecorded)
    }
}
