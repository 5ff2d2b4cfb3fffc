import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// A suspended site's batches are not certified or supplied; a later record can undo a suspension only as a
/// supervisor's signed reinstatement.
@Suite("Site status")
struct SiteStatusTests {
    typealias R = ReleaseRulesTests

    static func set(
        _ site: String, suspend: Bool, by actor: String = "sup.kenji", reason: String = "audit finding",
        _ state: inout DeskState, _ records: inout [Record]
    ) throws(ActionRefusal) {
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.setSiteStatus(
                site, suspend: suspend, reason: reason, by: actor, expecting: nil, digest: R.digest, in: s)
        }
    }

    @Test func suspensionClosesCertificationAndReinstatementOpensIt() throws {
        var (state, records) = try R.state()
        let ready = R.readyBatch(state)
        try R.reviewTrail(ready, &state, &records)
        let site = state.batches[ready]!.batch.site
        #expect(ReleaseRules.certificationGates(ready, by: "qp.maria", now: R.now, in: state).isEmpty)

        try Self.set(site, suspend: true, &state, &records)
        #expect(state.release.suspension(of: site)?.by == "sup.kenji")
        let gates = ReleaseRules.certificationGates(ready, by: "qp.maria", now: R.now, in: state)
        #expect(gates.map(\.gate) == ["site-suspended"])
        #expect(gates.first?.message.contains("audit finding") == true)
        #expect(state.queueEntry(state.batches[ready]!).status == .siteSuspended)
        let refused = R.refusal {
            _ = try ReleaseRules.certify(
                ready, answers: R.yes, reason: "ok", by: "qp.maria", now: R.now, expecting: nil, digest: R.digest,
                in: state)
        }
        #expect(refused?.gate == "site-suspended")
        // Another site's batches are not affected.
        let elsewhere = state.batches.values.filter { $0.batch.site != site }.map(\.batch.id)
        for id in elsewhere {
            #expect(
                !ReleaseRules.certificationGates(id, by: "qp.maria", now: R.now, in: state).contains {
                    $0.gate == "site-suspended"
                })
        }

        try Self.set(site, suspend: false, reason: "CAPA effective", &state, &records)
        #expect(state.release.suspension(of: site) == nil)
        #expect(state.release.siteEvents[site]?.map(\.kind) == [RecordKind.siteSuspended, RecordKind.siteReinstated])
        #expect(ReleaseRules.certificationGates(ready, by: "qp.maria", now: R.now, in: state).isEmpty)
    }

    @Test func onlyASupervisorWithAReasonChangesASiteAndOnlyOneWay() throws {
        var (state, records) = try R.state()
        let site = state.sites.keys.sorted().first!
        for actor in ["qp.maria", "qa.anna", "nobody"] {
            let refused = R.refusal { try Self.set(site, suspend: true, by: actor, &state, &records) }
            #expect(refused != nil, "\(actor)")
        }
        #expect(R.refusal { try Self.set(site, suspend: true, reason: " \t", &state, &records) } != nil)
        #expect(R.refusal { try Self.set("NO-SITE", suspend: true, &state, &records) }?.gate == "unknown-site")
        #expect(R.refusal { try Self.set(site, suspend: false, &state, &records) }?.gate == "site-not-suspended")
        try Self.set(site, suspend: true, &state, &records)
        #expect(R.refusal { try Self.set(site, suspend: true, &state, &records) }?.gate == "site-suspended")
        #expect(state.release.siteEvents[site]?.count == 1)
    }

    @Test func theSignatureCoversTheSiteTheStepAndTheReason() throws {
        let (state, _) = try R.state()
        let site = state.sites.keys.sorted().first!
        let request = try ReleaseRules.siteStatusRequest(site, suspend: true, reason: "finding", in: state)
        #expect(request.subject == "site:\(site)")
        #expect(request.meaning == .suspended)
        #expect(
            request.content
                == ["site": .string(site), "step": "suspend", "suspended_before": false, "reason": "finding"])
        let shown = R.digest(request.content)
        let other = R.refusal {
            _ = try ReleaseRules.setSiteStatus(
                site, suspend: true, reason: "another reason", by: "sup.kenji", expecting: shown, digest: R.digest,
                in: state)
        }
        #expect(other?.gate == "state-changed")
    }
}
