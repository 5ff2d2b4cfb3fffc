import CanonicalJSON

extension RecordKind {
    /// QA signs the full review of a batch that quiet-batch sampling chose (or any batch QA reviews in full).
    public static let batchFullReviewed = "batch.full_reviewed"
}

extension ReleaseRules {
    /// What a full review signs: the compiled disposition record of the batch, as QA read it.
    public static func fullReviewRequest(_ batchID: String, in state: DeskState) throws(ActionRefusal) -> SigningRequest
    {
        let record = try findBatch(batchID, in: state)
        return SigningRequest(
            subject: "batch:\(batchID)",
            decision: "record the full QA review of \(batchID): the whole batch record is reviewed",
            meaning: .reviewed, content: DispositionReport(record: record, state: state).json)
    }

    /// QA signs that the whole batch record was reviewed, not only its exceptions. A batch chosen by quiet-batch
    /// sampling is not ready for the QP until this record exists (certification gate `full-review`).
    public static func fullReview(
        _ batchID: String, reason rawReason: String, by actor: String, expecting expected: String?, digest: Digest,
        in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .fullReview)
        let record = try findBatch(batchID, in: state)
        try undecided(batchID, in: state)
        if record.needsReview {
            throw ActionRefusal(.rule, gate: "review", "\(batchID) has data not yet reviewed by the rule engine")
        }
        if let done = state.release.fullReviews[batchID], done.seq > record.lastDataSeq {
            throw ActionRefusal(
                .rule, gate: "reviewed-already", "\(batchID) was reviewed in full by \(done.by) at \(done.at)")
        }
        try independence(batchID, actor: actor, doing: .qaReview, in: state)
        let reason = try requireReason(rawReason)
        let signature = try signed(
            try fullReviewRequest(batchID, in: state), by: user, expecting: expected, digest: digest)
        var body: [String: JSONValue] = [
            "batch": .string(batchID), "reason": .string(reason), "signature": signature.json,
        ]
        if let why = record.review?.quietReason { body["sampled"] = .string(why) }
        return [RecordDraft(kind: RecordKind.batchFullReviewed, actor: actor, body: body)]
    }
}

extension BatchRecord {
    /// Whether QA signed a full review of the batch after its last data arrived (new data reopens it).
    public func isFullyReviewed(in ledger: ReleaseLedger) -> Bool {
        ledger.fullReviews[batch.id].map { $0.seq > lastDataSeq } ?? false
    }
}
