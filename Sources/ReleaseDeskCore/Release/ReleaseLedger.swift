import CanonicalJSON

/// How QA disposed of an exception.
public enum DispositionKind: String, CaseIterable, Sendable, Hashable {
    /// Assessed and justified: no impact (reason required).
    case justified
    /// A re-test was requested; the exception stays open until new data arrive.
    case retestRequested = "retest-requested"
    /// A deviation was opened for it; it is resolved when the deviation closes.
    case deviationOpened = "deviation-opened"
}

/// One disposition of an exception. A later one supersedes it; both stay visible.
public struct Disposition: Sendable, Hashable {
    public var batch: String
    public var exception: String
    public var kind: DispositionKind
    public var reason: String
    public var deviation: String?
    public var by: String
    public var at: Timestamp
    public var seq: Int64
    public var signature: Signature?
    /// Seq of the disposition this one replaced (`supersedes`), when the record names it.
    public var supersedes: Int64? = nil
    /// The kind of the disposition this one replaced (`superseded_disposition`).
    public var supersededKind: DispositionKind? = nil
}

/// Where a deviation stands.
public enum DeviationStage: String, Sendable, Hashable {
    /// Opened; a minor one waits for its single QA approval, a major or critical one for the approval of its
    /// classification.
    case open
    /// Classification approved: the investigation is under way.
    case investigation
    /// Investigation recorded: waiting for final QA approval.
    case awaitingApproval = "awaiting-approval"
    case closed
}

/// One step in a deviation's life, with its signature.
public struct DeviationEvent: Sendable, Hashable {
    public var kind: String
    public var by: String
    public var at: Timestamp
    public var seq: Int64
    public var reason: String
    public var signature: Signature?
    /// The due date an extension request asked for, or its approval set (nil for other steps).
    public var due: Timestamp? = nil
}

/// A deviation: classification, description, investigation, approvals, due date.
public struct Deviation: Sendable, Hashable {
    public var id: String
    public var batch: String
    public var exceptions: [String]
    public var classification: Severity
    public var title: String
    public var description: String
    public var stage: DeviationStage
    public var openedBy: String
    public var openedAt: Timestamp
    /// When the investigation must be closed (from the quality agreement, moved only by an approved extension).
    public var due: Timestamp
    public var rootCause: String?
    public var impact: String?
    /// CAPA references, or empty with `capaRationale` saying why none is needed.
    public var capa: [String] = []
    public var capaRationale: String?
    public var effectivenessCheck: String?
    /// A requested new due date, until approved.
    public var requestedDue: Timestamp?
    /// Who recorded its investigation (four-eyes: they may not approve it).
    public var investigatedBy: [String] = []
    public var history: [DeviationEvent] = []

    public var isOpen: Bool { stage != .closed }
}

/// A QP decision on a batch.
public struct ReleaseDecision: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case certified, rejected
        /// Supplied out of specification at a treating physician's request (EU GMP Part IV §11.5).
        case suppliedOutOfSpecification = "supplied-oos"
    }
    public var batch: String
    public var kind: Kind
    public var by: String
    public var at: Timestamp
    public var seq: Int64
    public var reason: String
    public var signature: Signature?
    /// Tests whose results may follow certification (staged certification), still pending when signed.
    public var pendingTests: [String]
    public var checklist: [String: Bool]
}

/// Everything QA and the QP decided, folded from the journal.
public struct ReleaseLedger: Sendable, Equatable {
    /// Dispositions by exception id, oldest first; the last one is in force.
    public var dispositions: [String: [Disposition]] = [:]
    public var deviations: [String: Deviation] = [:]
    /// Deviation ids in the order they were opened.
    public var deviationOrder: [String] = []
    /// Deviation ids of each batch in the order they were opened (kept by the fold, so a batch's deviations
    /// cost what the batch has, not what the site has).
    public var deviationsByBatch: [String: [String]] = [:]
    public var decisions: [String: ReleaseDecision] = [:]
    /// Batches on hold: the record that put them there.
    public var holds: [String: DeviationEvent] = [:]
    /// Every certification and rejection, in journal order (the register).
    public var register: [ReleaseDecision] = []
    /// Users who did QA review of each batch (four-eyes: they may not certify it).
    public var qaReviewers: [String: Set<String>] = [:]
    /// Comments by batch.
    public var comments: [String: [DeviationEvent]] = [:]
    /// The latest audit-trail review of each batch.
    public var auditReviews: [String: AuditTrailReview] = [:]
    /// Who each batch is assigned to: `by` is the assignee, `reason` who assigned it (latest assignment).
    public var assignments: [String: DeviationEvent] = [:]
    /// OOS supply cases by batch (the latest request).
    public var oosCases: [String: OOSSupplyCase] = [:]
    /// Seqs of audit-trail review records (they are part of a batch's trail but do not reopen its review).
    public var auditReviewSeqs: Set<Int64> = []
    /// Users who signed an audit-trail review of each batch (independence: they may not also do its QA review
    /// or certify it).
    public var auditReviewers: [String: Set<String>] = [:]
    /// Laboratory investigations of out-of-specification results, by batch, in journal order.
    public var oosInvestigations: [String: [OOSInvestigation]] = [:]
    /// The signed QA full review of each batch chosen by quiet-batch sampling (the latest).
    public var fullReviews: [String: DeviationEvent] = [:]
    /// Each site's suspensions and reinstatements, oldest first (`kind` is `site.suspended` or
    /// `site.reinstated`); the last one says whether the site is suspended.
    public var siteEvents: [String: [DeviationEvent]] = [:]

