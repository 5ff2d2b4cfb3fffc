import CanonicalJSON
import ReleaseDeskCore

/// Opening and driving the dialogs of signed actions. Part of the reducer: pure, effects out.
enum DialogReducer {
    static func role(for command: Command) -> (Set<Role>, String) {
        switch command {
        case .certify: return ([.qp], "certify batches")
        case .reject: return ([.qp], "reject batches")
        case .hold: return ([.qp], "hold batches")
        case .openDeviation: return ([.qa], "open deviations")
        case .approveDeviation: return ([.qa], "approve deviations")
        case .reviewAuditTrail: return ([.supervisor, .qa], "review audit trails")
        default: return ([.qa], "disposition exceptions")
        }
    }

    static func actionName(for command: Command) -> String {
        switch command {
        case .justify, .retest: return "exception.disposition"
        case .openDeviation: return "deviation.open"
        case .approveDeviation: return "deviation.approve"
        case .certify: return "batch.certify"
        case .reject: return "batch.reject"
        case .reviewAuditTrail: return "batch.audit-review"
        default: return "batch.hold"
        }
    }

    static func reasonField() -> DialogField { DialogField(label: "Reason") }

    /// Opens the dialog for `command` on the current selection; a missing role is a refused attempt, journaled.
    static func open(_ state: inout WorkstationState, _ command: Command) -> [Effect] {
        guard let user = state.user else { return [] }
        if state.readOnly {
            state.message = "Read-only: no signature can be made (integrity alarm or --readonly)."
            return []
        }
        let (role, words) = role(for: command)
        do throws(ActionRefusal) {
            _ = try state.desk.requireUser(user.id, anyOf: role, toDo: words)
        } catch {
            state.message = "Refused (\(error.gate)): \(error.message)"
            return [.journalRefusal(action: actionName(for: command), refusal: error)]
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
                    purpose: .justify(batch: batch, exception: exception.id), title: "Justify \(exception.id)", context: context,
                    fields: [reasonField()], checklist: [], gates: [])
            case .retest:
                dialog = ActionDialog(
                    purpose: .retest(batch: batch, exception: exception.id), title: "Request a re-test", context: context,
                    fields: [reasonField()], checklist: [], gates: [])
            case .openDeviation:
                let classes = Severity.allCases.filter { $0 >= exception.severity }.map(\.rawValue)
                dialog = ActionDialog(
                    purpose: .openDeviation(batch: batch, exceptions: [exception.id]), title: "Open a deviation", context: context,
                    fields: [
                        DialogField(label: "Class", text: classes[0], choices: classes), DialogField(label: "Title", text: exception.title),
                        DialogField(label: "Description"), reasonField(),
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
                        context: ["\(id) · \(deviation.classification.rawValue) · investigation", deviation.title,
                            "CAPA refs: comma-separated; leave empty and say why in the next field if none is needed."],
                        fields: [
                            DialogField(label: "Root cause"), DialogField(label: "Impact"), DialogField(label: "CAPA refs"),
                            DialogField(label: "Why no CAPA"), DialogField(label: "Eff. check"), reasonField(),
                        ], checklist: [], gates: [])
                    state.mode = .dialog(dialog)
                    return []
                }
                dialog = ActionDialog(
                    purpose: .approveDeviation(deviation: id, classification: classification),
                    title: "Approve \(id)", context: ["\(id) · \(deviation.classification.rawValue) · \(deviation.stage.rawValue)", deviation.title, "Step: \(step)"],
                    fields: [reasonField()], checklist: [], gates: [])
            }
        case .certify:
            let gates = ReleaseRules.certificationGates(batch, by: user.id, now: state.now, in: state.desk)
            dialog = ActionDialog(
                purpose: .certify(batch: batch), title: "Certify \(batch) for release",
                context: ["Answer every item (y / n), give a reason, then sign. The signature covers the disposition record."],
                fields: [reasonField()],
                checklist: ReleaseRules.checklist.map { ChecklistItem(id: $0.id, question: $0.question, answer: nil) },
                gates: gates.map { "\($0.gate): \($0.message)" })
        case .reject:
            dialog = ActionDialog(
                purpose: .reject(batch: batch), title: "Reject \(batch)", context: ["A rejection is final."], fields: [reasonField()],
                checklist: [], gates: [])
        case .hold:
            let on = state.desk.release.holds[batch] == nil
            dialog = ActionDialog(
                purpose: .hold(batch: batch, on: on), title: on ? "Put \(batch) on hold" : "Release \(batch) from hold",
                context: [state.desk.queueEntry(record).status.label], fields: [reasonField()], checklist: [], gates: [])
        case .reviewAuditTrail:
            let status = ReleaseRules.auditTrailStatus(batch, in: state.desk)
            guard let last = status.trail.last else {
                state.message = "\(batch) has no records to review."
                return []
            }
            if state.desk.release.qaReviewers[batch]?.contains(user.id) == true {
                let refusal = ActionRefusal(
                    .permission, gate: "independence",
                    "\(user.id) did QA review of \(batch); its audit trail is reviewed by someone independent of that review")
                state.message = "Refused (\(refusal.gate)): \(refusal.message)"
                return [.journalRefusal(action: "batch.audit-review", refusal: refusal)]
            }
            dialog = ActionDialog(
                purpose: .auditReview(batch: batch, through: last), title: "Audit trail of \(batch) reviewed",
                context: [
                    status.summary,
                    "You sign that you have read the \(status.trail.count) record(s) of this batch's trail through #\(last)"
                        + " (4: audit pane, Enter opens a record). Records added later reopen the review.",
                ],
                fields: [reasonField()], checklist: [], gates: [])
        default:
            return []
        }
        state.mode = .dialog(dialog)
        return []
    }

    static func key(_ state: inout WorkstationState, _ original: ActionDialog, _ key: Key) -> [Effect] {
        var dialog = original
        defer { if case .dialog = state.mode { state.mode = .dialog(dialog) } }
        if dialog.busy { return [] }
        switch key {
        case .escape:
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
                if index == 0 { prompt.typedUserID.append(c) } else if prompt.password.count < 1024 { prompt.password.append(c) }
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
            if dialog.fields.contains(where: { $0.label == "Reason" }) && !DisplayText.hasVisibleText(dialog.field("Reason")) {
                dialog.message = "A reason is required."
                dialog.focus = 2 + (dialog.fields.firstIndex { $0.label == "Reason" } ?? 0)
                return []
            }
            if case .certify = dialog.purpose {
                if let unanswered = dialog.checklist.first(where: { $0.answer == nil }) {
                    dialog.message = "Answer every checklist item: \(unanswered.question)"
                    return []
                }
                let gates = ReleaseRules.certificationGates(dialogBatch(dialog), by: user.id, now: state.now, in: state.desk)
                if let first = gates.first {
                    // An attempt against an open gate is refused and journaled; no signature is asked for.
                    state.mode = .normal
                    state.message = "Refused (\(first.gate)): \(first.message)"
                    return [.journalRefusal(action: "batch.certify", refusal: first)]
                }
            }
            let request: SigningRequest
            do throws(ActionRefusal) {
                request = try action.request(in: state.desk)
            } catch {
                dialog.message = "\(error.gate): \(error.message)"
                return []
            }
            let needsID = (state.session?.components(at: state.now) ?? .userIDAndPassword) == .userIDAndPassword
            dialog.prompt = SignaturePrompt(
                subject: request.subject, decision: request.decision, meaning: request.meaning, printedName: user.name,
                userID: user.id, timeZone: "UTC", needsUserID: needsID, content: request.content)
            dialog.focus = 2
            dialog.message = nil
            return []
        }
        if prompt.needsUserID && prompt.typedUserID != user.id {
            dialog.message = "The user id must be the signed-in user's (\(user.id))."
            dialog.prompt!.typedUserID = ""
            dialog.prompt!.password = ""
            dialog.focus = 2
            return []
        }
        guard !prompt.password.isEmpty else {
            dialog.message = "Type your password to sign."
            return []
        }
        let password = prompt.password
        dialog.prompt!.password = ""
        dialog.busy = true
        dialog.message = "Signing…"
        return [.sign(action, content: prompt.content, password: password)]
    }

    static func dialogBatch(_ dialog: ActionDialog) -> String {
        if case .certify(let batch) = dialog.purpose { return batch }
        return ""
    }
}
