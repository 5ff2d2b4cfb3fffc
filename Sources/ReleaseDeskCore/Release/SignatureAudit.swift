import CanonicalJSON

/// The deep check of signatures (21 CFR 11.70): every signature in the journal must be bound to exactly the
/// content it signed. For a signed record, the request the rule showed its signer is rebuilt from the
/// record's body and the state just before the record, and the signature's fields are compared with it and
/// with the record. Pure: the caller folds the journal and supplies the digest (SHA-256 of canonical JSON).
///
/// `docs/journal-format.md` ("Deep verification of signatures") describes the same rebuilding for an
/// independent verifier.
public enum SignatureAudit {
    /// One signature that does not match what it claims to sign.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var seq: Int64
        public var kind: String
        public var batch: String?
        public var problem: String

        public init(seq: Int64, kind: String, batch: String?, problem: String) {
            self.seq = seq
            self.kind = kind
            self.batch = batch
            self.problem = problem
        }

        public var description: String {
            "record \(seq) (\(kind)\(batch.map { ", batch \($0)" } ?? "")): \(problem)"
        }
    }

    /// Every kind the product writes with a signature. A record of another kind that carries a signature is
    /// reported, so a new signed kind cannot pass unchecked.
    public static let signedKinds: Set<String> = [
        RecordKind.exceptionDispositioned, RecordKind.deviationOpened, RecordKind.deviationClassificationApproved,
        RecordKind.deviationInvestigationRecorded, RecordKind.deviationApproved, RecordKind.deviationExtensionApproved,
        RecordKind.batchCertified, RecordKind.batchRejected, RecordKind.batchHeld, RecordKind.batchHoldReleased,
        RecordKind.auditTrailReviewed, RecordKind.oosSupplyRequested, RecordKind.oosRiskEvaluated,
        RecordKind.oosSupplyAccepted, RecordKind.oosNotified, RecordKind.oosSupplied,
        RecordKind.integrityAlarmAcknowledged,
        RecordKind.oosInvestigated, RecordKind.batchFullReviewed, RecordKind.siteSuspended, RecordKind.siteReinstated,
    ]

    /// Kinds whose body repeats the signed content field for field (plus `reason` and `signature`): each of
    /// those fields must be exactly what was signed, not only the digest.
    public static let bodyHoldsContent: Set<String> = [
        RecordKind.auditTrailReviewed, RecordKind.oosSupplyRequested, RecordKind.oosRiskEvaluated,
        RecordKind.oosSupplyAccepted,
        RecordKind.oosNotified, RecordKind.integrityAlarmAcknowledged,
    ]

    /// What a signed record's signature must be: the request to rebuild, or (for the dispositions written
    /// with a deviation's opening) the opening's own signature.
    enum Expectation {
        case request(SigningRequest)
        case sameAs(Signature, what: String)
    }

    /// Whether `record` may carry a signature and, if it does, whether the signature matches what it signs.
    /// `state` is the state folded from every record before this one. Returns nil when there is nothing wrong
    /// (including records that carry no signature and need none).
    public static func check(_ record: Record, before state: DeskState, digest: ReleaseRules.Digest) -> Finding? {
        let body = record.body
        let batch = batchOf(record, in: state)
        func finding(_ problem: String) -> Finding {
            Finding(seq: record.seq, kind: record.kind, batch: batch, problem: problem)
        }
        guard signedKinds.contains(record.kind) else {
            if body["signature"] != nil {
                return finding(
                    "carries a signature, but the deep check does not know what a \(record.kind) record signs")
            }
            return nil
        }
        guard let raw = body["signature"] else { return finding("a signed kind without a signature") }
        guard let signature = Signature.decode(raw) else { return finding("the signature is not well formed") }
        guard signature.user == record.actor else {
            return finding("signed by \(signature.user), but the record's actor is \(record.actor)")
        }
        guard let user = state.users[record.actor] else {
            return finding("signed by \(record.actor), who was not enrolled at that point")
        }
        guard signature.name == user.name else {
            return finding("the printed name \"\(signature.name)\" is not \(record.actor)'s name \"\(user.name)\"")
        }
        let expectation: Expectation
        do throws(SignatureAuditProblem) {
            expectation = try expected(for: record, before: state)
        } catch {
            return finding(error.message)
        }
        switch expectation {
        case .sameAs(let opening, let what):
            guard signature == opening else {
                return finding("the signature is not the signature of \(what) it was written with")
            }
        case .request(let request):
            guard signature.meaning == request.meaning else {
                return finding(
                    "meaning \(signature.meaning.rawValue), but a \(record.kind) record is signed \(request.meaning.rawValue)"
                )
            }
            guard signature.subject == request.subject else {
                return finding("subject \(signature.subject), but the record signs \(request.subject)")
            }
            if bodyHoldsContent.contains(record.kind), let content = request.content.objectValue {
                for key in content.keys.sorted() where body[key] != content[key] {
                    return finding("the body's \(key) is not what was signed")
                }
            }
            let recomputed = digest(request.content)
            guard signature.subjectSHA256 == recomputed else {
                return finding(
                    "subject_sha256 \(signature.subjectSHA256.prefix(16))… does not match the signed content rebuilt from the journal (\(recomputed.prefix(16))…)"
                )
            }
        }
        return nil
    }

    /// The batch a record is about, for findings: its `batch` field, or its deviation's batch.
    public static func batchOf(_ record: Record, in state: DeskState) -> String? {
        if let batch = record.body["batch"]?.stringValue { return batch }
        if let deviation = record.body["deviation"]?.stringValue { return state.release.deviations[deviation]?.batch }
        return nil
    }

    /// Why a request could not be rebuilt.
    struct SignatureAuditProblem: Error {
        var message: String
    }

    static func text(_ body: [String: JSONValue], _ field: String) throws(SignatureAuditProblem) -> String {
        guard let value = body[field]?.stringValue else {
            throw SignatureAuditProblem(message: "the body has no text field \(field)")
        }
        return value
    }

    static func rebuilt(_ build: () throws(ActionRefusal) -> SigningRequest) throws(SignatureAuditProblem)
        -> Expectation
    {
        do throws(ActionRefusal) {
            return .request(try build())
        } catch {
            throw SignatureAuditProblem(
                message: "what it signs cannot be rebuilt at this point of the journal: \(error.message)")
        }
    }

    /// The expectation for a signed record, rebuilt from its body and the state before it.
    static func expected(for record: Record, before state: DeskState) throws(SignatureAuditProblem) -> Expectation {
        let b = record.body
        switch record.kind {
        case RecordKind.exceptionDispositioned:
            let batch = try text(b, "batch")
            let exception = try text(b, "exception")
            let kindText = try text(b, "disposition")
            guard let kind = DispositionKind(rawValue: kindText) else {
                throw SignatureAuditProblem(message: "unknown disposition \(kindText)")
            }
            if kind == .deviationOpened {
                let id = try text(b, "deviation")
                guard let deviation = state.release.deviations[id],
                    let opening = deviation.history.first(where: { $0.kind == RecordKind.deviationOpened })?.signature
                else {
                    throw SignatureAuditProblem(
                        message: "names deviation \(id), which was not opened with a signature before it")
                }
                guard deviation.batch == batch, deviation.exceptions.contains(exception) else {
                    throw SignatureAuditProblem(message: "deviation \(id) was not opened on \(batch) for \(exception)")
                }
                return .sameAs(opening, what: "the opening of \(id)")
            }
            let reason = try text(b, "reason")
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.dispositionRequest(
                    batch: batch, exception: exception, kind: kind, reason: reason, in: state)
            }
        case RecordKind.deviationOpened:
            let batch = try text(b, "batch")
            let id = try text(b, "deviation")
            guard id == ReleaseRules.nextDeviationID(in: state) else {
                throw SignatureAuditProblem(
                    message:
                        "opens \(id), but the next deviation id at that point was \(ReleaseRules.nextDeviationID(in: state))"
                )
            }
            guard let severity = Severity(rawValue: try text(b, "classification")) else {
                throw SignatureAuditProblem(message: "unknown classification")
            }
            let exceptions = (b["exceptions"]?.arrayValue ?? []).compactMap(\.stringValue)
            let title = try text(b, "title")
            let description = try text(b, "description")
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.deviationRequest(
                    batch: batch, exceptions: exceptions, classification: severity, title: title,
                    description: description, in: state)
            }
        case RecordKind.deviationClassificationApproved:
            let id = try text(b, "deviation")
            let severity = Severity(rawValue: try text(b, "classification"))
            let reason = try text(b, "reason")
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.classificationRequest(id, classification: severity, reason: reason, in: state)
            }
        case RecordKind.deviationInvestigationRecorded:
            let id = try text(b, "deviation")
            let investigation = ReleaseRules.Investigation(
                rootCause: try text(b, "root_cause"), impact: try text(b, "impact"),
                capa: (b["capa"]?.arrayValue ?? []).compactMap(\.stringValue),
                capaRationale: b["capa_rationale"]?.stringValue,
                effectivenessCheck: try text(b, "effectiveness_check"))
            let reason = try text(b, "reason")
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.investigationRequest(id, investigation, reason: reason, in: state)
            }
        case RecordKind.deviationApproved:
            let id = try text(b, "deviation")
            let reason = try text(b, "reason")
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.approvalRequest(id, reason: reason, in: state)
            }
        case RecordKind.deviationExtensionApproved:
            let id = try text(b, "deviation")
            let reason = try text(b, "reason")
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.extensionApprovalRequest(id, reason: reason, in: state)
            }
        case RecordKind.batchCertified:
            let batch = try text(b, "batch")
            return try rebuilt { () throws(ActionRefusal) in try ReleaseRules.certificationRequest(batch, in: state) }
        case RecordKind.batchRejected, RecordKind.batchHeld, RecordKind.batchHoldReleased:
            let batch = try text(b, "batch")
            let meaning: SignatureMeaning =
                record.kind == RecordKind.batchRejected
                ? .rejected : record.kind == RecordKind.batchHeld ? .held : .holdReleased
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.decisionRequest(batch, meaning: meaning, in: state)
            }
        case RecordKind.auditTrailReviewed:
            let batch = try text(b, "batch")
            guard let through = b["through_seq"]?.intValue else {
                throw SignatureAuditProblem(message: "the body has no through_seq")
            }
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.auditTrailReviewRequest(batch, through: through, in: state)
            }
        case RecordKind.oosSupplyRequested, RecordKind.oosRiskEvaluated, RecordKind.oosSupplyAccepted,
            RecordKind.oosNotified:
            let batch = try text(b, "batch")
            let reason = try text(b, "reason")
            let step: ReleaseRules.OOSStep
            switch record.kind {
            case RecordKind.oosSupplyRequested:
                step = .request(physician: try text(b, "physician"), reference: try text(b, "reference"))
            case RecordKind.oosRiskEvaluated: step = .riskEvaluation(try text(b, "evaluation"))
            case RecordKind.oosSupplyAccepted:
                step = .acceptance(physician: try text(b, "physician"), reference: try text(b, "reference"))
            default: step = .notification(recipient: try text(b, "recipient"), reference: try text(b, "reference"))
            }
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.oosStepRequest(batch, step, reason: reason, in: state)
            }
        case RecordKind.oosSupplied:
            let batch = try text(b, "batch")
            return try rebuilt { () throws(ActionRefusal) in try ReleaseRules.oosSupplyRequest(batch, in: state) }
        case RecordKind.oosInvestigated:
            let batch = try text(b, "batch")
            let result = try text(b, "result")
            guard let outcome = OOSOutcome(rawValue: try text(b, "outcome")) else {
                throw SignatureAuditProblem(message: "unknown OOS outcome")
            }
            let cause = b["cause"]?.stringValue
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.oosInvestigationRequest(
                    batch: batch, result: result, outcome: outcome, cause: cause, in: state)
            }
        case RecordKind.batchFullReviewed:
            let batch = try text(b, "batch")
            return try rebuilt { () throws(ActionRefusal) in try ReleaseRules.fullReviewRequest(batch, in: state) }
        case RecordKind.integrityAlarmAcknowledged:
            guard let witness = IntegrityAcknowledgement.Point(b["witness"]),
                let head = IntegrityAcknowledgement.Point(b["head"])
            else {
                throw SignatureAuditProblem(message: "the body has no witness or head {seq, sha256}")
            }
            guard head.seq == record.seq - 1, head.sha256 == record.prev else {
                throw SignatureAuditProblem(
                    message:
                        "names the head as record \(head.seq), but the record follows record \(record.seq - 1) with hash \(record.prev.prefix(16))…"
                )
            }
            let finding = try text(b, "finding")
            return .request(IntegrityAcknowledgement.request(finding: finding, witness: witness, head: head))
        case RecordKind.siteSuspended, RecordKind.siteReinstated:
            let site = try text(b, "site")
            let reason = try text(b, "reason")
            let suspend = record.kind == RecordKind.siteSuspended
            return try rebuilt { () throws(ActionRefusal) in
                try ReleaseRules.siteStatusRequest(site, suspend: suspend, reason: reason, in: state)
            }
        default:
            throw SignatureAuditProblem(message: "no rule to rebuild what it signs")
        }
    }
}
