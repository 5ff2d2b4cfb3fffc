import CanonicalJSON

/// Every signed decision of the product, named once, with the fields it needs.
///
/// The command line and the workstation both build one of these from what the user gave them; the services
/// run it (`Desk.sign`): sign-in, integrity check, the digest of what was shown, and `perform` under the
/// journal lock on fresh state. A new signed action is a new case here, its rule in `ReleaseRules`, a
/// dialog spec in the workstation and a command in the CLI.
public enum SignedAction: Equatable, Sendable {
    case disposition(batch: String, exception: String, kind: DispositionKind, reason: String)
    case openDeviation(
        batch: String, exceptions: [String], classification: Severity, title: String, description: String,
        reason: String)
    /// The classification of a major or critical deviation approved, optionally changed (`classification`).
    case approveClassification(deviation: String, classification: Severity?, reason: String)
    case recordInvestigation(deviation: String, investigation: ReleaseRules.Investigation, reason: String)
    case approveDeviation(deviation: String, reason: String)
    case approveExtension(deviation: String, reason: String)
    case certify(batch: String, answers: [String: Bool], reason: String)
    case reject(batch: String, reason: String)
    case hold(batch: String, on: Bool, reason: String)
    /// The review of a batch's audit trail through record `through` (nil: the last record of its trail).
    case reviewAuditTrail(batch: String, through: Int64?, reason: String)
    case investigateOOS(batch: String, result: String, outcome: OOSOutcome, cause: String?, reason: String)
    case fullReview(batch: String, reason: String)
    /// A step of the supply of an out-of-specification batch (request, evaluation, acceptance, notification).
    case oosSupplyStep(batch: String, step: ReleaseRules.OOSStep, reason: String)
    case supplyOOS(batch: String, reason: String)
    /// A site suspended (`suspend`) or reinstated by a supervisor.
    case siteStatus(site: String, suspend: Bool, reason: String)

    /// Which action, without its fields: what a dialog or a permission check needs before the fields are known.
    public enum Kind: String, CaseIterable, Sendable {
        case disposition = "exception.disposition"
        case openDeviation = "deviation.open"
        case approveClassification = "deviation.approve-classification"
        case recordInvestigation = "deviation.investigate"
        case approveDeviation = "deviation.approve"
        case approveExtension = "deviation.approve-extension"
        case certify = "batch.certify"
        case reject = "batch.reject"
        case hold = "batch.hold"
        case unhold = "batch.unhold"
        case reviewAuditTrail = "batch.audit-review"
        case investigateOOS = "qc.oos_investigation"
        case fullReview = "batch.full_review"
        case oosSupplyStep = "batch.oos-supply"
        case supplyOOS = "batch.oos-supply:supply"
        case suspendSite = "site.suspend"
        case reinstateSite = "site.reinstate"

        /// The action's name in the journal (a refusal's `action`, the sign-in channel of the command line).
        public var name: String { self == .supplyOOS ? Kind.oosSupplyStep.rawValue : rawValue }

        /// Who may take the action, and the words a refusal uses ("… may not <words>"). The rules check it
        /// (`DeskState.requireUser(_:for:)`); the workstation checks it as a dialog opens. The roles of the
        /// supply steps depend on the step (`ReleaseRules.OOSStep.roles`); this is the widest of them.
        public var permission: (roles: Set<Role>, toDo: String) {
            switch self {
            case .disposition: return ([.qa], "disposition exceptions")
            case .openDeviation: return ([.qa], "open deviations")
            case .approveClassification, .approveDeviation: return ([.qa], "approve deviations")
            case .recordInvestigation: return ([.qa], "record investigations")
            case .approveExtension: return ([.qa], "approve extensions")
            case .certify: return ([.qp], "certify batches")
            case .reject: return ([.qp], "reject batches")
            case .hold: return ([.qp], "hold batches")
            case .unhold: return ([.qp], "release batches from hold")
            case .reviewAuditTrail: return ([.supervisor, .qa], "review audit trails")
            case .investigateOOS: return ([.qa], "sign OOS investigations")
            case .fullReview: return ([.qa], "sign full reviews")
            case .oosSupplyStep: return ([.qp, .qa], "record OOS supply steps")
            case .supplyOOS: return ([.qp], "supply batches")
            case .suspendSite: return ([.supervisor], "suspend sites")
            case .reinstateSite: return ([.supervisor], "reinstate sites")
            }
        }
    }

