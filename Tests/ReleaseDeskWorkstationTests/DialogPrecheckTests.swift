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

    /// A justification dialog on CART-26-0021 with `reason` typed into its reason field.
    static func justifying(_ reason: String) -> WorkstationState {
        var state = DialogTests.onFlaggedBatch()
        _ = press(.char("J"), .tab, .tab, in: &state)
        Fixture.type(reason, into: &state)
        return state
    }

    @Test func aGateRefusedBeforeThePasswordKeepsTheDialogWithWhatWasTyped() throws {
        var state = try Self.onBlockingException()
        let exception = state.selectedException!.id
        _ = press(.char("J"), .tab, .tab, in: &state)
        Fixture.type("label reprinted", into: &state)
        let effects = press(.enter, .enter, in: &state)  // to Sign…, then Sign…
        guard case .journalRefusal(let action, let refusal)? = effects.first, effects.count == 1 else {
            Issue.record("expected one journaled refusal, got \(effects)")
            return
        }
        #expect(action == "exception.disposition")
        #expect(refusal.gate == "blocking")
        let dialog = try #require(Self.dialog(state))
        #expect(dialog.purpose == .justify(batch: "CART-26-0022", exception: exception))
        #expect(dialog.prompt == nil)
        #expect(dialog.fields.map(\.text) == ["label reprinted"])
        #expect(dialog.message?.hasPrefix("Refused (blocking): ") == true)
        #expect(!dialog.busy)
        #expect(Self.screen(state).contains("Refused (blocking)"))
    }

    @Test func thePasswordIsAskedOnlyOnceTheRuleWouldAccept() throws {
        var state = DialogTests.onFlaggedBatch()
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
        #expect(dialog.message == "Refused (description): description is required and may not be empty")
        #expect(dialog.fields.map(\.text) == [opened.fields[0].text, opened.fields[1].text, "", "viability below limit"])
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

    @Test func ctrlCWithTypedInputAsksBeforeQuitting() throws {
        var state = Self.justifying("no impact")
        #expect(press(.ctrl("c"), in: &state) == [])
        #expect(Self.dialog(state)?.discardQuestion == .quit)
        #expect(Self.screen(state).contains("Discard what you typed? y/n"))
        #expect(press(.char("x"), .enter, .char("q"), in: &state) == [])  // only y or n answers
        #expect(Self.dialog(state)?.discardQuestion == .quit)
        #expect(press(.char("y"), in: &state) == [.quit])
    }

    @Test func escWithTypedInputAsksBeforeClosing() throws {
        var state = Self.justifying("no impact")
        #expect(press(.escape, in: &state) == [])
        #expect(Self.dialog(state)?.discardQuestion == .cancel)
        #expect(Self.screen(state).contains("Discard what you typed? y/n"))
        #expect(press(.char("y"), in: &state) == [])
        #expect(state.mode == .normal)
        #expect(state.message == "Discarded; nothing was signed.")
    }

    @Test func answeringNoReturnsToTheDialogWithItsFieldsIntact() throws {
        var state = Self.justifying("no impact")
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
        var state = DialogTests.onFlaggedBatch()
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
        var state = DialogTests.onFlaggedBatch()
        _ = press(.char("D"), .tab, .tab, in: &state)
        try #require((Self.dialog(state)?.fields.first?.choices.count ?? 0) > 1)
        _ = press(.right, in: &state)
        #expect(Self.dialog(state)?.hasUnsavedInput == true)
        _ = press(.escape, .char("y"), in: &state)
        state = DialogTests.onFlaggedBatch(user: "qp.maria")
        _ = press(.char("C"), .tab, .tab, .tab, .char("y"), in: &state)
        #expect(Self.dialog(state)?.checklist.first?.answer == true)
        #expect(press(.ctrl("c"), in: &state) == [])
        #expect(Self.dialog(state)?.discardQuestion == .quit)
    }

    @Test func atTheSignaturePromptEscStillAsksAndNoKeepsThePrompt() throws {
        var state = DialogTests.atSignaturePrompt(reason: "assessed, no impact")
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
