import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// The rules a QP and an inspector must be able to trust: OOS results, four-eyes on deviations, segregation of
/// duties and independence per batch, temporary passwords, full review of sampled batches, infusion before
/// certification, reasons with visible text, and the states an exception can be in.
@Suite("Release rules an inspector can trust")
struct TrustRulesTests {
    typealias R = ReleaseRulesTests
    static let now = R.now
    static let batch = R.flagged
    static let oos = R.oos
    static let oot = R.oot

    static func refusal(_ body: () throws -> Void) -> ActionRefusal? { R.refusal(body) }

    /// The viability result behind the flagged batch's OOS exception.
    static func oosResult(_ state: DeskState) -> QCResult {
        state.oosStandings(batch).first { $0.attribute == "viability" }!.results.first!
    }

    /// Records QC results for `batchID` (as a LIMS import would) and the review that follows.
    static func record(
        _ results: [QCResult], for batchID: String, _ state: inout DeskState, _ records: inout [Record],
        at: Timestamp? = nil
    ) {
        R.append(
            RecordDraft(
                kind: RecordKind.qcResultsRecorded, actor: "qa.anna",
                body: ["batch": .string(batchID), "results": .array(results.map(\.json))]),
            to: &state, &records)
        rereview(batchID, &state, &records)
    }

    static func rereview(_ batchID: String, _ state: inout DeskState, _ records: inout [Record]) {
        var body = state.review(batchID, now: now)!.json
        body["batch"] = .string(batchID)
        R.append(RecordDraft(kind: RecordKind.batchReviewed, actor: "system", body: body), to: &state, &records)
    }

