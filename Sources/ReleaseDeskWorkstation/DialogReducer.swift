import CanonicalJSON
import ReleaseDeskCore

/// Opening and driving the dialogs of signed actions. Part of the reducer: pure, effects out.
enum DialogReducer {
    /// The signed action a command opens a dialog for (its name and permission come from the core).
    static func kind(for command: Command, in state: WorkstationState) -> SignedAction.Kind {
        switch command {
        case .certify: return .certify
        case .reject: return .reject
        case .hold: return state.selectedBatchID.map { state.desk.release.holds[$0] != nil } == true ? .unhold : .hold
        case .openDeviation: return .openDeviation
        case .approveDeviation: return .approveDeviation
        case .reviewAuditTrail: return .reviewAuditTrail
        case .investigateOOS: return .investigateOOS
        case .fullReview: return .fullReview
        default: return .disposition
        }
    }

    static func reasonField() -> DialogField { DialogField(.reason) }

    /// Opens the dialog for `command` on the current selection; a missing role is a refused attempt, journaled.
    static func open(_ state: inout WorkstationState, _ command: Command) -> [Effect] {
        guard let user = state.user else { return [] }
        if state.readOnly {
            state.message = "Read-only: no signature can be made (integrity alarm or --readonly)."
            return []
        }
        let kind = kind(for: command, in: state)
        do throws(ActionRefusal) {
            _ = try state.desk.requireUser(user.id, for: kind)
        } catch {
            state.message = "Refused (\(error.gate)): \(error.message)"
            return [.journalRefusal(action: kind.name, refusal: error)]
        }
        guard let batch = state.selectedBatchID, let record = state.desk.batches[batch] else {
            state.message = "Select a batch first."
            return []
        }
        var dialog: ActionDialog
        switch command {
        case .justify, .retest, .openDeviation, .approveDeviation:
            guard let exception = state.selectedException else {
                state.message = "Select an exception first (Tab to the exception list)."
                return []
            }
            let context = [
                "Batch \(batch) · \(exception.rule) v\(exception.ruleVersion) · \(exception.severity.rawValue)",
                exception.title, "Observed \(exception.observed); limit \(exception.limit)",
            ]
            switch command {
            case .justify:
                dialog = ActionDialog(
                    purpose: .justify(batch: batch, exception: exception.id), title: "Justify \(exception.id)",
                    context: context,
                    fields: [reasonField()], checklist: [], gates: [])
            case .retest:
                dialog = ActionDialog(
                    purpose: .retest(batch: batch, exception: exception.id), title: "Request a re-test",
                    context: context,
                    fields: [reasonField()], checklist: [], gates: [])
            case .openDeviation:
                let classes = Severity.allCases.filter { $0 >= exception.severity }.map(\.rawValue)
                dialog = ActionDialog(
                    purpose: .openDeviation(batch: batch, exceptions: [exception.id]), title: "Open a deviation",
                    context: context,
                    fields: [
                        DialogField(.classification, text: classes[0], choices: classes),
                        DialogField(.title, text: exception.title),
                        DialogField(.description), reasonField(),
                    ], checklist: [], gates: [])
            default:
                guard let id = state.desk.release.disposition(of: exception.id)?.deviation,
                    let deviation = state.desk.release.deviations[id]
                else {
                    state.message = "This exception has no deviation; D opens one."
                    return []
                }
                let classification = deviation.classification != .minor && deviation.stage == .open
                let step: String
                switch (deviation.classification, deviation.stage) {
                case (_, .closed): step = "closed already"
                case (.minor, .open): step = "approve and close (minor: one QA approval)"
                case (_, .open): step = "approve the classification (then the investigation is recorded)"
                case (_, .investigation): step = "record the investigation"
                case (_, .awaitingApproval): step = "final approval: close the deviation"
                }
                if deviation.stage == .investigation {
                    // The investigation form: root cause, impact and risk, CAPA (or why none), effectiveness check.
                    dialog = ActionDialog(
                        purpose: .investigate(deviation: id), title: "Investigation of \(id)",
                        context: [
                            "\(id) · \(deviation.classification.rawValue) · investigation", deviation.title,
                            "CAPA refs: comma-separated; leave empty and say why in the next field if none is needed.",
                        ],
                        fields: [
                            DialogField(.rootCause), DialogField(.impact), DialogField(.capaReferences),
                            DialogField(.noCapaRationale), DialogField(.effectivenessCheck), reasonField(),
                        ], checklist: [], gates: [])
                } else {
                    dialog = ActionDialog(
                        purpose: .approveDeviation(deviation: id, classification: classification),
                        title: "Approve \(id)",
                        context: [
                            "\(id) · \(deviation.classification.rawValue) · \(deviation.stage.rawValue)",
                            deviation.title, "Step: \(step)",
                        ],
                        fields: [reasonField()], checklist: [], gates: [])
                }
            }
        case .certify:
            let gates = ReleaseRules.certificationGates(batch, by: user.id, now: state.now, in: state.desk)
            dialog = ActionDialog(
                purpose: .certify(batch: batch), title: "Certify \(batch) for release",
                context: [
                    "Answer every item (y / n), give a reason, then sign. The signature covers the disposition record."
                ],
                fields: [reasonField()],
                checklist: ReleaseRules.checklist.map { ChecklistItem(id: $0.id, question: $0.question, answer: nil) },
                gates: gates.map { "\($0.gate): \($0.message)" })
        case .reject:
            dialog = ActionDialog(
                purpose: .reject(batch: batch), title: "Reject \(batch)", context: ["A rejection is final."],
                fields: [reasonField()],
                checklist: [], gates: [])
        case .hold:
            let on = state.desk.release.holds[batch] == nil
            dialog = ActionDialog(
                purpose: .hold(batch: batch, on: on), title: on ? "Put \(batch) on hold" : "Release \(batch) from hold",
                context: [state.desk.queueEntry(record).status.label], fields: [reasonField()], checklist: [], gates: []
            )
        case .reviewAuditTrail:
            let status = ReleaseRules.auditTrailStatus(batch, in: state.desk)
            guard let last = status.trail.last else {
                state.message = "\(batch) has no records to review."
                return []
            }
            dialog = ActionDialog(
                purpose: .auditReview(batch: batch, through: last), title: "Audit trail of \(batch) reviewed",
                context: [
                    status.summary,
                    "You sign that you have read the \(status.trail.count) record(s) of this batch's trail through #\(last)"
                        + " (4: audit pane, Enter opens a record). Records added later reopen the review.",
                ],
                fields: [reasonField()], checklist: [], gates: [])
        case .investigateOOS:
            guard let exception = state.selectedException, exception.rule == "OOS" else {
                state.message = "Select an OOS exception first (Tab to the exception list)."
                return []
            }
            let standing = state.desk.oosStanding(of: exception, in: batch)
            let attribute = standing?.attribute ?? exception.rule
            guard let result = standing?.uninvestigated.first else {
                state.message = "Every OOS result of \(attribute) is investigated already."
                return []
            }
            dialog = ActionDialog(
                purpose: .investigateOOS(batch: batch, result: result.id), title: "OOS investigation of \(result.id)",
                context: [
                    "Batch \(batch) · \(attribute) \(result.value) \(result.unit) · limit \(exception.limit)",
                    "invalidated: an assignable laboratory cause was found (name it); a re-test then counts.",
                    "confirmed: no laboratory cause; the batch is rejected or supplied at a physician's request.",
                ],
                fields: [
                    DialogField(
                        .outcome, text: OOSOutcome.invalidated.rawValue, choices: OOSOutcome.allCases.map(\.rawValue)),
                    DialogField(.cause), reasonField(),
                ], checklist: [], gates: [])
        case .fullReview:
            dialog = ActionDialog(
                purpose: .fullReview(batch: batch), title: "Full review of \(batch)",
                context: [
                    record.review?.quietReason ?? "Review the whole batch record, not only its exceptions.",
                    "You sign that the whole record was read: steps, parameters, results, custody, EM and labels.",
                ],
                fields: [reasonField()], checklist: [], gates: [])
        default:
            return []
        }
        if dialog.gates.isEmpty, let refusal = gateBeforeTyping(dialog, by: user.id, in: state) {
            // Nothing the user could type would let this through (a stage, independence, a decided batch):
            // the attempt is refused and journaled at once, before anything is typed. (Certification lists
            // its open gates in the dialog instead.)
            state.message = "Refused (\(refusal.gate)): \(refusal.message)"
            return [.journalRefusal(action: dialog.action.name, refusal: refusal)]
        }
        present(&state, dialog)
        return []
    }

