import CanonicalJSON

/// Supply of an out-of-specification batch at a treating physician's request (EU GMP Part IV §11.5): the
/// request, the QP's risk evaluation, the physician's acceptance and the notifications, each a signed record
/// linked to the request; only then may the QP supply the batch.
public struct OOSSupplyCase: Sendable, Hashable {
    public var batch: String
    /// Seq of the request record: every later step names it (`oos_case`).
    public var requestSeq: Int64
    public var physician: String
    public var request: DeviationEvent
    public var riskEvaluation: DeviationEvent?
    public var acceptance: DeviationEvent?
    public var notifications: [DeviationEvent] = []

    /// The next step, in words, or nil when the case is complete.
    public var nextStep: String? {
        if riskEvaluation == nil { return "the QP's risk evaluation" }
        if acceptance == nil { return "the physician's acceptance of the risk" }
        if notifications.isEmpty {
            return "the notifications (e.g. marketing authorisation holder, competent authority)"
        }
        return nil
    }
}

extension RecordKind {
    public static let oosSupplyRequested = "batch.oos_supply_requested"
    public static let oosRiskEvaluated = "batch.oos_risk_evaluated"
    public static let oosSupplyAccepted = "batch.oos_supply_accepted"
    public static let oosNotified = "batch.oos_notified"
    public static let oosSupplied = "batch.oos_supplied"

    /// The kinds of an OOS supply case.
    public static let oosSupply: Set<String> = [
        oosSupplyRequested, oosRiskEvaluated, oosSupplyAccepted, oosNotified, oosSupplied,
    ]
}

extension ReleaseLedger {
    mutating func applyOOSSupply(_ record: Record, event: DeviationEvent) {
        let b = record.body
        guard let batch = b["batch"]?.stringValue else { return }
        switch record.kind {
        case RecordKind.oosSupplyRequested:
            oosCases[batch] = OOSSupplyCase(
                batch: batch, requestSeq: record.seq, physician: b["physician"]?.stringValue ?? "", request: event)
        case RecordKind.oosRiskEvaluated:
            guard b["oos_case"]?.intValue == oosCases[batch]?.requestSeq else { return }
            oosCases[batch]?.riskEvaluation = event
        case RecordKind.oosSupplyAccepted:
            guard b["oos_case"]?.intValue == oosCases[batch]?.requestSeq else { return }
            oosCases[batch]?.acceptance = event
        case RecordKind.oosNotified:
            guard b["oos_case"]?.intValue == oosCases[batch]?.requestSeq else { return }
            oosCases[batch]?.notifications.append(event)
        case RecordKind.oosSupplied:
            let decision = ReleaseDecision(
                batch: batch, kind: .suppliedOutOfSpecification, by: record.actor, at: record.at, seq: record.seq,
                reason: event.reason, signature: event.signature, pendingTests: [], checklist: [:])
            decisions[batch] = decision
            register.append(decision)
        default:
            break
        }
    }
}

extension ReleaseRules {
    /// Out-of-specification exceptions of a batch (what the physician's request is about).
    static func oosExceptions(_ batchID: String, in state: DeskState) -> [ReviewException] {
        (state.batches[batchID]?.review?.exceptions ?? []).filter { $0.rule == "OOS" }
    }

    /// The steps of an OOS supply case, each signed and linked to the request.
    public enum OOSStep: Sendable, Equatable {
        /// QP or QA records the treating physician's request (name, the request document's reference).
        case request(physician: String, reference: String)
        /// The QP's risk evaluation.
        case riskEvaluation(String)
        /// The physician's acceptance of the risk (reference of the signed acceptance).
        case acceptance(physician: String, reference: String)
        /// A notification sent (to whom, reference).
        case notification(recipient: String, reference: String)

        var kind: String {
            switch self {
            case .request: return RecordKind.oosSupplyRequested
            case .riskEvaluation: return RecordKind.oosRiskEvaluated
            case .acceptance: return RecordKind.oosSupplyAccepted
            case .notification: return RecordKind.oosNotified
            }
        }

        var roles: Set<Role> {
            switch self {
            case .riskEvaluation: return [.qp]
            default: return [.qp, .qa]
            }
        }

        var words: String {
            switch self {
            case .request: return "record the physician's request for OOS supply of"
            case .riskEvaluation: return "record the risk evaluation for OOS supply of"
            case .acceptance: return "record the physician's acceptance for OOS supply of"
            case .notification: return "record a notification of OOS supply of"
            }
        }
    }

