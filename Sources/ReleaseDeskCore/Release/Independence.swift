/// Independence on one batch (EU GMP Annex 16, data-integrity guidance): QA review, audit-trail review and QP
/// certification of a batch are done by three different people, whatever roles their accounts hold.
extension ReleaseRules {
    /// The duties that must be held by different people on one batch.
    public enum Duty: String, Sendable, CaseIterable {
        /// Dispositions, deviations and their steps, OOS investigations, the full review of a sampled batch.
        case qaReview = "QA review"
        case auditTrailReview = "audit-trail review"
        case certification
    }

    /// Who has done each duty on `batchID` so far.
    public static func holders(of duty: Duty, on batchID: String, in state: DeskState) -> Set<String> {
        switch duty {
        case .qaReview: return state.release.qaReviewers[batchID] ?? []
        case .auditTrailReview: return state.release.auditReviewers[batchID] ?? []
        case .certification:
            guard let decision = state.release.decisions[batchID], decision.kind != .rejected else { return [] }
            return [decision.by]
        }
    }

    /// The refusal for `actor` doing `duty` on `batchID` when the same person has done another of the three
    /// duties on it, or nil. Certification after one's own QA review keeps its historical gate name `four-eyes`;
    /// every other pair is `independence`.
    public static func independenceGate(_ batchID: String, actor: String, doing duty: Duty, in state: DeskState)
        -> ActionRefusal?
    {
        for other in Duty.allCases where other != duty && holders(of: other, on: batchID, in: state).contains(actor) {
            let gate = Set([duty, other]) == [.qaReview, .certification] ? "four-eyes" : "independence"
            return ActionRefusal(
                .permission, gate: gate,
                "\(actor) did the \(other.rawValue) of \(batchID) and may not also do its \(duty.rawValue): QA review, "
                    + "audit-trail review and certification of one batch are done by three different people")
        }
        return nil
    }

    static func independence(_ batchID: String, actor: String, doing duty: Duty, in state: DeskState)
        throws(ActionRefusal)
    {
        if let refusal = independenceGate(batchID, actor: actor, doing: duty, in: state) { throw refusal }
    }
}