    static func investigate(
        _ outcome: OOSOutcome, cause: String?, by actor: String = "qa.ben", _ state: inout DeskState,
        _ records: inout [Record]
    ) throws {
        let result = oosResult(state).id
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.investigateOOS(
                batch: batch, result: result, outcome: outcome, cause: cause,
                reason: "laboratory investigation phase I",
                by: actor, expecting: nil, digest: R.digest, in: s)
        }
    }

    static func exception(_ id: String, _ state: DeskState, of batchID: String = batch) -> ReviewException {
        state.batches[batchID]!.review!.exceptions.first { $0.id == id }!
    }

    // MARK: - OOS

    @Test func anOOSResultIsNeverJustifiedAsNoImpactNorRetestedWithoutAnInvestigation() throws {
        let (state, _) = try R.state()
        for kind in [DispositionKind.justified, .retestRequested] {
            let refusal = Self.refusal {
                _ = try ReleaseRules.disposition(
                    batch: Self.batch, exception: Self.oos, kind: kind, reason: "no impact", by: "qa.anna",
                    expecting: nil,
                    digest: R.digest, in: state)
            }
            #expect(refusal?.gate == "oos")
        }
    }

    @Test func invalidatingAnOOSResultNeedsAnAssignableLaboratoryCause() throws {
        var (state, records) = try R.state()
        for cause in [nil, "", " \t", "\u{200B}\u{2060}"] as [String?] {
            let refusal = Self.refusal { try Self.investigate(.invalidated, cause: cause, &state, &records) }
            #expect(refusal?.gate == "cause")
        }
    }

    @Test func anInvalidatedOOSLetsAValidRetestCountAndStaysVisibleMarked() throws {
        var (state, records) = try R.state()
        let first = Self.oosResult(state)
        try Self.investigate(
            .invalidated, cause: "pipetting error in the viability assay (lab investigation LI-7)", &state, &records)
        #expect(state.exceptionState(Self.exception(Self.oos, state), of: Self.batch) == .invalidated)
        #expect(state.oosGate(Self.batch) == nil)
        // The re-test, under a new result id, passes; the invalidated result stays in the exception, marked.
        let retest = QCResult(
            id: first.id + "-RT", attribute: "viability", value: "86.0", unit: first.unit,
            testedAt: first.testedAt.adding(milliseconds: 86_400_000), status: "final")
        Self.record([retest], for: Self.batch, &state, &records)
        let after = Self.exception(Self.oos, state)
        #expect(after.source.contains("\(first.id)") && after.source.contains("invalidated"))
        #expect(after.title.hasSuffix("invalidated"))
        #expect(state.exceptionState(after, of: Self.batch) == .invalidated)
        #expect(
            !ReleaseRules.certificationGates(Self.batch, by: "qp.maria", now: Self.now, in: state).map(\.gate).contains(
                "oos"))
        // A result is investigated once: nobody can turn the invalidation around later.
        let again = Self.refusal { try Self.investigate(.confirmed, cause: nil, &state, &records) }
        #expect(again?.gate == "investigated-already")
    }

    @Test func aLaterPassingResultNeverClearsAnEarlierOOS() throws {
        var (state, records) = try R.state()
        let first = Self.oosResult(state)
        let passing = QCResult(
            id: first.id + "-B", attribute: "viability", value: "91.0", unit: first.unit,
            testedAt: first.testedAt.adding(milliseconds: 3_600_000), status: "final")
        Self.record([passing], for: Self.batch, &state, &records)
        let exception = Self.exception(Self.oos, state)
        #expect(exception.source.contains(first.id))
        #expect(state.exceptionState(exception, of: Self.batch) == .open)
        #expect(state.oosGate(Self.batch)?.gate == "oos")
        #expect(
            ReleaseRules.certificationGates(Self.batch, by: "qp.maria", now: Self.now, in: state).map(\.gate).contains(
                "oos"))
        #expect(state.queueEntry(state.batches[Self.batch]!).status == .flagged)
    }

    @Test func anOOSResultCorrectedIntoSpecificationStillNeedsItsInvestigation() throws {
        var (state, records) = try R.state()
        var corrected = Self.oosResult(state)
        let original = corrected.value
        corrected.value = "88.0"
        var body = corrected.json.objectValue!
        body["correction_reason"] = "transcription error"
        R.append(
            RecordDraft(
                kind: RecordKind.qcResultsRecorded, actor: "qa.anna",
                body: ["batch": .string(Self.batch), "results": [.object(body)]]),
            to: &state, &records)
        Self.rereview(Self.batch, &state, &records)
        let standing = state.oosStandings(Self.batch).first { $0.attribute == "viability" }
        #expect(standing?.results.map(\.value) == [original])
        #expect(state.oosGate(Self.batch)?.gate == "oos")
        #expect(state.queueEntry(state.batches[Self.batch]!).status == .flagged)
        try Self.investigate(
            .invalidated, cause: "transcription error confirmed against the raw data (LI-12)", &state, &records)
        #expect(state.oosGate(Self.batch) == nil)
    }

    @Test func aConfirmedOOSBlocksTheOrdinaryRouteAndTheChecklistAnswer() throws {
        var (state, records) = try R.state()
        try Self.investigate(.confirmed, cause: nil, &state, &records)
        #expect(state.exceptionState(Self.exception(Self.oos, state), of: Self.batch) == .confirmed)
        let gate = state.oosGate(Self.batch)
        #expect(gate?.gate == "oos")
        #expect(gate?.message.contains("confirmed") == true)
        let certify = Self.refusal {
            _ = try ReleaseRules.certify(
                Self.batch, answers: R.yes, reason: "ok", by: "qp.maria", now: Self.now, expecting: nil,
                digest: R.digest, in: state)
        }
        #expect(certify?.gate == "oos")
        #expect(certify?.message.contains("results meet specification") == true)
        // Justify the OOT, so the only thing left is the confirmed OOS: the queue says so.
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: Self.batch, exception: Self.oot, kind: .justified, reason: "trend explained by the OOS",
                by: "qa.anna",
                expecting: nil, digest: R.digest, in: s)
        }
        #expect(state.queueEntry(state.batches[Self.batch]!).status == .oosConfirmed)
        // Rejection stays open to the QP.
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.reject(
                Self.batch, reason: "OOS viability confirmed", by: "qp.maria", expecting: nil, digest: R.digest, in: s)
        }
        #expect(state.release.decisions[Self.batch]?.kind == .rejected)
    }

    @Test func theTrendRuleNeverCallsAnOOSValueWithinSpecification() throws {
        let (state, _) = try R.state()
        let oot = Self.exception(Self.oot, state)
        #expect(!oot.why.lowercased().contains("within specification"))
        #expect(oot.why.contains("Outside the specification"))
    }

    // MARK: - Four-eyes on deviations

    static func openMajor(by actor: String, _ state: inout DeskState, _ records: inout [Record]) throws -> String {
        let id = ReleaseRules.nextDeviationID(in: state)
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: batch, exceptions: [oos, oot], classification: .major, title: "Viability OOS",
                description: "76.5 % < 80 %",
                reason: "OOS", by: actor, now: now, expecting: nil, digest: R.digest, in: s)
        }
        return id
    }

    @Test func whoeverOpensADeviationCannotApproveItsClassification() throws {
        var (state, records) = try R.state()
        let id = try Self.openMajor(by: "qa.anna", &state, &records)
        let own = Self.refusal {
            _ = try ReleaseRules.approveClassification(
                id, classification: nil, reason: "agreed", by: "qa.anna", expecting: nil, digest: R.digest, in: state)
        }
        #expect(own?.gate == "four-eyes")
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approveClassification(
                id, classification: nil, reason: "agreed", by: "qa.ben", expecting: nil, digest: R.digest, in: s)
        }
        #expect(state.release.deviations[id]?.stage == .investigation)
    }

    @Test func theInvestigationsAuthorAndTheOpenerCannotGiveTheFinalApproval() throws {
        var (state, records) = try R.state()
        let id = try Self.openMajor(by: "qa.anna", &state, &records)
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approveClassification(
                id, classification: nil, reason: "agreed", by: "qa.ben", expecting: nil, digest: R.digest, in: s)
        }
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.recordInvestigation(
                id,
                .init(
                    rootCause: "thaw delay", impact: "none on patient", capa: ["CAPA-1"], capaRationale: nil,
                    effectivenessCheck: "3 batches"),
                reason: "investigated", by: "qa.ben", expecting: nil, digest: R.digest, in: s)
        }
        for actor in ["qa.anna", "qa.ben"] {
            let refusal = Self.refusal {
                _ = try ReleaseRules.approve(
                    id, reason: "closed", by: actor, expecting: nil, digest: R.digest, in: state)
            }
            #expect(refusal?.gate == "four-eyes", "\(actor) must not give the final approval")
        }
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approve(id, reason: "closed", by: "qp.omar", expecting: nil, digest: R.digest, in: s)
        }
        #expect(state.release.deviations[id]?.stage == .closed)
    }

    @Test func aMinorDeviationIsApprovedBySomeoneOtherThanItsOpener() throws {
        var (state, records) = try R.state()
        let id = ReleaseRules.nextDeviationID(in: state)
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: Self.batch, exceptions: [Self.oot], classification: .minor, title: "OOT", description: "trend",
                reason: "r",
                by: "qa.anna", now: Self.now, expecting: nil, digest: R.digest, in: s)
        }
        let own = Self.refusal {
            _ = try ReleaseRules.approve(id, reason: "ok", by: "qa.anna", expecting: nil, digest: R.digest, in: state)
        }
        #expect(own?.gate == "four-eyes")
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approve(id, reason: "ok", by: "qa.ben", expecting: nil, digest: R.digest, in: s)
        }
        #expect(state.release.deviations[id]?.stage == .closed)
    }

    // MARK: - Segregation of duties and independence

    /// The sample state with its administrator enrolled.
    static func withAdministrator() throws -> (DeskState, [Record]) {
        var (state, records) = try R.state()
        R.append(
            RecordDraft(
                kind: RecordKind.userEnrolled, actor: "admin",
                body: ["user": "admin", "name": "Dana Whitfield", "roles": ["admin"]]),
            to: &state, &records)
        return (state, records)
    }

    @Test func theAdminRoleIsNeverCombinedWithAGMPRole() throws {
        let (state, _) = try Self.withAdministrator()
        for roles: Set<Role> in [[.admin, .qa], [.admin, .qp], [.admin, .supervisor]] {
            let refusal = Self.refusal {
                _ = try UserAdministration.enrol(
                    "mixed.one", name: "Mixed One", roles: roles, reason: nil, by: "admin", in: state)
            }
            #expect(refusal?.gate == "segregation-of-duties")
        }
    }

    @Test func anExistingAdministratorWithAGMPRoleCannotSignGMPDecisions() throws {
        var (state, records) = try R.state()
        R.append(
            RecordDraft(
                kind: RecordKind.userEnrolled, actor: "admin",
                body: ["user": "it.qa", "name": "Old Mixed Account", "roles": ["admin", "qa"]]),
            to: &state, &records)
        #expect(state.users["it.qa"]?.mixesAdministrationWithGMP == true)
        let refusal = Self.refusal {
            _ = try ReleaseRules.disposition(
                batch: Self.batch, exception: Self.oot, kind: .justified, reason: "ok", by: "it.qa", expecting: nil,
                digest: R.digest, in: state)
        }
        #expect(refusal?.gate == "segregation-of-duties")
    }

    @Test func oneAccountDoesAtMostOneOfQAReviewAuditTrailReviewAndCertificationOfABatch() throws {
        var (state, records) = try R.state()
        // qp.omar holds qa and qp: he reviews the audit trail of a ready batch …
        let ready = R.readyBatch(state)
        try R.reviewTrail(ready, &state, &records, by: "qp.omar")
        // … so he may not certify it, whatever his roles.
        let certify = Self.refusal {
            _ = try ReleaseRules.certify(
                ready, answers: R.yes, reason: "ok", by: "qp.omar", now: Self.now, expecting: nil, digest: R.digest,
                in: state)
        }
        #expect(certify?.gate == "independence")
        // On another batch he did QA review: he may not review its audit trail.
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: Self.batch, exception: Self.oot, kind: .justified, reason: "ok", by: "qp.omar", expecting: nil,
                digest: R.digest, in: s)
        }
        let trail = Self.refusal { try R.reviewTrail(Self.batch, &state, &records, by: "qp.omar") }
        #expect(trail?.gate == "independence")
        // And the supervisor who reviewed a trail may not then do QA review of that batch (were they QA).
        try R.reviewTrail(Self.batch, &state, &records, by: "qa.ben")
        let qa = Self.refusal {
            _ = try ReleaseRules.openDeviation(
                batch: Self.batch, exceptions: [Self.oos], classification: .major, title: "t", description: "d",
                reason: "r",
                by: "qa.ben", now: Self.now, expecting: nil, digest: R.digest, in: state)
        }
        #expect(qa?.gate == "independence")
    }

    @Test func aPasswordSetByAnAdministratorIsTemporaryUntilTheUserSetsTheirOwn() throws {
        var (state, records) = try Self.withAdministrator()
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try UserAdministration.enrol(
                "qa.new", name: "New Person", roles: [.qa], reason: "joined QA", by: "admin", temporaryPassword: true,
                in: s)
        }
        #expect(state.users["qa.new"]?.passwordIsTemporary == true)
        let blocked = Self.refusal { _ = try state.requireUser("qa.new", anyOf: [.qa], toDo: "disposition exceptions") }
        #expect(blocked?.gate == "temporary-password")
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try UserAdministration.credentialChanged("qa.new", reason: "my own password", by: "qa.new", in: s)
        }
        #expect(state.users["qa.new"]?.passwordIsTemporary == false)
        _ = try state.requireUser("qa.new", anyOf: [.qa], toDo: "disposition exceptions")
        // An administrator resetting it makes it temporary again.
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try UserAdministration.credentialChanged("qa.new", reason: "forgotten", by: "admin", in: s)
        }
        #expect(state.users["qa.new"]?.passwordIsTemporary == true)
    }

    // MARK: - Quiet-batch sampling

    @Test func aBatchChosenForFullReviewNeedsASignedQAFullReviewBeforeTheQP() throws {
        var (state, records) = try R.state()
        guard
            let sampled = state.batches.values.first(where: {
                $0.review?.quietSample == true && $0.batch.manufactureEnd != nil && !$0.needsReview
                    && state.queueEntry($0).status == .fullReview
            })?.batch.id
        else {
            Issue.record("the sample site has no batch chosen for full review")
            return
        }
        #expect(
            ReleaseRules.certificationGates(sampled, by: "qp.maria", now: Self.now, in: state).map(\.gate).contains(
                "full-review"))
        let qp = Self.refusal {
            _ = try ReleaseRules.fullReview(
                sampled, reason: "read", by: "qp.maria", expecting: nil, digest: R.digest, in: state)
        }
        #expect(qp?.gate == "role")
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.fullReview(
                sampled, reason: "whole record read: steps, results, custody, EM", by: "qa.anna", expecting: nil,
                digest: R.digest, in: s)
        }
        #expect(state.queueEntry(state.batches[sampled]!).status == .readyForQP)
        #expect(
            !ReleaseRules.certificationGates(sampled, by: "qp.maria", now: Self.now, in: state).map(\.gate).contains(
                "full-review"))
        // Data that arrives after the full review reopens it.
        let first = state.batches[sampled]!.batch.qc.first { $0.status == "final" }!
        let late = QCResult(
            id: first.id + "-L", attribute: first.attribute, value: first.value, unit: first.unit,
            testedAt: first.testedAt.adding(milliseconds: 60_000), status: "final")
        Self.record([late], for: sampled, &state, &records)
        #expect(!state.batches[sampled]!.isFullyReviewed(in: state.release))
        #expect(
            ReleaseRules.certificationGates(sampled, by: "qp.maria", now: Self.now, in: state).map(\.gate).contains(
                "full-review"))
    }

    // MARK: - Infusion

    @Test func infusionBeforeCertificationIsCriticalAndKeepsTheBatchInTheQueue() throws {
        var (state, records) = try R.state()
        let ready = R.readyBatch(state)
        let event = CustodyEvent(
            id: "C99", event: "infused", at: Self.now.adding(milliseconds: -3_600_000), location: "treatment centre",
            holder: "treating physician", temperatureC: nil, coi: state.batches[ready]!.batch.coi)
        R.append(
            RecordDraft(
                kind: RecordKind.custodyEventsRecorded, actor: "qa.anna",
                body: ["batch": .string(ready), "events": [event.json]]),
            to: &state, &records)
        Self.rereview(ready, &state, &records)
        let infused = state.batches[ready]!.review!.exceptions.first { $0.rule == "INFUSED" }
        #expect(infused?.severity == .critical)
        #expect(infused?.blocking == true)
        let entry = state.queue().first { $0.id == ready }
        #expect(entry != nil, "the batch must stay in the working queue")
        #expect(entry?.status == .flagged)
    }

    @Test func historyReleasedBeforeTheJournalIsNotFlaggedForItsInfusion() throws {
        let (state, _) = try R.state()
        let history = state.batches.values.filter { $0.batch.priorRelease != nil }
        #expect(!history.isEmpty)
        for record in history {
            #expect(!(record.review?.exceptions ?? []).contains { $0.rule == "INFUSED" })
            #expect(state.queueEntry(record).status == .infused)
        }
    }

    // MARK: - Reasons and states

    @Test func aReasonOfInvisibleCharactersOnlyIsRefused() throws {
        let (state, _) = try R.state()
        for reason in [
            "", "   ", "\t\n", "\u{200B}", "\u{2060}\u{FEFF}", "\u{3164}", "\u{2800}", "\u{0301}", "\u{FE0F}",
            "\u{00A0}\u{3000}",
        ] {
            let refusal = Self.refusal {
                _ = try ReleaseRules.disposition(
                    batch: Self.batch, exception: Self.oot, kind: .justified, reason: reason, by: "qa.anna",
                    expecting: nil,
                    digest: R.digest, in: state)
            }
            #expect(refusal?.gate == "reason", "reason \(reason.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(DisplayText.hasVisibleText("ok"))
        #expect(DisplayText.hasVisibleText("\u{200B}é"))
    }

    @Test func exceptionStatesShowAndTheOpenCountGoesDown() throws {
        var (state, records) = try R.state()
        func open() -> Int { state.queueEntry(state.batches[Self.batch]!).open.values.reduce(0, +) }
        let before = open()
        #expect(state.exceptionState(Self.exception(Self.oot, state), of: Self.batch) == .open)
        try R.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: Self.batch, exception: Self.oot, kind: .retestRequested, reason: "re-test the trend",
                by: "qa.anna",
                expecting: nil, digest: R.digest, in: s)
        }
        #expect(state.exceptionState(Self.exception(Self.oot, state), of: Self.batch) == .retestRequested)
        #expect(open() == before - 1)
        let entry = state.queueEntry(state.batches[Self.batch]!)
        #expect(entry.pendingTests >= 1)
        try Self.investigate(.invalidated, cause: "sample mix-up, lab investigation LI-9", &state, &records)
        #expect(open() == before - 2)
        #expect(state.queueEntry(state.batches[Self.batch]!).status == .resultsPending)
        #expect(ExceptionState.invalidated.label.contains("invalidated"))
    }
}
