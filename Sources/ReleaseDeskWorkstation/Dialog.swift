import CanonicalJSON
import ReleaseDeskCore

/// One text field of a dialog, named by what it holds (the label is what the screen shows).
public struct DialogField: Equatable, Sendable {
    /// What a field holds: the action reads its fields by name, never by the label shown.
    public enum Name: Equatable, Sendable {
        case reason, classification, title, description, rootCause, impact, capaReferences, noCapaRationale,
            effectivenessCheck
        case outcome, cause

        /// The label shown in front of the field.
        public var label: String {
            switch self {
            case .reason: return "Reason"
            case .classification: return "Class"
            case .title: return "Title"
            case .description: return "Description"
            case .rootCause: return "Root cause"
            case .impact: return "Impact"
            case .capaReferences: return "CAPA refs"
            case .noCapaRationale: return "Why no CAPA"
            case .effectivenessCheck: return "Eff. check"
            case .outcome: return "Outcome"
            case .cause: return "Cause"
            }
        }
    }

    public var name: Name
    public var text: String
    /// Choices cycled with ←/→ or Space instead of typing (e.g. a deviation's class).
    public var choices: [String]
    public var masked: Bool

    public var label: String { name.label }

    public init(_ name: Name, text: String = "", choices: [String] = [], masked: Bool = false) {
        self.name = name
        self.text = text
        self.choices = choices
        self.masked = masked
    }
}

/// A checklist item answered yes or no (certification).
public struct ChecklistItem: Equatable, Sendable {
    public var id: String
    public var question: String
    public var answer: Bool?
}

/// What the signer sees before the password is asked (21 CFR 11.50), and the two components.
public struct SignaturePrompt: Equatable, Sendable {
    public var subject: String
    public var decision: String
    public var meaning: SignatureMeaning
    public var printedName: String
    public var userID: String
    public var timeZone: String
    /// First signing of the session or after an idle lock: the user id must be typed too.
    public var needsUserID: Bool
    public var typedUserID: String = ""
    public var password: String = ""
    /// Exactly what will be signed.
    public var content: JSONValue
}

/// A dialog that changes something: it opens with Cancel focused, Esc cancels (asking first when something
/// was typed), its action's rule is checked before the password is asked, and it ends in a signature.
public struct ActionDialog: Equatable, Sendable {
    public enum Purpose: Equatable, Sendable {
        case justify(batch: String, exception: String)
        case retest(batch: String, exception: String)
        case openDeviation(batch: String, exceptions: [String])
        case approveDeviation(deviation: String, classification: Bool)
        case investigate(deviation: String)
        case certify(batch: String)
        case reject(batch: String)
        case hold(batch: String, on: Bool)
        case auditReview(batch: String, through: Int64)
        case investigateOOS(batch: String, result: String)
        case fullReview(batch: String)
    }

    public var purpose: Purpose
    public var title: String
    /// Lines of context shown above the fields (already sanitised by the renderer).
    public var context: [String]
    public var fields: [DialogField]
    public var checklist: [ChecklistItem]
    /// Gates that stand in the way (certification): shown, and signing is refused while any is open.
    public var gates: [String]
    /// Focus: 0 = Cancel, 1 = Sign, then fields, then checklist items.
    public var focus: Int = 0
    public var prompt: SignaturePrompt?
    public var message: String?
    public var busy = false
    /// The texts the fields opened with; a field that differs holds input the user would lose.
    public var openingTexts: [String] = []
    /// Set while the dialog asks whether to discard what was typed (Esc or Ctrl-C with unsaved input).
    public var discardQuestion: DiscardQuestion?

    /// What Esc or Ctrl-C asks before throwing away what the user typed, and what "y" then does.
    public enum DiscardQuestion: Equatable, Sendable {
        /// Esc: "y" closes the dialog.
        case cancel
        /// Ctrl-C: "y" quits the workstation.
        case quit

        /// The question, as shown in the dialog.
        public var text: String {
            switch self {
            case .cancel: return "Discard what you typed? y/n"
            case .quit: return "Discard what you typed? y/n (y quits ReleaseDesk)"
            }
        }
    }

    public static let cancelIndex = 0
    public static let signIndex = 1

    /// The number of focusable places.
    var stops: Int { prompt != nil ? 2 + (prompt!.needsUserID ? 2 : 1) : 2 + fields.count + checklist.count }

    /// The field index under focus, if a field has it.
    public var focusedField: Int? {
        let i = focus - 2
        return prompt == nil && i >= 0 && i < fields.count ? i : nil
    }

    public var focusedChecklistItem: Int? {
        let i = focus - 2 - fields.count
        return prompt == nil && i >= 0 && i < checklist.count ? i : nil
    }

    /// In the signature stage: 0 user id (when needed), then password.
    public var focusedPromptField: Int? {
        guard let prompt, focus >= 2 else { return nil }
        let i = focus - 2
        return prompt.needsUserID ? i : i + 1
    }

    /// The text of the field named `name` ("" when the dialog has none).
    func field(_ name: DialogField.Name) -> String { fields.first { $0.name == name }?.text ?? "" }

    /// Whether the user typed something that closing the dialog would lose: a field that no longer holds
    /// what it opened with, or an answered checklist item. (The password is never kept, so it does not count.)
    public var hasUnsavedInput: Bool {
        if checklist.contains(where: { $0.answer != nil }) { return true }
        return fields.indices.contains { i in fields[i].text != (i < openingTexts.count ? openingTexts[i] : "") }
    }

    /// The decision the dialog collected.
    var action: SignedAction {
        let reason = field(.reason)
        switch purpose {
        case .justify(let batch, let exception):
            return .disposition(batch: batch, exception: exception, kind: .justified, reason: reason)
        case .retest(let batch, let exception):
            return .disposition(batch: batch, exception: exception, kind: .retestRequested, reason: reason)
        case .openDeviation(let batch, let exceptions):
            return .openDeviation(
                batch: batch, exceptions: exceptions,
                classification: Severity(rawValue: field(.classification)) ?? .major,
                title: field(.title), description: field(.description), reason: reason)
        case .approveDeviation(let id, let classification):
            return classification
                ? .approveClassification(deviation: id, classification: nil, reason: reason)
                : .approveDeviation(deviation: id, reason: reason)
        case .investigate(let id):
            let capa = field(.capaReferences).split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            let rationale = field(.noCapaRationale)
            let investigation = ReleaseRules.Investigation(
                rootCause: field(.rootCause), impact: field(.impact), capa: capa,
                capaRationale: DisplayText.hasVisibleText(rationale) ? rationale : nil,
                effectivenessCheck: field(.effectivenessCheck))
            return .recordInvestigation(deviation: id, investigation: investigation, reason: reason)
        case .certify(let batch):
            var answers: [String: Bool] = [:]
            for item in checklist { if let a = item.answer { answers[item.id] = a } }
            return .certify(batch: batch, answers: answers, reason: reason)
        case .reject(let batch):
            return .reject(batch: batch, reason: reason)
        case .hold(let batch, let on):
            return .hold(batch: batch, on: on, reason: reason)
        case .auditReview(let batch, let through):
            return .reviewAuditTrail(batch: batch, through: through, reason: reason)
        case .investigateOOS(let batch, let result):
            let outcome = OOSOutcome(rawValue: field(.outcome)) ?? .confirmed
            return .investigateOOS(
                batch: batch, result: result, outcome: outcome, cause: outcome == .invalidated ? field(.cause) : nil,
                reason: reason)
        case .fullReview(let batch):
            return .fullReview(batch: batch, reason: reason)
        }
    }
}