    public init() {}

    /// The record that suspended `site`, when it is suspended now.
    public func suspension(of site: String) -> DeviationEvent? {
        guard let last = siteEvents[site]?.last, last.kind == RecordKind.siteSuspended else { return nil }
        return last
    }

    /// The disposition in force for an exception.
    public func disposition(of exception: String) -> Disposition? { dispositions[exception]?.last }

    /// Whether an exception no longer needs judgement: justified, or its deviation is closed.
    public func isResolved(_ exception: String) -> Bool {
        guard let d = disposition(of: exception) else { return false }
        switch d.kind {
        case .justified: return true
        case .retestRequested: return false
        case .deviationOpened: return d.deviation.flatMap { deviations[$0] }.map { !$0.isOpen } ?? false
        }
    }

    /// Deviations of a batch, in the order opened.
    public func deviations(of batch: String) -> [Deviation] {
        (deviationsByBatch[batch] ?? []).compactMap { deviations[$0] }
    }

    mutating func apply(_ record: Record) {
        let b = record.body
        let signature = Signature.decode(b["signature"])
        let reason = b["reason"]?.stringValue ?? ""
        let event = DeviationEvent(
            kind: record.kind, by: record.actor, at: record.at, seq: record.seq, reason: reason, signature: signature)
        switch record.kind {
        case RecordKind.exceptionDispositioned:
            guard let batch = b["batch"]?.stringValue, let exception = b["exception"]?.stringValue,
                let kind = b["disposition"]?.stringValue.flatMap(DispositionKind.init(rawValue:))
            else { return }
            dispositions[exception, default: []].append(
                Disposition(
                    batch: batch, exception: exception, kind: kind, reason: reason,
                    deviation: b["deviation"]?.stringValue,
                    by: record.actor, at: record.at, seq: record.seq, signature: signature,
                    supersedes: b["supersedes"]?.intValue,
                    supersededKind: b["superseded_disposition"]?.stringValue.flatMap(DispositionKind.init(rawValue:))))
            qaReviewers[batch, default: []].insert(record.actor)
        case RecordKind.deviationOpened:
            guard let id = b["deviation"]?.stringValue, let batch = b["batch"]?.stringValue,
                let classification = b["classification"]?.stringValue.flatMap(Severity.init(rawValue:)),
                let due = b["due"]?.stringValue.flatMap(Timestamp.init(journalForm:)), deviations[id] == nil
            else { return }
            deviations[id] = Deviation(
                id: id, batch: batch, exceptions: (b["exceptions"]?.arrayValue ?? []).compactMap(\.stringValue),
                classification: classification, title: b["title"]?.stringValue ?? "",
                description: b["description"]?.stringValue ?? "",
                stage: .open, openedBy: record.actor, openedAt: record.at, due: due, history: [event])
            deviationOrder.append(id)
            deviationsByBatch[batch, default: []].append(id)
            qaReviewers[batch, default: []].insert(record.actor)
        case RecordKind.deviationClassificationApproved:
            guard let id = b["deviation"]?.stringValue, deviations[id] != nil else { return }
            qaReviewers[deviations[id]!.batch, default: []].insert(record.actor)
            if let c = b["classification"]?.stringValue.flatMap(Severity.init(rawValue:)) {
                deviations[id]!.classification = c
            }
            deviations[id]!.stage = .investigation
            deviations[id]!.history.append(event)
        case RecordKind.deviationInvestigationRecorded:
            guard let id = b["deviation"]?.stringValue, deviations[id] != nil else { return }
            qaReviewers[deviations[id]!.batch, default: []].insert(record.actor)
            deviations[id]!.investigatedBy.append(record.actor)
            deviations[id]!.rootCause = b["root_cause"]?.stringValue
            deviations[id]!.impact = b["impact"]?.stringValue
            deviations[id]!.capa = (b["capa"]?.arrayValue ?? []).compactMap(\.stringValue)
            deviations[id]!.capaRationale = b["capa_rationale"]?.stringValue
            deviations[id]!.effectivenessCheck = b["effectiveness_check"]?.stringValue
            deviations[id]!.stage = .awaitingApproval
            deviations[id]!.history.append(event)
        case RecordKind.deviationApproved:
            guard let id = b["deviation"]?.stringValue, deviations[id] != nil else { return }
            qaReviewers[deviations[id]!.batch, default: []].insert(record.actor)
            deviations[id]!.stage = .closed
            deviations[id]!.history.append(event)
        case RecordKind.deviationExtensionRequested:
            guard let id = b["deviation"]?.stringValue, deviations[id] != nil,
                let due = b["due"]?.stringValue.flatMap(Timestamp.init(journalForm:))
            else { return }
            deviations[id]!.requestedDue = due
            var step = event
            step.due = due
            deviations[id]!.history.append(step)
        case RecordKind.deviationExtensionApproved:
            guard let id = b["deviation"]?.stringValue, deviations[id] != nil,
                let due = b["due"]?.stringValue.flatMap(Timestamp.init(journalForm:))
            else { return }
            deviations[id]!.due = due
            deviations[id]!.requestedDue = nil
            var step = event
            step.due = due
            deviations[id]!.history.append(step)
        case RecordKind.batchCertified, RecordKind.batchRejected:
            guard let batch = b["batch"]?.stringValue else { return }
            var checklist: [String: Bool] = [:]
            for item in b["checklist"]?.arrayValue ?? [] {
                if let o = item.objectValue, let id = o["item"]?.stringValue {
                    checklist[id] = o["answer"]?.boolValue ?? false
                }
            }
            let decision = ReleaseDecision(
                batch: batch, kind: record.kind == RecordKind.batchCertified ? .certified : .rejected, by: record.actor,
                at: record.at, seq: record.seq, reason: reason, signature: signature,
                pendingTests: (b["pending_tests"]?.arrayValue ?? []).compactMap(\.stringValue), checklist: checklist)
            decisions[batch] = decision
            register.append(decision)
        case RecordKind.batchHeld:
            guard let batch = b["batch"]?.stringValue else { return }
            holds[batch] = event
        case RecordKind.batchHoldReleased:
            guard let batch = b["batch"]?.stringValue else { return }
            holds[batch] = nil
        case RecordKind.batchCommented:
            guard let batch = b["batch"]?.stringValue else { return }
            comments[batch, default: []].append(event)
        case RecordKind.batchAssigned:
            guard let batch = b["batch"]?.stringValue, let assignee = b["assignee"]?.stringValue else { return }
            assignments[batch] = DeviationEvent(
                kind: record.kind, by: assignee, at: record.at, seq: record.seq, reason: record.actor, signature: nil)
        case RecordKind.batchUnassigned:
            guard let batch = b["batch"]?.stringValue else { return }
            assignments[batch] = nil
        case _ where RecordKind.oosSupply.contains(record.kind):
            applyOOSSupply(record, event: event)
        case RecordKind.oosInvestigated:
            applyOOSInvestigation(record, signature: signature)
        case RecordKind.batchFullReviewed:
            guard let batch = b["batch"]?.stringValue else { return }
            fullReviews[batch] = event
            qaReviewers[batch, default: []].insert(record.actor)
        case RecordKind.auditTrailReviewed:
            guard let batch = b["batch"]?.stringValue, let through = b["through_seq"]?.intValue else { return }
            auditReviewSeqs.insert(record.seq)
            auditReviewers[batch, default: []].insert(record.actor)
            if let earlier = auditReviews[batch], earlier.throughSeq > through { return }
            auditReviews[batch] = AuditTrailReview(
                batch: batch, throughSeq: through, records: (b["record_seqs"]?.arrayValue ?? []).count,
                by: record.actor,
                at: record.at, seq: record.seq, reason: reason, signature: signature)
        case RecordKind.siteSuspended, RecordKind.siteReinstated:
            guard let site = b["site"]?.stringValue else { return }
            siteEvents[site, default: []].append(event)
        default:
            break
        }
    }

    /// Kinds this ledger folds.
    public static let kinds: Set<String> = Set<String>(
        [
            RecordKind.exceptionDispositioned, RecordKind.deviationOpened, RecordKind.deviationClassificationApproved,
            RecordKind.deviationInvestigationRecorded, RecordKind.deviationApproved,
            RecordKind.deviationExtensionRequested,
            RecordKind.deviationExtensionApproved, RecordKind.batchCertified, RecordKind.batchRejected,
            RecordKind.batchHeld,
            RecordKind.batchHoldReleased, RecordKind.batchCommented, RecordKind.auditTrailReviewed,
            RecordKind.batchAssigned, RecordKind.batchUnassigned,
            RecordKind.oosInvestigated, RecordKind.batchFullReviewed, RecordKind.siteSuspended,
            RecordKind.siteReinstated,
        ] + RecordKind.oosSupply)
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension DispositionKind: Codable {}
extension Disposition: Codable {}
extension DeviationStage: Codable {}
extension DeviationEvent: Codable {}
extension Deviation: Codable {}
extension ReleaseDecision: Codable {}
extension ReleaseDecision.Kind: Codable {}
extension ReleaseLedger: Codable {}
