import CanonicalJSON

/// A manufacturing site's status: a supervisor suspends a site (after an inspection finding, a failed audit,
/// a quality-agreement breach) and reinstates it, each a signed decision with a reason. While a site is
/// suspended none of its batches can be certified or supplied (gate `site-suspended`); everything else about
/// its batches (review, dispositions, deviations, holds, rejection) goes on.
extension ReleaseRules {
    /// What a suspension or reinstatement signs: the site, the step, the status it changes and the reason.
    public static func siteStatusRequest(_ siteID: String, suspend: Bool, reason: String, in state: DeskState)
        throws(ActionRefusal) -> SigningRequest
    {
        guard state.sites[siteID] != nil else {
            throw ActionRefusal(.rule, gate: "unknown-site", "there is no site \(siteID)")
        }
        let step = suspend ? "suspend" : "reinstate"
        let content: JSONValue = [
            "site": .string(siteID), "step": .string(step),
            "suspended_before": .bool(state.release.suspension(of: siteID) != nil), "reason": .string(reason),
        ]
        return SigningRequest(
            subject: "site:\(siteID)", decision: "\(step) site \(siteID)", meaning: suspend ? .suspended : .reinstated,
            content: content)
    }

    /// A supervisor suspends (`suspend`) or reinstates a site: signed, with a reason; suspending a suspended
    /// site or reinstating one that is not suspended is refused.
    public static func setSiteStatus(
        _ siteID: String, suspend: Bool, reason rawReason: String, by actor: String, expecting expected: String?,
        digest: Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: suspend ? .suspendSite : .reinstateSite)
        let reason = try requireReason(rawReason)
        let request = try siteStatusRequest(siteID, suspend: suspend, reason: reason, in: state)
        let suspended = state.release.suspension(of: siteID) != nil
        if suspend && suspended {
            throw ActionRefusal(.rule, gate: "site-suspended", "site \(siteID) is suspended already")
        }
        if !suspend && !suspended {
            throw ActionRefusal(.rule, gate: "site-not-suspended", "site \(siteID) is not suspended")
        }
        let signature = try signed(request, by: user, expecting: expected, digest: digest)
        return [
            RecordDraft(
                kind: suspend ? RecordKind.siteSuspended : RecordKind.siteReinstated, actor: actor,
                body: ["site": .string(siteID), "reason": .string(reason), "signature": signature.json])
        ]
    }

    /// The `site-suspended` gate of certification and supply: the batch's site is suspended now.
    static func siteGate(_ record: BatchRecord, in state: DeskState) -> ActionRefusal? {
        let site = record.batch.site
        guard let suspension = state.release.suspension(of: site) else { return nil }
        return ActionRefusal(
            .rule, gate: "site-suspended",
            "site \(site) of \(record.batch.id) was suspended by \(suspension.by) at \(suspension.at): "
                + suspension.reason)
    }
}