    /// Stands in for text not typed yet when a dialog checks, as it opens, the gates that do not depend on it.
    static let standInText = "stand-in"

    /// The refusal the dialog's action meets whatever is typed into it: the action's own rule (`precheck`)
    /// run with every empty text field filled with a stand-in and every checklist item answered yes, so
    /// that only gates of the state can refuse. Nil when the dialog is worth filling in. (A rule that came to
    /// check the form of a field's text would have to accept the stand-in, or the dialog would not open.)
    static func gateBeforeTyping(_ dialog: ActionDialog, by actor: String, in state: WorkstationState) -> ActionRefusal?
    {
        var filled = dialog
        for i in filled.fields.indices
        where filled.fields[i].choices.isEmpty && filled.fields[i].text.trimmingSpaces.isEmpty {
            filled.fields[i].text = standInText
        }
        for i in filled.checklist.indices { filled.checklist[i].answer = true }
        return filled.action.precheck(by: actor, now: state.now, in: state.desk)
    }

    /// Shows `dialog`, remembering what its fields opened with (to tell typed input from defaults).
    static func present(_ state: inout WorkstationState, _ dialog: ActionDialog) {
        var dialog = dialog
        dialog.openingTexts = dialog.fields.map(\.text)
        state.mode = .dialog(dialog)
    }

