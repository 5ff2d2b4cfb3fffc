import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// A signed rule checked before the password: the rule itself, with nothing to compare a signature against.
@Suite("Signing precheck")
struct SigningPrecheckTests {
    static let batch = "CART-26-0022"

    @Test func precheckGivesTheRulesOwnRefusalBeforeAnySignature() throws {
        let (state, _) = try ReleaseRulesTests.state()
        let coi = try #require(state.batches[Self.batch]?.review?.exceptions.first { $0.rule == "COI" })
        var expectations: [String?] = []
        let refusal = SigningPrecheck.refusal { expected, digest throws(ActionRefusal) in
            expectations.append(expected)
            return try ReleaseRules.disposition(
                batch: Self.batch, exception: coi.id, kind: .justified, reason: "label reprinted", by: "qa.anna",
                expecting: expected, digest: digest, in: state)
        }
        #expect(refusal?.gate == "blocking")
        #expect(refusal?.category == .rule)
        #expect(expectations == [nil])  // no digest is expected: nothing was shown yet
    }

    /// The refusal before the password, and the refusal of the same rule run as it is signed.
    static func both(_ rule: SigningPrecheck.Rule) -> (early: ActionRefusal?, signed: ActionRefusal?) {
        let early = SigningPrecheck.refusal(of: rule)
        let signed = ReleaseRulesTests.refusal { _ = try rule(nil, ReleaseRulesTests.digest) }
        return (early, signed)
    }

    @Test func precheckNamesTheSameGateAsTheSignedRuleForEveryRefusal() throws {
        let (state, _) = try ReleaseRulesTests.state()
        let batch = ReleaseRulesTests.flagged
        let exception = ReleaseRulesTests.oot
        // A missing role, an empty description, a hold lifted that was never put: each gate as the signed run names it.
        let role = Self.both { expected, digest throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: batch, exception: exception, kind: .justified, reason: "r", by: "qp.maria", expecting: expected,
                digest: digest, in: state)
        }
        let description = Self.both { expected, digest throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: batch, exceptions: [exception], classification: .major, title: "t", description: " ",
                reason: "r",
                by: "qa.anna", now: ReleaseRulesTests.now, expecting: expected, digest: digest, in: state)
        }
        let hold = Self.both { expected, digest throws(ActionRefusal) in
            try ReleaseRules.hold(
                batch, on: false, reason: "r", by: "qp.maria", expecting: expected, digest: digest, in: state)
        }
        #expect(role.early?.gate == "role")
        #expect(description.early?.gate == "description")
        #expect(hold.early?.gate == "not-on-hold")
        #expect(role.early == role.signed)
        #expect(description.early == description.signed)
        #expect(hold.early == hold.signed)
    }

    @Test func aPassingPrecheckWritesNothingAndOnlyTheSignedRunComparesWhatWasShown() throws {
        let (state, records) = try ReleaseRulesTests.state()
        let exception = ReleaseRulesTests.oot
        let rule: SigningPrecheck.Rule = { expected, digest throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: ReleaseRulesTests.flagged, exception: exception, kind: .justified, reason: "assessed",
                by: "qa.anna",
                expecting: expected, digest: digest, in: state)
        }
        #expect(SigningPrecheck.refusal(of: rule) == nil)
        #expect(state.release.disposition(of: exception) == nil)
        #expect(records.count == (try ReleaseRulesTests.state()).1.count)
        // The digest of what was shown is compared under the lock only: content other than what the state
        // yields now (the state moved after it was shown) is refused there, never by the precheck.
        let shown = try ReleaseRules.dispositionRequest(
            batch: ReleaseRulesTests.flagged, exception: exception, kind: .justified, reason: "other words", in: state)
        let locked = ReleaseRulesTests.refusal {
            _ = try rule(ReleaseRulesTests.digest(shown.content), ReleaseRulesTests.digest)
        }
        #expect(locked?.gate == "state-changed")
        let drafts = try rule(nil, ReleaseRulesTests.digest)
        #expect(drafts.map(\.kind) == [RecordKind.exceptionDispositioned])
        let request = try ReleaseRules.dispositionRequest(
            batch: ReleaseRulesTests.flagged, exception: exception, kind: .justified, reason: "assessed", in: state)
        #expect(
            Signature.decode(drafts.first?.body["signature"])?.subjectSHA256
                == ReleaseRulesTests.digest(request.content))
    }
}