    /// Which action this is.
    public var kind: Kind {
        switch self {
        case .disposition: return .disposition
        case .openDeviation: return .openDeviation
        case .approveClassification: return .approveClassification
        case .recordInvestigation: return .recordInvestigation
        case .approveDeviation: return .approveDeviation
        case .approveExtension: return .approveExtension
        case .certify: return .certify
        case .reject: return .reject
        case .hold(_, let on, _): return on ? .hold : .unhold
        case .reviewAuditTrail: return .reviewAuditTrail
        case .investigateOOS: return .investigateOOS
        case .fullReview: return .fullReview
        case .oosSupplyStep: return .oosSupplyStep
        case .supplyOOS: return .supplyOOS
        case .siteStatus(_, let suspend, _): return suspend ? .suspendSite : .reinstateSite
        }
    }

    /// The action's name in the journal (a refusal's `action`, the sign-in channel of the command line).
    public var name: String { kind.name }

    /// What the action is about, so that a refusal lands in the batch's audit trail.
    public var subject: ActionSubject {
        switch self {
        case .disposition(let batch, _, _, _), .openDeviation(let batch, _, _, _, _, _), .certify(let batch, _, _),
            .reject(let batch, _),
            .hold(let batch, _, _), .reviewAuditTrail(let batch, _, _), .investigateOOS(let batch, _, _, _, _),
            .fullReview(let batch, _), .oosSupplyStep(let batch, _, _), .supplyOOS(let batch, _):
            return .batch(batch)
        case .approveClassification(let id, _, _), .recordInvestigation(let id, _, _), .approveDeviation(let id, _),
            .approveExtension(let id, _):
            return .deviation(id)
        case .siteStatus(let site, _, _):
            return .site(site)
        }
    }

    /// What the signer will see and sign.
    public func request(in state: DeskState) throws(ActionRefusal) -> SigningRequest {
        switch self {
        case .disposition(let batch, let exception, let kind, let reason):
            return try ReleaseRules.dispositionRequest(
                batch: batch, exception: exception, kind: kind, reason: reason, in: state)
        case .openDeviation(let batch, let exceptions, let classification, let title, let description, _):
            return try ReleaseRules.deviationRequest(
                batch: batch, exceptions: exceptions, classification: classification, title: title,
                description: description,
                in: state)
        case .approveClassification(let id, let classification, let reason):
            return try ReleaseRules.classificationRequest(id, classification: classification, reason: reason, in: state)
        case .recordInvestigation(let id, let investigation, let reason):
            return try ReleaseRules.investigationRequest(id, investigation, reason: reason, in: state)
        case .approveDeviation(let id, let reason):
            return try ReleaseRules.approvalRequest(id, reason: reason, in: state)
        case .approveExtension(let id, let reason):
            return try ReleaseRules.extensionApprovalRequest(id, reason: reason, in: state)
        case .certify(let batch, _, _):
            return try ReleaseRules.certificationRequest(batch, in: state)
        case .reject(let batch, _):
            return try ReleaseRules.decisionRequest(batch, meaning: .rejected, in: state)
        case .hold(let batch, let on, _):
            return try ReleaseRules.decisionRequest(batch, meaning: on ? .held : .holdReleased, in: state)
        case .reviewAuditTrail(let batch, let through, _):
            return try ReleaseRules.auditTrailReviewRequest(batch, through: through, in: state)
        case .investigateOOS(let batch, let result, let outcome, let cause, _):
            return try ReleaseRules.oosInvestigationRequest(
                batch: batch, result: result, outcome: outcome, cause: cause, in: state)
        case .fullReview(let batch, _):
            return try ReleaseRules.fullReviewRequest(batch, in: state)
        case .oosSupplyStep(let batch, let step, let reason):
            return try ReleaseRules.oosStepRequest(batch, step, reason: reason, in: state)
        case .supplyOOS(let batch, _):
            return try ReleaseRules.oosSupplyRequest(batch, in: state)
        case .siteStatus(let site, let suspend, let reason):
            return try ReleaseRules.siteStatusRequest(site, suspend: suspend, reason: reason, in: state)
        }
    }