    /// What a step signs: the batch, its OOS exceptions, the case it belongs to and the step's content.
    public static func oosStepRequest(_ batchID: String, _ step: OOSStep, reason: String, in state: DeskState)
        throws(ActionRefusal)
        -> SigningRequest
    {
        _ = try findBatch(batchID, in: state)
        try undecided(batchID, in: state)
        let oos = oosExceptions(batchID, in: state)
        guard !oos.isEmpty else {
            throw ActionRefusal(
                .rule, gate: "no-oos", "\(batchID) has no out-of-specification result; OOS supply does not apply")
        }
        var content: [String: JSONValue] = [
            "batch": .string(batchID), "exceptions": .array(oos.map { .string($0.id) }), "reason": .string(reason),
        ]
        let existing = state.release.oosCases[batchID]
        switch step {
        case .request(let physician, let reference):
            if let existing, existing.nextStep != nil {
                throw ActionRefusal(
                    .rule, gate: "case-open", "\(batchID) has an OOS supply case open since #\(existing.requestSeq)")
            }
            content["physician"] = .string(try requireText(physician, "physician"))
            content["reference"] = .string(try requireText(reference, "reference"))
        case .riskEvaluation(let evaluation):
            guard let existing else {
                throw ActionRefusal(.rule, gate: "no-request", "no physician's request is recorded for \(batchID)")
            }
            guard existing.riskEvaluation == nil else {
                throw ActionRefusal(.rule, gate: "done-already", "the risk evaluation is recorded already")
            }
            content["oos_case"] = .int(existing.requestSeq)
            content["evaluation"] = .string(try requireText(evaluation, "evaluation"))
        case .acceptance(let physician, let reference):
            guard let existing else {
                throw ActionRefusal(.rule, gate: "no-request", "no physician's request is recorded for \(batchID)")
            }
            guard existing.riskEvaluation != nil else {
                throw ActionRefusal(
                    .rule, gate: "order", "the physician accepts the risk after the QP's risk evaluation")
            }
            guard physician.trimmingSpaces == existing.physician.trimmingSpaces else {
                throw ActionRefusal(
                    .rule, gate: "physician", "the acceptance is by the requesting physician, \(existing.physician)")
            }
            content["oos_case"] = .int(existing.requestSeq)
            content["physician"] = .string(existing.physician)
            content["reference"] = .string(try requireText(reference, "reference"))
        case .notification(let recipient, let reference):
            guard let existing else {
                throw ActionRefusal(.rule, gate: "no-request", "no physician's request is recorded for \(batchID)")
            }
            guard existing.acceptance != nil else {
                throw ActionRefusal(.rule, gate: "order", "notifications follow the physician's acceptance")
            }
            content["oos_case"] = .int(existing.requestSeq)
            content["recipient"] = .string(try requireText(recipient, "recipient"))
            content["reference"] = .string(try requireText(reference, "reference"))
        }
        var meaning = SignatureMeaning.authored
        if case .riskEvaluation = step { meaning = .reviewed }
        return SigningRequest(
            subject: "oos-supply:\(batchID)", decision: "\(step.words) \(batchID)", meaning: meaning,
            content: .object(content))
    }

    /// Records one step of an OOS supply case.
    public static func recordOOSStep(
        _ batchID: String, _ step: OOSStep, reason rawReason: String, by actor: String, expecting expected: String?,
        digest: Digest,
        in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, anyOf: step.roles, toDo: "record OOS supply steps")
        let reason = try requireReason(rawReason)
        let request = try oosStepRequest(batchID, step, reason: reason, in: state)
        let signature = try signed(request, by: user, expecting: expected, digest: digest)
        var body = request.content.objectValue ?? [:]
        body["signature"] = signature.json
        return [RecordDraft(kind: step.kind, actor: actor, body: body)]
    }

    /// What OOS supply signs: the compiled disposition record, which includes the case.
    public static func oosSupplyRequest(_ batchID: String, in state: DeskState) throws(ActionRefusal) -> SigningRequest
    {
        let record = try findBatch(batchID, in: state)
        return SigningRequest(
            subject: "batch:\(batchID)", decision: "supply \(batchID) out of specification at the physician's request",
            meaning: .certified, content: DispositionReport(record: record, state: state).json)
    }

    /// The QP supplies an OOS batch: the case complete, and every certification gate closed except those of
    /// the out-of-specification results themselves (their exceptions and the deviations opened for them).
    public static func supplyOOS(
        _ batchID: String, reason rawReason: String, by actor: String, now: Timestamp, expecting expected: String?,
        digest: Digest,
        in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .supplyOOS)
        _ = try findBatch(batchID, in: state)
        try undecided(batchID, in: state)
        guard let oosCase = state.release.oosCases[batchID] else {
            throw ActionRefusal(.rule, gate: "no-request", "no physician's request is recorded for \(batchID)")
        }
        if let missing = oosCase.nextStep {
            throw ActionRefusal(.rule, gate: "oos-case-incomplete", "the OOS supply case lacks \(missing)")
        }
        let oos = Set(oosExceptions(batchID, in: state).map(\.id))
        let oosDeviations = Set(
            state.release.deviations(of: batchID).filter { Set($0.exceptions).isSubset(of: oos) }.map(\.id))
        for gate in certificationGates(batchID, by: actor, now: now, in: state) {
            switch gate.gate {
            case "undispositioned-exceptions":
                // Only the OOS exceptions may stay open; any other undispositioned exception still blocks.
                let others = (state.batches[batchID]?.review?.exceptions ?? []).filter {
                    $0.rule != "PENDING" && !oos.contains($0.id) && state.release.disposition(of: $0.id) == nil
                }
                if !others.isEmpty { throw gate }
            case "open-deviation":
                let others = state.release.deviations(of: batchID).filter {
                    $0.isOpen && $0.classification != .minor && !oosDeviations.contains($0.id)
                }
                if !others.isEmpty { throw gate }
            case "oos":
                // The supply path exists for exactly this.
                continue
            default:
                throw gate
            }
        }
        let reason = try requireReason(rawReason)
        let signature = try signed(
            try oosSupplyRequest(batchID, in: state), by: user, expecting: expected, digest: digest)
        return [
            RecordDraft(
                kind: RecordKind.oosSupplied, actor: actor,
                body: [
                    "batch": .string(batchID), "oos_case": .int(oosCase.requestSeq), "reason": .string(reason),
                    "exceptions": .array(oos.sorted().map { .string($0) }), "signature": signature.json,
                ])
        ]
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension OOSSupplyCase: Codable {}
