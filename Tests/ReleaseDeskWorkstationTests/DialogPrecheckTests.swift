import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

/// Presses `keys` one after the other; the effects of the last.
@discardableResult
private func press(_ keys: Key..., in state: inout WorkstationState) -> [Effect] {
    var effects: [Effect] = []
    for key in keys { effects = Workstation.reduce(&state, .keyPressed(key)) }
    return effects
}

/// Signed dialogs check every gate before the password, keep what was typed when one refuses, and ask before
/// throwing typed input away.
@Suite("Dialogs check before the password")
struct DialogPrecheckTests {
    static func dialog(_ state: WorkstationState) -> ActionDialog? { DialogTests.dialog(state) }

    static func screen(_ state: WorkstationState) -> String { Screen.render(state).lines.joined(separator: "\n") }

    /// CART-26-0022 with its chain-of-identity exception (blocking) selected in the exception list.
    static func onBlockingException() throws -> WorkstationState {
        var state = Fixture.state()
        _ = press(.char("/"), in: &state)
        Fixture.type("0022", into: &state)
        _ = press(.enter, .enter, .char("/"), in: &state)
        Fixture.type("coi", into: &state)
        _ = press(.enter, in: &state)
        try #require(state.selectedBatchID == "CART-26-0022")
        try #require(state.selectedException?.rule == "COI")
        return state
    }

    /// CART-26-0052 with its trend exception selected: a run below the mean, every result within
    /// specification, so it can be justified.
    static func onTrendException(user: String = "qa.anna") throws -> WorkstationState {
        var state = Fixture.state(user: user)
        _ = press(.char("/"), in: &state)
        Fixture.type("0052", into: &state)
        _ = press(.enter, .enter, in: &state)
        try #require(state.selectedBatchID == "CART-26-0052")
        try #require(state.selectedException?.rule == "OOT")
        try #require(state.exceptionRows.allSatisfy { $0.rule == "OOT" })
        return state
    }

    /// A justification dialog on CART-26-0052's trend exception with `reason` typed into its reason field.
    static func justifying(_ reason: String) throws -> WorkstationState {
        var state = try Self.onTrendException()
        _ = press(.char("J"), .tab, .tab, in: &state)
        Fixture.type(reason, into: &state)
        return state
    }

    @Test func aGateRefusedBeforeThePasswordKeepsTheDialogWithWhatWasTyped() throws {
        var state = try Self.justifying("assessed, no impact")
        let exception = try #require(state.selectedException).id
        // While the reason is being typed, the QP rejects the batch at another workstation.
        try Self.signedElsewhere(&state) { desk throws(ActionRefusal) in
            try ReleaseRules.reject(
                "CART-26-0052", reason: "OOS", by: "qp.maria", expecting: nil, digest: { _ in "x" }, in: desk)
        }
        let effects = press(.enter, .enter, in: &state)  // to Sign…, then Sign…
        guard case .journalRefusal(let action, let refusal)? = effects.first, effects.count == 1 else {
            Issue.record("expected one journaled refusal, got \(effects)")
            return
        }
        #expect(action == "exception.disposition")
        #expect(refusal.gate == "state-changed")
        let dialog = try #require(Self.dialog(state))
        #expect(dialog.purpose == .justify(batch: "CART-26-0052", exception: exception))
        #expect(dialog.prompt == nil)
        #expect(dialog.fields.map(\.text) == ["assessed, no impact"])
        #expect(dialog.message?.hasPrefix("Refused (state-changed): CART-26-0052 was rejected by qp.maria") == true)
        #expect(!dialog.busy)
        #expect(Self.screen(state).contains("Refused (state-changed)"))
        #expect(!Self.screen(state).contains("You are about to sign"))
    }