    /// The refusal the action would meet now, before any password is asked: the same rule as `perform`,
    /// run on `state` without a signature to compare (see `SigningPrecheck`). Nil when it would go through.
    public func precheck(by actor: String, now: Timestamp, in state: DeskState) -> ActionRefusal? {
        SigningPrecheck.refusal { expected, digest throws(ActionRefusal) in
            try perform(by: actor, now: now, expecting: expected, digest: digest, in: state)
        }
    }

    /// The records the action writes, checked against `state` (run under the journal lock). `expected` is
    /// the digest of what the signer was shown: the rule refuses when the content it signs now differs.
    public func perform(
        by actor: String, now: Timestamp, expecting expected: String?, digest: ReleaseRules.Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        switch self {
        case .disposition(let batch, let exception, let kind, let reason):
            return try ReleaseRules.disposition(
                batch: batch, exception: exception, kind: kind, reason: reason, by: actor, expecting: expected,
                digest: digest,
                in: state)
        case .openDeviation(let batch, let exceptions, let classification, let title, let description, let reason):
            return try ReleaseRules.openDeviation(
                batch: batch, exceptions: exceptions, classification: classification, title: title,
                description: description,
                reason: reason, by: actor, now: now, expecting: expected, digest: digest, in: state)
        case .approveClassification(let id, let classification, let reason):
            return try ReleaseRules.approveClassification(
                id, classification: classification, reason: reason, by: actor, expecting: expected, digest: digest,
                in: state)
        case .recordInvestigation(let id, let investigation, let reason):
            return try ReleaseRules.recordInvestigation(
                id, investigation, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .approveDeviation(let id, let reason):
            return try ReleaseRules.approve(
                id, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .approveExtension(let id, let reason):
            return try ReleaseRules.approveExtension(
                id, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .certify(let batch, let answers, let reason):
            return try ReleaseRules.certify(
                batch, answers: answers, reason: reason, by: actor, now: now, expecting: expected, digest: digest,
                in: state)
        case .reject(let batch, let reason):
            return try ReleaseRules.reject(
                batch, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .hold(let batch, let on, let reason):
            return try ReleaseRules.hold(
                batch, on: on, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .reviewAuditTrail(let batch, let through, let reason):
            return try ReleaseRules.reviewAuditTrail(
                batch, through: through, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .investigateOOS(let batch, let result, let outcome, let cause, let reason):
            return try ReleaseRules.investigateOOS(
                batch: batch, result: result, outcome: outcome, cause: cause, reason: reason, by: actor,
                expecting: expected,
                digest: digest, in: state)
        case .fullReview(let batch, let reason):
            return try ReleaseRules.fullReview(
                batch, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .oosSupplyStep(let batch, let step, let reason):
            return try ReleaseRules.recordOOSStep(
                batch, step, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .supplyOOS(let batch, let reason):
            return try ReleaseRules.supplyOOS(
                batch, reason: reason, by: actor, now: now, expecting: expected, digest: digest, in: state)
        case .siteStatus(let site, let suspend, let reason):
            return try ReleaseRules.setSiteStatus(
                site, suspend: suspend, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        }
    }
}

extension DeskState {
    /// The signed-in account of `id` when it may take actions of `kind` (`SignedAction.Kind.permission`), or
    /// the refusal naming its gate.
    public func requireUser(_ id: String, for kind: SignedAction.Kind) throws(ActionRefusal) -> UserAccount {
        let permission = kind.permission
        return try requireUser(id, anyOf: permission.roles, toDo: permission.toDo)
    }
}
