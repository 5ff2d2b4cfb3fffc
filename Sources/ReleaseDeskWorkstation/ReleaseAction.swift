import CanonicalJSON
import ReleaseDeskCore

/// A signed decision taken in the workstation: what the dialog collected, ready to be shown for signature
/// and performed under the journal lock.
public enum ReleaseAction: Equatable, Sendable {
    case disposition(batch: String, exception: String, kind: DispositionKind, reason: String)
    case openDeviation(batch: String, exceptions: [String], classification: Severity, title: String, description: String, reason: String)
    case approveClassification(deviation: String, reason: String)
    case approveDeviation(deviation: String, reason: String)
    case recordInvestigation(
        deviation: String, rootCause: String, impact: String, capa: [String], capaRationale: String?, effectivenessCheck: String,
        reason: String)
    case certify(batch: String, answers: [String: Bool], reason: String)
    case reject(batch: String, reason: String)
    case hold(batch: String, on: Bool, reason: String)
    case reviewAuditTrail(batch: String, through: Int64, reason: String)
    case investigateOOS(batch: String, result: String, outcome: OOSOutcome, cause: String?, reason: String)
    case fullReview(batch: String, reason: String)

    /// The journal action name (for refusals).
    public var name: String {
        switch self {
        case .disposition: return "exception.disposition"
        case .openDeviation: return "deviation.open"
        case .approveClassification: return "deviation.approve-classification"
        case .approveDeviation: return "deviation.approve"
        case .recordInvestigation: return "deviation.investigate"
        case .certify: return "batch.certify"
        case .reject: return "batch.reject"
        case .hold(_, let on, _): return on ? "batch.hold" : "batch.unhold"
        case .reviewAuditTrail: return "batch.audit-review"
        case .investigateOOS: return "qc.oos_investigation"
        case .fullReview: return "batch.full_review"
        }
    }

    /// What the action is about, so that a refusal lands in the batch's audit trail.
    public var subject: ActionSubject {
        switch self {
        case .disposition(let batch, _, _, _), .openDeviation(let batch, _, _, _, _, _), .certify(let batch, _, _), .reject(let batch, _),
            .hold(let batch, _, _), .reviewAuditTrail(let batch, _, _), .investigateOOS(let batch, _, _, _, _),
            .fullReview(let batch, _):
            return .batch(batch)
        case .approveClassification(let id, _), .approveDeviation(let id, _), .recordInvestigation(let id, _, _, _, _, _, _):
            return .deviation(id)
        }
    }

    /// What the signer will see and sign.
    public func request(in state: DeskState) throws(ActionRefusal) -> SigningRequest {
        switch self {
        case .disposition(let batch, let exception, let kind, let reason):
            return try ReleaseRules.dispositionRequest(batch: batch, exception: exception, kind: kind, reason: reason, in: state)
        case .openDeviation(let batch, let exceptions, let classification, let title, let description, _):
            return try ReleaseRules.deviationRequest(
                batch: batch, exceptions: exceptions, classification: classification, title: title, description: description,
                in: state)
        case .approveClassification(let id, let reason):
            return try ReleaseRules.classificationRequest(id, classification: nil, reason: reason, in: state)
        case .approveDeviation(let id, let reason):
            return try ReleaseRules.approvalRequest(id, reason: reason, in: state)
        case .recordInvestigation(let id, let rootCause, let impact, let capa, let rationale, let check, let reason):
            let investigation = ReleaseRules.Investigation(
                rootCause: rootCause, impact: impact, capa: capa, capaRationale: rationale, effectivenessCheck: check)
            return try ReleaseRules.investigationRequest(id, investigation, reason: reason, in: state)
        case .certify(let batch, _, _):
            return try ReleaseRules.certificationRequest(batch, in: state)
        case .reject(let batch, _):
            return try ReleaseRules.decisionRequest(batch, meaning: .rejected, in: state)
        case .hold(let batch, let on, _):
            return try ReleaseRules.decisionRequest(batch, meaning: on ? .held : .holdReleased, in: state)
        case .reviewAuditTrail(let batch, let through, _):
            return try ReleaseRules.auditTrailReviewRequest(batch, through: through, in: state)
        case .investigateOOS(let batch, let result, let outcome, let cause, _):
            return try ReleaseRules.oosInvestigationRequest(batch: batch, result: result, outcome: outcome, cause: cause, in: state)
        case .fullReview(let batch, _):
            return try ReleaseRules.fullReviewRequest(batch, in: state)
        }
    }

    /// The refusal the action would meet now, before any password is asked: the same rule as `perform`,
    /// run on `state` without a signature to compare (see `SigningPrecheck`). Nil when it would go through.
    public func precheck(by actor: String, now: Timestamp, in state: DeskState) -> ActionRefusal? {
        SigningPrecheck.refusal { expected, digest throws(ActionRefusal) in
            try perform(by: actor, now: now, expecting: expected, digest: digest, in: state)
        }
    }

    /// The records the action writes, checked against `state` (run under the journal lock).
    public func perform(
        by actor: String, now: Timestamp, expecting expected: String?, digest: ReleaseRules.Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        switch self {
        case .disposition(let batch, let exception, let kind, let reason):
            return try ReleaseRules.disposition(
                batch: batch, exception: exception, kind: kind, reason: reason, by: actor, expecting: expected, digest: digest,
                in: state)
        case .openDeviation(let batch, let exceptions, let classification, let title, let description, let reason):
            return try ReleaseRules.openDeviation(
                batch: batch, exceptions: exceptions, classification: classification, title: title, description: description,
                reason: reason, by: actor, now: now, expecting: expected, digest: digest, in: state)
        case .approveClassification(let id, let reason):
            return try ReleaseRules.approveClassification(
                id, classification: nil, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .approveDeviation(let id, let reason):
            return try ReleaseRules.approve(id, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .recordInvestigation(let id, let rootCause, let impact, let capa, let rationale, let check, let reason):
            let investigation = ReleaseRules.Investigation(
                rootCause: rootCause, impact: impact, capa: capa, capaRationale: rationale, effectivenessCheck: check)
            return try ReleaseRules.recordInvestigation(
                id, investigation, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .certify(let batch, let answers, let reason):
            return try ReleaseRules.certify(
                batch, answers: answers, reason: reason, by: actor, now: now, expecting: expected, digest: digest, in: state)
        case .reject(let batch, let reason):
            return try ReleaseRules.reject(batch, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .hold(let batch, let on, let reason):
            return try ReleaseRules.hold(batch, on: on, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .reviewAuditTrail(let batch, let through, let reason):
            return try ReleaseRules.reviewAuditTrail(
                batch, through: through, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        case .investigateOOS(let batch, let result, let outcome, let cause, let reason):
            return try ReleaseRules.investigateOOS(
                batch: batch, result: result, outcome: outcome, cause: cause, reason: reason, by: actor, expecting: expected,
                digest: digest, in: state)
        case .fullReview(let batch, let reason):
            return try ReleaseRules.fullReview(batch, reason: reason, by: actor, expecting: expected, digest: digest, in: state)
        }
    }
}