    @Test func thePasswordIsAskedOnlyOnceTheRuleWouldAccept() throws {
        var state = try Self.onTrendException()
        _ = press(.char("D"), .tab, in: &state)
        let opened = try #require(Self.dialog(state))
        #expect(opened.fields.map(\.label) == ["Class", "Title", "Description", "Reason"])
        _ = press(.tab, .tab, .tab, .tab, in: &state)  // Class, Title, Description, Reason
        Fixture.type("viability below limit", into: &state)
        let effects = press(.enter, .enter, in: &state)
        #expect(effects.count == 1)
        if case .journalRefusal(let action, let refusal)? = effects.first {
            #expect(action == "deviation.open")
            #expect(refusal.gate == "description")
        } else {
            Issue.record("expected a journaled refusal, got \(effects)")
        }
        var dialog = try #require(Self.dialog(state))
        #expect(dialog.prompt == nil)
        #expect(dialog.message == "Refused (description): description is required and must hold visible text")
        #expect(
            dialog.fields.map(\.text) == [opened.fields[0].text, opened.fields[1].text, "", "viability below limit"])
        #expect(!Self.screen(state).contains("You are about to sign"))
        // The description given, the same Sign… passes the rule and only now asks for the components.
        #expect(dialog.focus == ActionDialog.signIndex)
        _ = press(.tab, .tab, .tab, in: &state)  // Class, Title, Description
        Fixture.type("held 40 min over the limit", into: &state)
        #expect(press(.enter, .enter, .enter, in: &state) == [])
        dialog = try #require(Self.dialog(state))
        #expect(dialog.prompt?.subject == "deviation:DEV-0001")
        #expect(dialog.message == nil)
        #expect(dialog.fields[2].text == "held 40 min over the limit")
    }

    /// Applies what `rule` writes to the workstation's desk, as if it had been signed at another workstation.
    static func signedElsewhere(
        _ state: inout WorkstationState, _ rule: (DeskState) throws(ActionRefusal) -> [RecordDraft]
    ) throws {
        var desk = state.desk
        var records: [Record] = []
        for draft in try rule(desk) {
            let record = Record(
                seq: Int64(state.records.count + records.count + 1), at: Fixture.now, actor: draft.actor, host: "h",
                kind: draft.kind,
                body: draft.body, prev: Record.zeroHash)
            desk.apply(record)
            records.append(record)
        }
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: records, chain: Fixture.chain))
    }

    @Test func aGateNothingTypedCouldPassRefusesAsTheDialogOpens() throws {
        // A chain-of-identity exception cannot be justified, whatever the reason.
        var blocking = try Self.onBlockingException()
        guard case .journalRefusal("exception.disposition", let gate)? = press(.char("J"), in: &blocking).first else {
            Issue.record("the justification dialog opened on a blocking exception")
            return
        }
        #expect(gate.gate == "blocking")
        #expect(blocking.mode == .normal)
        #expect(blocking.message?.hasPrefix("Refused (blocking): ") == true)

        var state = try Self.onTrendException()
        let exception = try #require(state.selectedException)
        // qa.anna did QA review of the batch: her audit-trail review is refused by the rule's independence
        // gate before anything is typed.
        try Self.signedElsewhere(&state) { desk throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: "CART-26-0052", exception: exception.id, kind: .retestRequested, reason: "re-test",
                by: "qa.anna",
                expecting: nil, digest: { _ in "x" }, in: desk)
        }
        let effects = press(.char("V"), in: &state)
        #expect(effects.count == 1)
        if case .journalRefusal(let action, let refusal)? = effects.first {
            #expect(action == "batch.audit-review")
            #expect(refusal.gate == "independence")
        } else {
            Issue.record("expected a journaled refusal, got \(effects)")
        }
        #expect(state.mode == .normal)
        #expect(state.message?.hasPrefix("Refused (independence): ") == true)

        // A rejected batch: nothing more can be decided on it, so the reject dialog does not open.
        var qp = try Self.onTrendException(user: "qp.maria")
        try Self.signedElsewhere(&qp) { desk throws(ActionRefusal) in
            try ReleaseRules.reject(
                "CART-26-0052", reason: "OOS", by: "qp.maria", expecting: nil, digest: { _ in "x" }, in: desk)
        }
        guard case .journalRefusal("batch.reject", let refusal)? = press(.char("X"), in: &qp).first else {
            Issue.record("the reject dialog opened on a rejected batch")
            return
        }
        #expect(refusal.gate == "state-changed")
        #expect(qp.mode == .normal)
        // Where typed input can still make the difference, the dialog opens.
        #expect(press(.char("H"), in: &qp).first?.isJournalRefusal == true)
        var open = try Self.onTrendException(user: "qp.maria")
        #expect(press(.char("H"), in: &open) == [])
        #expect(Self.dialog(open)?.purpose == .hold(batch: "CART-26-0052", on: true))
    }

    @Test func ctrlCWithTypedInputAsksBeforeQuitting() throws {
        var state = try Self.justifying("no impact")
        #expect(press(.ctrl("c"), in: &state) == [])
        #expect(Self.dialog(state)?.discardQuestion == .quit)
        #expect(Self.screen(state).contains("Discard what you typed? y/n"))
        #expect(press(.char("x"), .enter, .char("q"), in: &state) == [])  // only y or n answers
        #expect(Self.dialog(state)?.discardQuestion == .quit)
        #expect(press(.char("y"), in: &state) == [.quit])
    }

    @Test func escWithTypedInputAsksBeforeClosing() throws {
        var state = try Self.justifying("no impact")
        #expect(press(.escape, in: &state) == [])
        #expect(Self.dialog(state)?.discardQuestion == .cancel)
        #expect(Self.screen(state).contains("Discard what you typed? y/n"))
        #expect(press(.char("y"), in: &state) == [])
        #expect(state.mode == .normal)
        #expect(state.message == "Discarded; nothing was signed.")
    }

    @Test func answeringNoReturnsToTheDialogWithItsFieldsIntact() throws {
        var state = try Self.justifying("no impact")
        let before = try #require(Self.dialog(state))
        for key in [Key.escape, .ctrl("c")] {
            _ = press(key, in: &state)
            #expect(Self.dialog(state)?.discardQuestion != nil)
            #expect(press(.char("n"), in: &state) == [])
            let after = try #require(Self.dialog(state))
            #expect(after.discardQuestion == nil)
            #expect(after.fields == before.fields)
            #expect(after.focus == before.focus)
            #expect(!Self.screen(state).contains("Discard what you typed?"))
        }
        // Esc answers "no" as well, and typing goes on where it was.
        _ = press(.escape, .escape, in: &state)
        Fixture.type(", assessed", into: &state)
        #expect(Self.dialog(state)?.fields.first?.text == "no impact, assessed")
    }

    @Test func ctrlCAndEscWithNothingTypedBehaveAsBefore() throws {
        var state = try Self.onTrendException()
        _ = press(.char("J"), in: &state)
        #expect(press(.ctrl("c"), in: &state) == [.quit])
        #expect(press(.escape, in: &state) == [])
        #expect(state.mode == .normal)
        #expect(state.message == "Cancelled; nothing was signed.")
        // Fields that still hold what they opened with (a deviation's class and title) are not input.
        _ = press(.char("D"), in: &state)
        #expect(Self.dialog(state)?.hasUnsavedInput == false)
        #expect(press(.ctrl("c"), in: &state) == [.quit])
        // Without a dialog, Ctrl-C quits as it always did.
        _ = press(.escape, in: &state)
        #expect(state.mode == .normal)
        #expect(press(.ctrl("c"), in: &state) == [.quit])
    }

    @Test func aChosenClassOrAnAnsweredChecklistItemCountsAsTypedInput() throws {
        var state = try Self.onTrendException()
        _ = press(.char("D"), .tab, .tab, in: &state)
        try #require((Self.dialog(state)?.fields.first?.choices.count ?? 0) > 1)
        _ = press(.right, in: &state)
        #expect(Self.dialog(state)?.hasUnsavedInput == true)
        _ = press(.escape, .char("y"), in: &state)
        state = try Self.onTrendException(user: "qp.maria")
        _ = press(.char("C"), .tab, .tab, .tab, .char("y"), in: &state)
        #expect(Self.dialog(state)?.checklist.first?.answer == true)
        #expect(press(.ctrl("c"), in: &state) == [])
        #expect(Self.dialog(state)?.discardQuestion == .quit)
    }

    @Test func atTheSignaturePromptEscStillAsksAndNoKeepsThePrompt() throws {
        var state = try Self.justifying("assessed, no impact")
        _ = press(.enter, .enter, in: &state)
        try #require(Self.dialog(state)?.prompt != nil)
        Fixture.type("qa.anna", into: &state)
        #expect(press(.escape, in: &state) == [])
        #expect(Self.dialog(state)?.discardQuestion == .cancel)
        _ = press(.char("n"), in: &state)
        let dialog = try #require(Self.dialog(state))
        #expect(dialog.prompt?.typedUserID == "qa.anna")
        #expect(dialog.fields.first?.text == "assessed, no impact")
    }
}

extension Effect {
    fileprivate var isJournalRefusal: Bool {
        if case .journalRefusal = self { return true }
        return false
    }
}
