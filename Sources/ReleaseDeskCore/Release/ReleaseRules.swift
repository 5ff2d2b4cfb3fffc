import CanonicalJSON

/// The rules of QA dispositions, deviations and QP decisions. Each action is a pure function from the
/// state to the records it writes (or the refusal that names its gate); the desk runs it under the journal
/// lock against fresh state. Signatures: the caller shows `request(…)` to the signer, checks the password,
/// and passes the digest of what was shown; if the state moved on in between, the action is refused with
/// gate `state-changed`, so nobody signs what they did not see.
public enum ReleaseRules {
    /// SHA-256 (hex) of the canonical JSON of a value; supplied by the caller (the core does no hashing).
    public typealias Digest = (JSONValue) -> String

    /// Days a deviation's investigation may take before its due date, unless the site's quality agreement
    /// says otherwise (`deviation_close_days`).
    public static let investigationDays: Int64 = 30

    /// The Annex 16 checklist the QP answers item by item before certifying.
    public static let checklist: [(id: String, question: String)] = [
        ("batch-record-reviewed", "The batch record and its review by exception are complete and reviewed."),
        ("deviations-assessed", "Every deviation is assessed and its investigation complete; none affects this batch."),
        ("results-meet-specification", "Release results meet the specification; pending tests are recorded."),
        ("identity-and-custody-verified", "Chain of identity and chain of custody are verified."),
        (
            "nothing-negates-certification",
            "Nothing known (complaints, recalls, changes, audits) negates certification."
        ),
    ]

    // MARK: - Shared checks

    static func findBatch(_ id: String, in state: DeskState) throws(ActionRefusal) -> BatchRecord {
        guard let record = state.batches[id] else {
            throw ActionRefusal(.rule, gate: "unknown-batch", "there is no batch \(id)")
        }
        return record
    }

    static func undecided(_ id: String, in state: DeskState) throws(ActionRefusal) {
        if let decision = state.release.decisions[id] {
            throw ActionRefusal(
                .rule, gate: "state-changed",
                "\(id) was \(decision.kind.rawValue) by \(decision.by) at \(decision.at); nothing more can be decided on it"
            )
        }
    }

    static func requireReason(_ text: String) throws(ActionRefusal) -> String {
        try UserAdministration.requireReason(text)
    }

    /// `value` exactly as given; text without visible characters is refused (`DisplayText.hasVisibleText`).
    static func requireText(_ value: String, _ field: String) throws(ActionRefusal) -> String {
        guard DisplayText.hasVisibleText(value) else {
            throw ActionRefusal(.rule, gate: field, "\(field) is required and must hold visible text")
        }
        return value
    }

    static func signed(
        _ request: SigningRequest, by user: UserAccount, expecting expected: String?, digest: Digest
    ) throws(ActionRefusal) -> Signature {
        let signature = request.signature(by: user, digest: digest)
        if let expected, expected != signature.subjectSHA256 {
            throw ActionRefusal(
                .rule, gate: "state-changed",
                "\(request.subject) changed after it was shown to you; look at it again before signing")
        }
        return signature
    }

    static func findException(_ id: String, of record: BatchRecord) throws(ActionRefusal) -> ReviewException {
        guard let exception = record.review?.exceptions.first(where: { $0.id == id }) else {
            throw ActionRefusal(.rule, gate: "unknown-exception", "\(record.batch.id) has no open exception \(id)")
        }
        return exception
    }

    // MARK: - QA: dispositions

    /// What a disposition signs: the exception as raised, the decision and the reason.
    public static func dispositionRequest(
        batch: String, exception id: String, kind: DispositionKind, reason: String, in state: DeskState
    ) throws(ActionRefusal) -> SigningRequest {
        let record = try findBatch(batch, in: state)
        let exception = try findException(id, of: record)
        let content: JSONValue = [
            "batch": .string(batch), "exception": exception.json, "disposition": .string(kind.rawValue),
            "reason": .string(reason),
        ]
        let decision = kind == .justified ? "justify" : "request a re-test for"
        return SigningRequest(
            subject: "exception:\(id)", decision: "\(decision) \(exception.rule) on \(batch)", meaning: .reviewed,
            content: content)
    }

