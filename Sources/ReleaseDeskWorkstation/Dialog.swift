import CanonicalJSON
import ReleaseDeskCore

/// One text field of a dialog.
public struct DialogField: Equatable, Sendable {
    public var label: String
    public var text: String
    /// Choices cycled with ←/→ or Space instead of typing (e.g. a deviation's class).
    public var choices: [String]
    public var masked: Bool

    public init(label: String, text: String = "", choices: [String] = [], masked: Bool = false) {
        self.label = label
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

/// A dialog that changes something: it opens with Cancel focused, Esc always cancels, and it ends in a
/// signature.
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

    func field(_ label: String) -> String { fields.first { $0.label == label }?.text ?? "" }

    /// The decision the dialog collected.
    var action: ReleaseAction {
        let reason = field("Reason")
        switch purpose {
        case .justify(let batch, let exception):
            return .disposition(batch: batch, exception: exception, kind: .justified, reason: reason)
        case .retest(let batch, let exception):
            return .disposition(batch: batch, exception: exception, kind: .retestRequested, reason: reason)
        case .openDeviation(let batch, let exceptions):
            return .openDeviation(
                batch: batch, exceptions: exceptions, classification: Severity(rawValue: field("Class")) ?? .major,
                title: field("Title"), description: field("Description"), reason: reason)
        case .approveDeviation(let id, let classification):
            return classification ? .approveClassification(deviation: id, reason: reason) : .approveDeviation(deviation: id, reason: reason)
        case .investigate(let id):
            let capa = field("CAPA refs").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            let rationale = field("Why no CAPA")
            return .recordInvestigation(
                deviation: id, rootCause: field("Root cause"), impact: field("Impact"), capa: capa,
                capaRationale: DisplayText.hasVisibleText(rationale) ? rationale : nil, effectivenessCheck: field("Eff. check"), reason: reason)
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
        }
    }
}
