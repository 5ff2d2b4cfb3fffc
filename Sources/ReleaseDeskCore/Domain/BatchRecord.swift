import CanonicalJSON

/// A value that changed after it was first entered, with when and by which record.
public struct ValueChange: Sendable, Hashable {
    /// What changed (`qc RES-1 viability`, `planned_infusion`).
    public var field: String
    public var old: String
    public var new: String
    public var seq: Int64
    public var at: Timestamp
    public var actor: String
    public var reason: String?
}

/// A batch as the journal knows it: its data, when it arrived, its latest review, and what changed.
public struct BatchRecord: Sendable, Hashable {
    public var batch: Batch
    public var firstSeq: Int64
    public var firstAt: Timestamp
    /// The last record that brought data for this batch.
    public var lastDataSeq: Int64
    public var review: Review?
    public var reviewSeq: Int64?
    public var reviewedAt: Timestamp?
    public var changes: [ValueChange] = []
    /// Every record about this batch, by seq (for its audit trail).
    public var recordSeqs: [Int64] = []
    /// The refused attempts among `recordSeqs`: part of the trail, but they changed nothing, so they do not
    /// reopen an audit-trail review.
    public var refusalSeqs: Set<Int64> = []

    /// Whether data arrived after the last review.
    public var needsReview: Bool { reviewSeq.map { $0 < lastDataSeq } ?? true }
}

/// Where a batch stands in the queue.
public enum BatchStatus: String, Sendable, CaseIterable {
    /// Open exceptions need judgement.
    case flagged
    /// No exception, but picked by quiet-batch sampling: waits for QA's signed full review.
    case fullReview = "full-review"
    /// Every exception dispositioned, but a requested re-test or a result needed before release is not in.
    case resultsPending = "results-pending"
    /// Every exception dispositioned, but a deviation opened for one of them is not closed.
    case deviationOpen = "deviation-open"
    /// An OOS result was confirmed by its laboratory investigation: reject, or supply at a physician's request.
    case oosConfirmed = "oos-confirmed"
    /// No open exception: the QP may review it.
    case readyForQP = "ready-for-qp"
    /// New data since the last review, or never reviewed.
    case awaitingReview = "awaiting-review"
    /// Still being made: exceptions so far are shown, release is not yet in question.
    case inManufacture = "in-manufacture"
    /// Infused after a certification (in this journal, or declared by the batch record as released before it);
    /// not in the working queue. A batch infused without one stays in the queue, flagged.
    case infused
    /// Certified for release by a QP.
    case released
    /// Certified with results that may follow release still pending: flagged until they arrive.
    case releasedPending = "released-pending"
    /// A result that was pending at certification failed after release: escalated.
    case escalated
    /// Supplied out of specification at a treating physician's request.
    case suppliedOOS = "supplied-oos"
    /// Rejected by a QP.
    case rejected
    /// Put on hold by a QP.
    case onHold = "on-hold"

    /// Glyph and word, so colour never carries the meaning alone.
    public var label: String {
        switch self {
        case .flagged: return "⚑ flagged"
        case .fullReview: return "◎ full review"
        case .resultsPending: return "⧗ results pending"
        case .deviationOpen: return "⚠ deviation open"
        case .oosConfirmed: return "✘ OOS confirmed"
        case .readyForQP: return "✔ ready for QP"
        case .awaitingReview: return "… awaiting review"
        case .inManufacture: return "⚙ in manufacture"
        case .infused: return "✓ infused"
        case .released: return "✔ released"
        case .releasedPending: return "⚑ released, results pending"
        case .escalated: return "‼ escalated after release"
        case .suppliedOOS: return "⚠ supplied OOS (physician's request)"
        case .rejected: return "✘ rejected"
        case .onHold: return "⏸ on hold"
        }
    }
}

/// One row of the batch queue, with its patient clock.
public struct QueueEntry: Sendable, Hashable {
    public var id: String
    public var product: String
    public var site: String
    public var coi: String?
    public var status: BatchStatus
    public var open: [Severity: Int]
    public var pendingTests: Int
    public var apheresisAt: Timestamp?
    public var expiry: Timestamp
    public var plannedInfusion: Timestamp?
    public var quietReason: String?
    /// The QA user the batch is assigned to, if any.
    public var assignee: String? = nil

