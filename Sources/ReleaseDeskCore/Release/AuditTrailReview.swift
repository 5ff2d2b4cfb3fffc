import CanonicalJSON

/// A signed review of a batch's audit trail through one record (EU GMP Annex 11 §9: audit trails are
/// reviewed; here the review is a release step). Records about the batch added after `throughSeq` reopen it.
public struct AuditTrailReview: Sendable, Hashable {
    public var batch: String
    /// The last record of the batch's trail that the reviewer saw.
    public var throughSeq: Int64
    /// How many records the review covered.
    public var records: Int
    public var by: String
    public var at: Timestamp
    public var seq: Int64
    public var reason: String
    public var signature: Signature?
}

/// Where the audit-trail review of a batch stands.
public struct AuditTrailReviewStatus: Sendable, Equatable {
    /// The latest review, if any.
    public var review: AuditTrailReview?
    /// Seqs of the batch's trail (review records excluded), oldest first.
    public var trail: [Int64]
    /// Records of the trail added after the review (all of them when there is none).
    public var unreviewed: Int

    public var isCurrent: Bool { review != nil && unreviewed == 0 }

    /// One line for panes and reports.
    public var summary: String {
        guard let review else { return "audit trail not reviewed (\(trail.count) record(s))" }
        if unreviewed == 0 {
            return "audit trail reviewed through #\(review.throughSeq) by \(review.by) at \(review.at)"
        }
        return
            "audit trail reviewed through #\(review.throughSeq) by \(review.by); \(unreviewed) record(s) added since: review again"
    }
}

extension ReleaseRules {
    /// The audit-trail review status of `batchID`.
    public static func auditTrailStatus(_ batchID: String, in state: DeskState) -> AuditTrailReviewStatus {
        let reviewSeqs = state.release.auditReviewSeqs
        let trail = (state.batches[batchID]?.recordSeqs ?? []).filter { !reviewSeqs.contains($0) }
        let review = state.release.auditReviews[batchID]
        let refusals = state.batches[batchID]?.refusalSeqs ?? []
        let unreviewed =
            review.map { r in trail.reduce(0) { $0 + ($1 > r.throughSeq && !refusals.contains($1) ? 1 : 0) } }
            ?? trail.count
        return AuditTrailReviewStatus(review: review, trail: trail, unreviewed: unreviewed)
    }

    /// The certification gate of the audit-trail review, when it is open.
    static func auditTrailGate(_ batchID: String, in state: DeskState) -> ActionRefusal? {
        let status = auditTrailStatus(batchID, in: state)
        if status.isCurrent { return nil }
        if let review = status.review {
            return ActionRefusal(
                .rule, gate: "audit-trail-review",
                "\(status.unreviewed) record(s) about \(batchID) were added after its audit-trail review through #\(review.throughSeq); review it again"
            )
        }
        return ActionRefusal(.rule, gate: "audit-trail-review", "the audit trail of \(batchID) has not been reviewed")
    }

    /// What an audit-trail review signs: the batch, the last record seen and the seqs of every record of its
    /// trail through it. The chain binds each seq to its exact bytes: changing a reviewed record later breaks
    /// the chain at that record.
    public static func auditTrailReviewRequest(_ batchID: String, through: Int64?, in state: DeskState)
        throws(ActionRefusal)
        -> SigningRequest
    {
        _ = try findBatch(batchID, in: state)
        let status = auditTrailStatus(batchID, in: state)
        guard let last = status.trail.last else {
            throw ActionRefusal(.rule, gate: "empty-trail", "\(batchID) has no records to review")
        }
        let upTo = through ?? last
        guard status.trail.contains(upTo) else {
            throw ActionRefusal(
                .rule, gate: "unknown-record", "record #\(upTo) is not part of the audit trail of \(batchID)")
        }
        let covered = status.trail.filter { $0 <= upTo }
        return SigningRequest(
            subject: "audit-trail:\(batchID)",
            decision: "mark the audit trail of \(batchID) reviewed through #\(upTo) (\(covered.count) record(s))",
            meaning: .reviewed,
            content: [
                "batch": .string(batchID), "through_seq": .int(upTo), "record_seqs": .array(covered.map(JSONValue.int)),
            ])
    }

    /// A supervisor or QA user who did not do the batch's QA review marks its audit trail reviewed.
    public static func reviewAuditTrail(
        _ batchID: String, through: Int64?, reason rawReason: String, by actor: String, expecting expected: String?,
        digest: Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .reviewAuditTrail)
        _ = try findBatch(batchID, in: state)
        try independence(batchID, actor: actor, doing: .auditTrailReview, in: state)
        let reason = try requireReason(rawReason)
        let request = try auditTrailReviewRequest(batchID, through: through, in: state)
        let upTo = request.content["through_seq"]?.intValue ?? 0
        if let review = state.release.auditReviews[batchID], review.throughSeq >= upTo {
            throw ActionRefusal(
                .rule, gate: "reviewed-already",
                "the audit trail of \(batchID) is reviewed through #\(review.throughSeq) already")
        }
        let signature = try signed(request, by: user, expecting: expected, digest: digest)
        var body = request.content.objectValue ?? [:]
        body["reason"] = .string(reason)
        body["signature"] = signature.json
        return [RecordDraft(kind: RecordKind.auditTrailReviewed, actor: actor, body: body)]
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension AuditTrailReview: Codable {}