    /// Ctrl-C while a dialog is open: with unsaved input the dialog asks first; without, the workstation quits
    /// as it does anywhere else.
    static func interrupt(_ state: inout WorkstationState, _ original: ActionDialog) -> [Effect] {
        guard original.hasUnsavedInput, !original.busy else { return [.quit] }
        var dialog = original
        dialog.discardQuestion = .quit
        state.mode = .dialog(dialog)
        return []
    }

    /// The answer to "Discard what you typed?": y discards (closing the dialog, or quitting after Ctrl-C);
    /// n or Esc goes back to the dialog with every field as it was (Ctrl-C, handled by `interrupt`, turns
    /// the question into the quitting one). Any other key leaves the question showing.
    static func answerDiscard(
        _ state: inout WorkstationState, _ dialog: inout ActionDialog, _ question: ActionDialog.DiscardQuestion,
        _ key: Key
    )
        -> [Effect]
    {
        switch key {
        case .char("y"), .char("Y"):
            if question == .quit { return [.quit] }
            state.mode = .normal
            state.message = "Discarded; nothing was signed."
        case .char("n"), .char("N"), .escape:
            dialog.discardQuestion = nil
        default:
            break
        }
        return []
    }

    static func key(_ state: inout WorkstationState, _ original: ActionDialog, _ key: Key) -> [Effect] {
        var dialog = original
        defer { if case .dialog = state.mode { state.mode = .dialog(dialog) } }
        if dialog.busy { return [] }
        if let question = dialog.discardQuestion { return answerDiscard(&state, &dialog, question, key) }
        switch key {
        case .escape:
            if dialog.hasUnsavedInput {
                dialog.discardQuestion = .cancel
                return []
            }
            state.mode = .normal
            state.message = "Cancelled; nothing was signed."
            return []
        case .tab, .down:
            dialog.focus = (dialog.focus + 1) % dialog.stops
            return []
        case .backTab, .up:
            dialog.focus = (dialog.focus + dialog.stops - 1) % dialog.stops
            return []
        default:
            break
        }
        if dialog.focus == ActionDialog.cancelIndex {
            if key == .enter {
                state.mode = .normal
                state.message = "Cancelled; nothing was signed."
            }
            return []
        }
        if dialog.focus == ActionDialog.signIndex {
            return key == .enter ? proceed(&state, &dialog) : []
        }
        if var prompt = dialog.prompt, let index = dialog.focusedPromptField {
            switch key {
            case .enter:
                if index == 0 {
                    dialog.focus += 1
                    return []
                }
                return proceed(&state, &dialog)
            case .backspace:
                if index == 0 { _ = prompt.typedUserID.popLast() } else { _ = prompt.password.popLast() }
            case .char(let c):
                if index == 0 {
                    prompt.typedUserID.append(c)
                } else if prompt.password.count < 1024 {
                    prompt.password.append(c)
                }
            default:
                return []
            }
            dialog.prompt = prompt
            return []
        }
        if let index = dialog.focusedField {
            var field = dialog.fields[index]
            switch key {
            case .enter:
                dialog.focus = (dialog.focus + 1) % dialog.stops
                if dialog.focus < 2 { dialog.focus = ActionDialog.signIndex }
            case .left, .right, .char(" "):
                if field.choices.isEmpty {
                    if key == .char(" ") && field.text.count < 2000 { field.text.append(" ") }
                } else {
                    let i = field.choices.firstIndex(of: field.text) ?? 0
                    let step = key == .left ? field.choices.count - 1 : 1
                    field.text = field.choices[(i + step) % field.choices.count]
                }
            case .backspace where field.choices.isEmpty:
                _ = field.text.popLast()
            case .char(let c) where field.choices.isEmpty:
                if field.text.count < 2000 { field.text.append(c) }
            default:
                break
            }
            dialog.fields[index] = field
            return []
        }
        if let index = dialog.focusedChecklistItem {
            switch key {
            case .char("y"), .char("Y"): dialog.checklist[index].answer = true
            case .char("n"), .char("N"): dialog.checklist[index].answer = false
            case .enter, .char(" "):
                dialog.checklist[index].answer = !(dialog.checklist[index].answer ?? false)
            default: return []
            }
            if key != .enter && key != .char(" ") { dialog.focus = (dialog.focus + 1) % dialog.stops }
        }
        return []
    }