    /// Hours since apheresis at `now`.
    public func hoursSinceApheresis(at now: Timestamp) -> Int64? {
        apheresisAt.map { (now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 3_600_000 }
    }

    /// Hours of shelf life left at `now` (negative once expired).
    public func shelfLifeHours(at now: Timestamp) -> Int64 {
        (expiry.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 3_600_000
    }

    /// The moment that makes this batch urgent: the planned infusion, else the expiry.
    public var deadline: Timestamp { plannedInfusion.map { min($0, expiry) } ?? expiry }
}

extension DeskState {
    /// The batch queue, most urgent first: earliest deadline (planned infusion or expiry), then critical
    /// exceptions first, then batch id. Infused batches (history) only when `includeInfused`.
    public func queue(includeInfused: Bool = false) -> [QueueEntry] {
        batches.values.map(queueEntry).filter { includeInfused || $0.status != .infused }.sorted { a, b in
            if a.deadline != b.deadline { return a.deadline < b.deadline }
            let ac = a.open[.critical, default: 0]
            let bc = b.open[.critical, default: 0]
            if ac != bc { return ac > bc }
            return a.id < b.id
        }
    }

    /// The queue row of one batch. `open` counts the exceptions that still need judgement (no disposition and no
    /// investigation); `pendingTests` the results still to come: tests not yet reported and re-tests requested.
    public func queueEntry(_ record: BatchRecord) -> QueueEntry {
        let id = record.batch.id
        var open: [Severity: Int] = [:]
        var pending = 0
        var blockingPending = 0
        var confirmed = 0
        var unresolved = 0
        var escalated = 0
        let product = products[record.batch.product]
        for exception in record.review?.exceptions ?? [] {
            let state = exceptionState(exception, of: id)
            switch state {
            case .open: open[exception.severity, default: 0] += 1
            case .pending:
                pending += 1
                let mayFollow =
                    product?.attributes.first { exception.id.hasSuffix("-" + $0.id) }?.mayFollowRelease ?? false
                if !mayFollow { blockingPending += 1 }
            case .retestRequested:
                pending += 1
                blockingPending += 1
            case .confirmed: confirmed += 1
            default: break
            }
            if !state.isResolved && state != .pending { unresolved += 1 }
            if exception.escalated && !state.isResolved { escalated += 1 }
        }
        let decision = release.decisions[id]
        let status: BatchStatus
        if record.batch.custody.contains(where: { $0.event == "infused" })
            && (record.batch.priorRelease != nil
                || (decision != nil && decision?.kind != .rejected && unresolved == 0 && escalated == 0))
        {
            status = .infused
        } else if let decision {
            if decision.kind == .rejected {
                status = .rejected
            } else if decision.kind == .suppliedOutOfSpecification {
                status = .suppliedOOS
            } else if escalated > 0 {
                status = .escalated
            } else if pending > 0 && !decision.pendingTests.isEmpty {
                status = .releasedPending
            } else {
                status = .released
            }
        } else if release.holds[id] != nil {
            status = .onHold
        } else if record.batch.manufactureEnd == nil {
            status = .inManufacture
        } else if record.needsReview {
            status = .awaitingReview
        } else if !open.isEmpty {
            status = .flagged
        } else if confirmed > 0 {
            status = .oosConfirmed
        } else if !oosStandings(id).flatMap(\.uninvestigated).isEmpty {
            status = .flagged
        } else if blockingPending > 0 {
            status = .resultsPending
        } else if unresolved > 0 {
            status = .deviationOpen
        } else if record.review?.quietSample == true && !record.isFullyReviewed(in: release) {
            status = .fullReview
        } else {
            status = .readyForQP
        }
        let b = record.batch
        return QueueEntry(
            id: b.id, product: b.product, site: b.site, coi: b.coi, status: status, open: open, pendingTests: pending,
            apheresisAt: b.apheresisAt, expiry: b.expiry, plannedInfusion: b.plannedInfusion,
            quietReason: record.review?.quietReason, assignee: release.assignments[id]?.by)
    }

    /// Reviews `batchID` against the current state at `now`.
    public func review(_ batchID: String, now: Timestamp, quietPerMille: Int = 100) -> Review? {
        guard let record = batches[batchID], products[record.batch.product] != nil, sites[record.batch.site] != nil
        else { return nil }
        return review(batchID, now: now, quietPerMille: quietPerMille, index: TrendIndex(state: self))
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension ValueChange: Codable {}
extension BatchRecord: Codable {}