    /// QA justifies an exception or requests a re-test. Blocking exceptions (chain of identity, expiry) cannot
    /// be justified: they need a deviation.
    public static func disposition(
        batch batchID: String, exception id: String, kind: DispositionKind, reason rawReason: String, by actor: String,
        expecting expected: String?, digest: Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .disposition)
        let record = try findBatch(batchID, in: state)
        try undecided(batchID, in: state)
        let exception = try findException(id, of: record)
        try independence(batchID, actor: actor, doing: .qaReview, in: state)
        let reason = try requireReason(rawReason)
        if exception.rule == "OOS" && kind != .deviationOpened {
            throw ActionRefusal(
                .rule, gate: "oos",
                kind == .justified
                    ? "an out-of-specification result is never justified as no impact; sign its laboratory investigation "
                        + "(invalidated with an assignable laboratory cause, or confirmed)"
                    : "a re-test counts only after a laboratory investigation invalidates the OOS result; sign the "
                        + "investigation first (oos-investigation)")
        }
        guard kind != .deviationOpened else {
            throw ActionRefusal(.rule, gate: "use-deviation", "open a deviation to link an exception to it")
        }
        if kind == .justified && exception.blocking {
            throw ActionRefusal(
                .rule, gate: "blocking",
                "\(exception.rule) exceptions block release and cannot be justified; open a deviation and investigate")
        }
        let request = try dispositionRequest(batch: batchID, exception: id, kind: kind, reason: reason, in: state)
        let signature = try signed(request, by: user, expecting: expected, digest: digest)
        return [
            RecordDraft(
                kind: RecordKind.exceptionDispositioned, actor: actor,
                body: naming(
                    superseded: id, in: state,
                    [
                        "batch": .string(batchID), "exception": .string(id), "rule": .string(exception.rule),
                        "disposition": .string(kind.rawValue), "reason": .string(reason), "signature": signature.json,
                    ]))
        ]
    }

    /// `body` with the disposition in force for `exception` named as the one it replaces (`supersedes`: its
    /// seq, `superseded_disposition`: its kind), when there is one (21 CFR 11.10(e): old and new value).
    static func naming(superseded exception: String, in state: DeskState, _ body: [String: JSONValue]) -> [String:
        JSONValue]
    {
        guard let earlier = state.release.disposition(of: exception) else { return body }
        var out = body
        out["supersedes"] = .int(earlier.seq)
        out["superseded_disposition"] = .string(earlier.kind.rawValue)
        return out
    }

    // MARK: - QA: deviations

    /// The id the next deviation gets.
    public static func nextDeviationID(in state: DeskState) -> String {
        let n = state.release.deviationOrder.count + 1
        let digits = String(n)
        return "DEV-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// What opening a deviation signs.
    public static func deviationRequest(
        batch: String, exceptions: [String], classification: Severity, title: String, description: String,
        in state: DeskState
    ) throws(ActionRefusal) -> SigningRequest {
        let record = try findBatch(batch, in: state)
        var raised: [JSONValue] = []
        for id in exceptions { raised.append(try findException(id, of: record).json) }
        let content: JSONValue = [
            "deviation": .string(nextDeviationID(in: state)), "batch": .string(batch), "exceptions": .array(raised),
            "classification": .string(classification.rawValue), "title": .string(title),
            "description": .string(description),
        ]
        return SigningRequest(
            subject: "deviation:\(nextDeviationID(in: state))",
            decision:
                "open a \(classification.rawValue) deviation on \(batch) for \(exceptions.joined(separator: ", "))",
            meaning: .reviewed, content: content)
    }

    /// QA opens a deviation from one or more exceptions of a batch; each exception is dispositioned to it.
    public static func openDeviation(
        batch batchID: String, exceptions: [String], classification: Severity, title rawTitle: String,
        description rawDescription: String, reason rawReason: String, by actor: String, now: Timestamp,
        expecting expected: String?, digest: Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .openDeviation)
        let record = try findBatch(batchID, in: state)
        try undecided(batchID, in: state)
        guard !exceptions.isEmpty else {
            throw ActionRefusal(.rule, gate: "exceptions", "a deviation is opened from at least one exception")
        }
        try independence(batchID, actor: actor, doing: .qaReview, in: state)
        var linked: [ReviewException] = []
        for id in exceptions where !linked.contains(where: { $0.id == id }) {
            linked.append(try findException(id, of: record))
        }
        let worst = linked.map(\.severity).max()!
        guard classification >= worst else {
            throw ActionRefusal(
                .rule, gate: "classification",
                "a deviation from a \(worst.rawValue) exception cannot be classified \(classification.rawValue)")
        }
        let title = try requireText(rawTitle, "title")
        let description = try requireText(rawDescription, "description")
        let reason = try requireReason(rawReason)
        let id = nextDeviationID(in: state)
        let request = try deviationRequest(
            batch: batchID, exceptions: linked.map(\.id), classification: classification, title: title,
            description: description, in: state)
        let signature = try signed(request, by: user, expecting: expected, digest: digest)
        let days =
            state.batches[batchID].flatMap { state.sites[$0.batch.site]?.deviationCloseDays } ?? investigationDays
        let due = now.adding(milliseconds: days * 86_400_000)
        var drafts = [
            RecordDraft(
                kind: RecordKind.deviationOpened, actor: actor,
                body: [
                    "deviation": .string(id), "batch": .string(batchID),
                    "exceptions": .array(linked.map { .string($0.id) }),
                    "classification": .string(classification.rawValue), "title": .string(title),
                    "description": .string(description), "due": .string(due.description), "reason": .string(reason),
                    "signature": signature.json,
                ])
        ]
        for exception in linked {
            drafts.append(
                RecordDraft(
                    kind: RecordKind.exceptionDispositioned, actor: actor,
                    body: naming(
                        superseded: exception.id, in: state,
                        [
                            "batch": .string(batchID), "exception": .string(exception.id),
                            "rule": .string(exception.rule),
                            "disposition": .string(DispositionKind.deviationOpened.rawValue), "deviation": .string(id),
                            "reason": .string(reason), "signature": signature.json,
                        ])))
        }
        return drafts
    }

    static func findDeviation(_ id: String, in state: DeskState) throws(ActionRefusal) -> Deviation {
        guard let deviation = state.release.deviations[id] else {
            throw ActionRefusal(.rule, gate: "unknown-deviation", "there is no deviation \(id)")
        }
        return deviation
    }

    /// The steps of a deviation's life that QA signs.
    public enum DeviationStep: String, Sendable, CaseIterable {
        case approveClassification = "approve-classification"
        case recordInvestigation = "record-investigation"
        case approve
        case approveExtension = "approve-extension"
    }

    /// What a deviation step signs: the deviation as it stands, the step and its fields.
    static func deviationStepRequest(
        _ id: String, step: DeviationStep, fields: [String: JSONValue], in state: DeskState
    ) throws(ActionRefusal) -> SigningRequest {
        let d = try findDeviation(id, in: state)
        var content: [String: JSONValue] = [
            "deviation": .string(id), "batch": .string(d.batch), "classification": .string(d.classification.rawValue),
            "stage": .string(d.stage.rawValue), "title": .string(d.title), "step": .string(step.rawValue),
            "due": .string(d.due.description),
        ]
        for (key, value) in fields { content[key] = value }
        let meaning: SignatureMeaning = step == .recordInvestigation ? .authored : .approved
        let words: String
        switch step {
        case .approveClassification: words = "approve the classification of"
        case .recordInvestigation: words = "record the investigation of"
        case .approve: words = "approve and close"
        case .approveExtension: words = "approve the new due date of"
        }
        return SigningRequest(
            subject: "deviation:\(id)", decision: "\(words) \(id)", meaning: meaning, content: .object(content))
    }

    /// What approving a deviation's classification signs (the class stays as opened unless `classification`).
    public static func classificationRequest(
        _ id: String, classification: Severity?, reason: String, in state: DeskState
    ) throws(ActionRefusal) -> SigningRequest {
        let deviation = try findDeviation(id, in: state)
        let approved = classification ?? deviation.classification
        return try deviationStepRequest(
            id, step: .approveClassification,
            fields: ["approved_classification": .string(approved.rawValue), "reason": .string(reason)], in: state)
    }

    /// What recording an investigation signs.
    public static func investigationRequest(
        _ id: String, _ investigation: Investigation, reason: String, in state: DeskState
    ) throws(ActionRefusal) -> SigningRequest {
        var fields = investigation.fields
        fields["reason"] = .string(reason)
        return try deviationStepRequest(id, step: .recordInvestigation, fields: fields, in: state)
    }

    /// What the closing approval of a deviation signs.
    public static func approvalRequest(_ id: String, reason: String, in state: DeskState) throws(ActionRefusal)
        -> SigningRequest
    {
        try deviationStepRequest(id, step: .approve, fields: ["reason": .string(reason)], in: state)
    }

    /// What approving a deviation's requested due date signs.
    public static func extensionApprovalRequest(_ id: String, reason: String, in state: DeskState) throws(ActionRefusal)
        -> SigningRequest
    {
        let due = (try findDeviation(id, in: state)).requestedDue?.description ?? "-"
        return try deviationStepRequest(
            id, step: .approveExtension, fields: ["new_due": .string(due), "reason": .string(reason)], in: state)
    }

    /// Four-eyes on deviations: whoever opened a deviation or authored its investigation does not approve it
    /// (classification or final approval; the single approval of a minor one).
    public static func fourEyesGate(_ d: Deviation, approver actor: String) -> ActionRefusal? {
        if d.openedBy == actor {
            return ActionRefusal(
                .permission, gate: "four-eyes", "\(actor) opened \(d.id); it is approved by another QA user (four-eyes)"
            )
        }
        if d.investigatedBy.contains(actor) {
            return ActionRefusal(
                .permission, gate: "four-eyes",
                "\(actor) authored the investigation of \(d.id); it is approved by another QA user (four-eyes)")
        }
        return nil
    }

    static func fourEyes(_ d: Deviation, approver actor: String) throws(ActionRefusal) {
        if let refusal = fourEyesGate(d, approver: actor) { throw refusal }
    }

    /// A major or critical deviation: QA approves its classification (optionally changing it), and the
    /// investigation starts.
    public static func approveClassification(
        _ id: String, classification: Severity?, reason rawReason: String, by actor: String,
        expecting expected: String?,
        digest: Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .approveDeviation)
        let d = try findDeviation(id, in: state)
        let reason = try requireReason(rawReason)
        guard d.stage == .open, d.classification != .minor else {
            throw ActionRefusal(
                .rule, gate: "stage",
                d.classification == .minor
                    ? "\(id) is minor: it needs one QA approval (approve), not a classification approval"
                    : "\(id) is \(d.stage.rawValue); its classification was approved already")
        }
        let classification = classification ?? d.classification
        guard classification != .minor else {
            throw ActionRefusal(
                .rule, gate: "classification", "a deviation cannot be downgraded to minor at classification")
        }
        try fourEyes(d, approver: actor)
        try independence(d.batch, actor: actor, doing: .qaReview, in: state)
        let signature = try signed(
            try classificationRequest(id, classification: classification, reason: reason, in: state), by: user,
            expecting: expected, digest: digest)
        return [
            RecordDraft(
                kind: RecordKind.deviationClassificationApproved, actor: actor,
                body: [
                    "deviation": .string(id), "classification": .string(classification.rawValue),
                    "reason": .string(reason),
                    "signature": signature.json,
                ])
        ]
    }

    /// The investigation of a major or critical deviation: root cause, impact and risk, CAPA references or
    /// the rationale for none, and the effectiveness check.
    public struct Investigation: Sendable, Equatable {
        public var rootCause: String
        public var impact: String
        public var capa: [String]
        public var capaRationale: String?
        public var effectivenessCheck: String

        public init(
            rootCause: String, impact: String, capa: [String], capaRationale: String?, effectivenessCheck: String
        ) {
            self.rootCause = rootCause
            self.impact = impact
            self.capa = capa
            self.capaRationale = capaRationale
            self.effectivenessCheck = effectivenessCheck
        }

        var fields: [String: JSONValue] {
            var f: [String: JSONValue] = [
                "root_cause": .string(rootCause), "impact": .string(impact),
                "capa": .array(capa.map { .string($0) }), "effectiveness_check": .string(effectivenessCheck),
            ]
            if let capaRationale { f["capa_rationale"] = .string(capaRationale) }
            return f
        }
    }

    public static func recordInvestigation(
        _ id: String, _ investigation: Investigation, reason rawReason: String, by actor: String,
        expecting expected: String?,
        digest: Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .recordInvestigation)
        let d = try findDeviation(id, in: state)
        try independence(d.batch, actor: actor, doing: .qaReview, in: state)
        guard d.stage == .investigation else {
            throw ActionRefusal(
                .rule, gate: "stage",
                d.stage == .open
                    ? "\(id): the classification must be approved before the investigation is recorded"
                    : "\(id) is \(d.stage.rawValue)")
        }
        _ = try requireText(investigation.rootCause, "root cause")
        _ = try requireText(investigation.impact, "impact")
        _ = try requireText(investigation.effectivenessCheck, "effectiveness check")
        if investigation.capa.isEmpty {
            _ = try requireText(investigation.capaRationale ?? "", "CAPA reference or the rationale for none")
        }
        let reason = try requireReason(rawReason)
        let signature = try signed(
            try investigationRequest(id, investigation, reason: reason, in: state), by: user, expecting: expected,
            digest: digest)
        var body = investigation.fields
        body["deviation"] = .string(id)
        body["reason"] = .string(reason)
        body["signature"] = signature.json
        return [RecordDraft(kind: RecordKind.deviationInvestigationRecorded, actor: actor, body: body)]
    }

    /// The closing QA approval: the single approval of a minor deviation, or the final approval of a major or
    /// critical one after its investigation.
    public static func approve(
        _ id: String, reason rawReason: String, by actor: String, expecting expected: String?, digest: Digest,
        in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .approveDeviation)
        let d = try findDeviation(id, in: state)
        let reason = try requireReason(rawReason)
        let ready = d.classification == .minor ? d.stage == .open : d.stage == .awaitingApproval
        guard ready else {
            let why: String
            switch d.stage {
            case .closed: why = "\(id) is closed already"
            case .open:
                why =
                    "\(id) is \(d.classification.rawValue): approve its classification first, then record the investigation"
            case .investigation: why = "\(id): record the investigation before the final approval"
            case .awaitingApproval: why = "\(id) is \(d.stage.rawValue)"
            }
            throw ActionRefusal(.rule, gate: "stage", why)
        }
        try fourEyes(d, approver: actor)
        try independence(d.batch, actor: actor, doing: .qaReview, in: state)
        let signature = try signed(
            try approvalRequest(id, reason: reason, in: state), by: user,
            expecting: expected, digest: digest)
        return [
            RecordDraft(
                kind: RecordKind.deviationApproved, actor: actor,
                body: ["deviation": .string(id), "reason": .string(reason), "signature": signature.json])
        ]
    }

    /// Asks for a later due date; it moves only when another QA user approves it.
    public static func requestExtension(
        _ id: String, due: Timestamp, reason rawReason: String, by actor: String, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        _ = try state.requireUser(actor, anyOf: [.qa], toDo: "request extensions")
        let d = try findDeviation(id, in: state)
        let reason = try requireReason(rawReason)
        guard d.isOpen else { throw ActionRefusal(.rule, gate: "stage", "\(id) is closed") }
        guard due > d.due else {
            throw ActionRefusal(.rule, gate: "due", "the new due date must be later than \(d.due)")
        }
        return [
            RecordDraft(
                kind: RecordKind.deviationExtensionRequested, actor: actor,
                body: ["deviation": .string(id), "due": .string(due.description), "reason": .string(reason)])
        ]
    }

    /// Approves the requested due date; the approver must not be the requester.
    public static func approveExtension(
        _ id: String, reason rawReason: String, by actor: String, expecting expected: String?, digest: Digest,
        in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .approveExtension)
        let d = try findDeviation(id, in: state)
        let reason = try requireReason(rawReason)
        guard let due = d.requestedDue,
            let request = d.history.last(where: { $0.kind == RecordKind.deviationExtensionRequested })
        else { throw ActionRefusal(.rule, gate: "no-request", "\(id) has no extension request") }
        guard request.by != actor else {
            throw ActionRefusal(
                .rule, gate: "four-eyes", "an extension is approved by someone other than its requester")
        }
        let signature = try signed(
            try extensionApprovalRequest(id, reason: reason, in: state), by: user, expecting: expected, digest: digest)
        return [
            RecordDraft(
                kind: RecordKind.deviationExtensionApproved, actor: actor,
                body: [
                    "deviation": .string(id), "due": .string(due.description), "reason": .string(reason),
                    "signature": signature.json,
                ])
        ]
    }

    /// A comment on a batch (no signature: it decides nothing).
    public static func comment(batch batchID: String, text raw: String, by actor: String, in state: DeskState)
        throws(ActionRefusal)
        -> [RecordDraft]
    {
        _ = try state.requireUser(actor, anyOf: [.qa, .qp, .supervisor], toDo: "comment")
        _ = try findBatch(batchID, in: state)
        let text = try requireText(raw, "comment")
        return [
            RecordDraft(
                kind: RecordKind.batchCommented, actor: actor,
                body: ["batch": .string(batchID), "reason": .string(text)])
        ]
    }

    /// QA (or a supervisor) assigns a batch to a QA user for review. Not signed: it decides nothing about quality.
    public static func assign(batch batchID: String, to assignee: String, by actor: String, in state: DeskState)
        throws(ActionRefusal)
        -> [RecordDraft]
    {
        _ = try state.requireUser(actor, anyOf: [.qa, .supervisor], toDo: "assign batches")
        _ = try findBatch(batchID, in: state)
        guard let user = state.users[assignee], user.roles.contains(.qa), !user.isLocked else {
            throw ActionRefusal(.rule, gate: "assignee", "\(assignee) is not an active QA user")
        }
        if state.release.assignments[batchID]?.by == assignee {
            throw ActionRefusal(.rule, gate: "assigned-already", "\(batchID) is assigned to \(assignee) already")
        }
        return [
            RecordDraft(
                kind: RecordKind.batchAssigned, actor: actor,
                body: ["batch": .string(batchID), "assignee": .string(assignee)])
        ]
    }

    /// QA (or a supervisor) removes a batch's assignment: nobody in QA is named for its review any more. Not
    /// signed, journaled as the assignment is; the record names who was assigned.
    public static func unassign(batch batchID: String, by actor: String, in state: DeskState) throws(ActionRefusal)
        -> [RecordDraft]
    {
        _ = try state.requireUser(actor, anyOf: [.qa, .supervisor], toDo: "remove assignments")
        _ = try findBatch(batchID, in: state)
        guard let assignment = state.release.assignments[batchID] else {
            throw ActionRefusal(.rule, gate: "not-assigned", "\(batchID) is not assigned to anyone")
        }
        return [
            RecordDraft(
                kind: RecordKind.batchUnassigned, actor: actor,
                body: ["batch": .string(batchID), "assignee": .string(assignment.by)])
        ]
    }

    // MARK: - QP

    /// Every gate that stands between `batchID` and certification by `actor`, as refusals (empty: none).
    public static func certificationGates(_ batchID: String, by actor: String, now: Timestamp, in state: DeskState)
        -> [ActionRefusal]
    {
        var gates: [ActionRefusal] = []
        do throws(ActionRefusal) {
            _ = try state.requireUser(actor, for: .certify)
        } catch {
            gates.append(error)
        }
        guard let record = state.batches[batchID] else {
            return gates + [ActionRefusal(.rule, gate: "unknown-batch", "there is no batch \(batchID)")]
        }
        let id = batchID
        if let decision = state.release.decisions[id] {
            gates.append(
                ActionRefusal(
                    .rule, gate: "state-changed",
                    "\(id) was \(decision.kind.rawValue) by \(decision.by) at \(decision.at)"))
        }
        if record.batch.manufactureEnd == nil {
            gates.append(ActionRefusal(.rule, gate: "in-manufacture", "\(id) is still in manufacture"))
        }
        if record.needsReview {
            gates.append(ActionRefusal(.rule, gate: "review", "\(id) has data not yet reviewed by the rule engine"))
        }
        let exceptions = record.review?.exceptions ?? []
        let product = state.products[record.batch.product]
        var undispositioned: [String] = []
        var blockingPending: [String] = []
        var retests: [String] = []
        var unresolvedBlocking: [String] = []
        for exception in exceptions {
            let standing = state.exceptionState(exception, of: id)
            if exception.rule == "PENDING" {
                // Staged certification: a result that may follow release is recorded as pending, not a gate.
                let attribute = exception.id.split(separator: "-").last.map(String.init) ?? ""
                let mayFollow =
                    product?.attributes.first { exception.id.hasSuffix("-" + $0.id) }?.mayFollowRelease ?? false
                if !mayFollow && !standing.isResolved { blockingPending.append(attribute) }
                continue
            }
            // OOS exceptions are the `oos` gate's: only their laboratory investigations settle them.
            if exception.rule == "OOS" { continue }
            switch standing {
            case .open: undispositioned.append(exception.id)
            case .retestRequested: retests.append(exception.id)
            default: break
            }
            if exception.blocking && exception.rule != "COI" && !standing.isResolved {
                unresolvedBlocking.append(exception.id)
            }
        }
        if !undispositioned.isEmpty {
            gates.append(
                ActionRefusal(
                    .rule, gate: "undispositioned-exceptions",
                    "\(undispositioned.count) exception(s) of \(id) are not dispositioned: \(undispositioned.joined(separator: ", "))"
                ))
        }
        if let oos = state.oosGate(id) { gates.append(oos) }
        if !blockingPending.isEmpty {
            gates.append(ActionRefusal(.rule, gate: "pending-tests", "release needs results still pending for \(id)"))
        }
        if !retests.isEmpty {
            gates.append(
                ActionRefusal(
                    .rule, gate: "retest-pending",
                    "re-tests requested for \(retests.joined(separator: ", ")) have not come back"))
        }
        if !unresolvedBlocking.isEmpty {
            gates.append(
                ActionRefusal(
                    .rule, gate: "blocking",
                    "blocking exception(s) not resolved by a closed deviation: \(unresolvedBlocking.joined(separator: ", "))"
                ))
        }
        let open = state.release.deviations(of: id).filter { $0.isOpen && $0.classification != .minor }
        if !open.isEmpty {
            gates.append(
                ActionRefusal(
                    .rule, gate: "open-deviation",
                    "major or critical deviation(s) open: \(open.map(\.id).joined(separator: ", "))"))
        }
        let identity = exceptions.filter { $0.rule == "COI" && !state.exceptionState($0, of: id).isResolved }
        if !identity.isEmpty || (product?.modality == "autologous" && record.batch.coi == nil) {
            gates.append(
                ActionRefusal(.rule, gate: "chain-of-identity", "the chain of identity of \(id) is not verified"))
        }
        if record.review?.quietSample == true && !record.isFullyReviewed(in: state.release) {
            gates.append(
                ActionRefusal(
                    .rule, gate: "full-review",
                    "\(id) was chosen for full review by quiet-batch sampling; QA signs its full review before the QP may certify"
                ))
        }
        if record.batch.expiry <= now {
            gates.append(ActionRefusal(.rule, gate: "expired", "\(id) expired at \(record.batch.expiry)"))
        }
        if state.release.holds[id] != nil {
            gates.append(ActionRefusal(.rule, gate: "on-hold", "\(id) is on hold"))
        }
        if let gate = siteGate(record, in: state) { gates.append(gate) }
        if let gate = independenceGate(id, actor: actor, doing: .certification, in: state) { gates.append(gate) }
        if let gate = auditTrailGate(id, in: state) { gates.append(gate) }
        return gates
    }

    /// What a certification signs: exactly the compiled disposition record.
    public static func certificationRequest(_ batchID: String, in state: DeskState) throws(ActionRefusal)
        -> SigningRequest
    {
        let record = try findBatch(batchID, in: state)
        return SigningRequest(
            subject: "batch:\(batchID)", decision: "certify \(batchID) for release", meaning: .certified,
            content: DispositionReport(record: record, state: state).json)
    }

    /// The QP certifies a batch: every gate closed, every checklist item answered yes.
    public static func certify(
        _ batchID: String, answers: [String: Bool], reason rawReason: String, by actor: String, now: Timestamp,
        expecting expected: String?, digest: Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        if answers["results-meet-specification"] == true {
            let confirmed = state.oosStandings(batchID).flatMap(\.confirmed)
            if !confirmed.isEmpty {
                throw ActionRefusal(
                    .rule, gate: "oos",
                    "\"results meet specification\" cannot be answered yes: OOS confirmed for "
                        + confirmed.map { "\($0.attribute) (result \($0.id))" }.joined(separator: ", "))
            }
        }
        if let first = certificationGates(batchID, by: actor, now: now, in: state).first { throw first }
        let user = try state.requireUser(actor, for: .certify)
        let reason = try requireReason(rawReason)
        for item in checklist where answers[item.id] != true {
            throw ActionRefusal(
                .rule, gate: "checklist",
                "checklist item \"\(item.question)\" is not answered yes; reject or hold instead")
        }
        let request = try certificationRequest(batchID, in: state)
        let signature = try signed(request, by: user, expecting: expected, digest: digest)
        let record = state.batches[batchID]!
        let pending = (record.review?.exceptions ?? []).filter { $0.rule == "PENDING" }.map(\.id)
        return [
            RecordDraft(
                kind: RecordKind.batchCertified, actor: actor,
                body: [
                    "batch": .string(batchID), "reason": .string(reason), "signature": signature.json,
                    "checklist": .array(checklist.map { ["item": .string($0.id), "answer": .bool(true)] }),
                    "pending_tests": .array(pending.map { .string($0) }),
                ])
        ]
    }

    /// What a rejection, hold or release from hold signs: the compiled disposition record and the decision.
    public static func decisionRequest(_ batchID: String, meaning: SignatureMeaning, in state: DeskState)
        throws(ActionRefusal)
        -> SigningRequest
    {
        let record = try findBatch(batchID, in: state)
        let words: String
        switch meaning {
        case .rejected: words = "reject"
        case .held: words = "put on hold"
        default: words = "release from hold"
        }
        return SigningRequest(
            subject: "batch:\(batchID)", decision: "\(words) \(batchID)", meaning: meaning,
            content: DispositionReport(record: record, state: state).json)
    }

    /// The QP rejects a batch (final).
    public static func reject(
        _ batchID: String, reason rawReason: String, by actor: String, expecting expected: String?, digest: Digest,
        in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .reject)
        _ = try findBatch(batchID, in: state)
        try undecided(batchID, in: state)
        let reason = try requireReason(rawReason)
        let signature = try signed(
            try decisionRequest(batchID, meaning: .rejected, in: state), by: user, expecting: expected, digest: digest)
        return [
            RecordDraft(
                kind: RecordKind.batchRejected, actor: actor,
                body: ["batch": .string(batchID), "reason": .string(reason), "signature": signature.json])
        ]
    }

    /// The QP puts a batch on hold, or releases it from hold.
    public static func hold(
        _ batchID: String, on: Bool, reason rawReason: String, by actor: String, expecting expected: String?,
        digest: Digest,
        in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: on ? .hold : .unhold)
        _ = try findBatch(batchID, in: state)
        try undecided(batchID, in: state)
        let reason = try requireReason(rawReason)
        let held = state.release.holds[batchID] != nil
        if on && held { throw ActionRefusal(.rule, gate: "on-hold", "\(batchID) is on hold already") }
        if !on && !held { throw ActionRefusal(.rule, gate: "not-on-hold", "\(batchID) is not on hold") }
        let meaning: SignatureMeaning = on ? .held : .holdReleased
        let signature = try signed(
            try decisionRequest(batchID, meaning: meaning, in: state), by: user, expecting: expected, digest: digest)
        return [
            RecordDraft(
                kind: on ? RecordKind.batchHeld : RecordKind.batchHoldReleased, actor: actor,
                body: ["batch": .string(batchID), "reason": .string(reason), "signature": signature.json])
        ]
    }
}