    /// Sign pressed: first show what will be signed and ask for the components; then sign.
    static func proceed(_ state: inout WorkstationState, _ dialog: inout ActionDialog) -> [Effect] {
        guard let user = state.user else { return [] }
        let action = dialog.action
        guard let prompt = dialog.prompt else {
            // The form first: a field left empty or an item not answered yet is not an attempt; the focus
            // goes to it and nothing is journaled.
            if let index = dialog.fields.firstIndex(where: { $0.name == .reason }) {
                do throws(ActionRefusal) {
                    _ = try UserAdministration.requireReason(dialog.fields[index].text)
                } catch {
                    dialog.message = "A reason is required."
                    dialog.focus = 2 + index
                    return []
                }
            }
            if let unanswered = dialog.checklist.first(where: { $0.answer == nil }) {
                dialog.message = "Answer every checklist item: \(unanswered.question)"
                return []
            }
            // Then every gate of the rule the signature would run, on the current state, before the password
            // is asked. A refusal is an attempted action: it is journaled as the signed attempt's refusal
            // would be, and the dialog stays open with everything typed, naming the gate.
            let request: SigningRequest
            do throws(ActionRefusal) {
                if let refusal = action.precheck(by: user.id, now: state.now, in: state.desk) { throw refusal }
                request = try action.request(in: state.desk)
            } catch {
                dialog.message = "Refused (\(error.gate)): \(error.message)"
                state.remember("Refused (\(error.gate)): \(error.message)")
                return [.journalRefusal(action: action.name, refusal: error)]
            }
            let needsID = (state.session?.components(at: state.now) ?? .userIDAndPassword) == .userIDAndPassword
            dialog.prompt = SignaturePrompt(
                subject: request.subject, decision: request.decision, meaning: request.meaning, printedName: user.name,
                userID: user.id, timeZone: "UTC", needsUserID: needsID, content: request.content)
            dialog.focus = 2
            dialog.message = nil
            return []
        }
        if prompt.needsUserID && prompt.typedUserID.isEmpty {
            dialog.message = "Type your user id, then your password."
            dialog.prompt!.password = ""
            dialog.focus = 2
            return []
        }
        if prompt.needsUserID && prompt.typedUserID != user.id {
            let typed = prompt.typedUserID
            dialog.message = "The user id must be the signed-in user's (\(user.id)); journaled as a failed sign-in."
            dialog.prompt!.typedUserID = ""
            dialog.prompt!.password = ""
            dialog.focus = 2
            // A signature under another id is a failed sign-in of this session, naming the id typed.
            return [.signatureUnderOtherID(typed: typed)]
        }
        guard !prompt.password.isEmpty else {
            dialog.message = "Type your password to sign."
            return []
        }
        guard state.chain.signaturesVerified else {
            dialog.prompt!.password = ""
            dialog.message =
                "Integrity check still running: the signature waits until every signature in the journal is verified. Try again in a moment."
            return []
        }
        let password = prompt.password
        dialog.prompt!.password = ""
        dialog.busy = true
        dialog.message = "Signing…"
        return [.sign(action, content: prompt.content, password: password)]
    }

}
