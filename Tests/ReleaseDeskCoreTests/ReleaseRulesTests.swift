import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// The release workflow: roles, gates, signatures, deviations. Digests here are FNV-1a of the canonical JSON
/// (the core does no hashing; the product passes SHA-256).
@Suite("Release rules")
struct ReleaseRulesTests {
    static let now = Timestamp(iso8601: "2026-01-15T12:00:00Z")!

    static func digest(_ value: JSONValue) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (try? CanonicalJSON.encode(value)) ?? [] {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// The sample site with users: qa.anna (qa), qa.ben (qa), qp.maria (qp), qp.omar (qa + qp), sup.kenji.
    static func state() throws -> (DeskState, [Record]) {
        var (state, records) = try ImportTests().sampleState(now: now)
        for (id, name, roles) in [
            ("qa.anna", "Anna Kowalczyk", ["qa"]), ("qa.ben", "Benjamin Osei", ["qa"]),
            ("qp.maria", "María José Fernández", ["qp"]),
            ("qp.omar", "Omar Haddad", ["qa", "qp"]), ("sup.kenji", "山田 健二", ["supervisor"]),
        ] {
            append(
                RecordDraft(
                    kind: RecordKind.userEnrolled, actor: "admin",
                    body: ["user": .string(id), "name": .string(name), "roles": .array(roles.map { .string($0) })]),
                to: &state, &records)
        }
        return (state, records)
    }

    static func append(_ draft: RecordDraft, to state: inout DeskState, _ records: inout [Record]) {
        let record = Record(
            seq: Int64(records.count + 1), at: now.adding(milliseconds: Int64(records.count)), actor: draft.actor,
            host: "h",
            kind: draft.kind, body: draft.body, prev: Record.zeroHash)
        records.append(record)
        state.apply(record)
    }

    static func run(
        _ state: inout DeskState, _ records: inout [Record], _ body: (DeskState) throws(ActionRefusal) -> [RecordDraft]
    ) throws(ActionRefusal) {
        for draft in try body(state) { append(draft, to: &state, &records) }
    }

    static func refusal(_ body: () throws -> Void) -> ActionRefusal? {
        do {
            try body()
            return nil
        } catch {
            return error as? ActionRefusal
        }
    }

    static let yes = Dictionary(uniqueKeysWithValues: ReleaseRules.checklist.map { ($0.id, true) })

    /// A flagged batch with one major OOS and one minor OOT exception (viability 76.5 %).
    static let flagged = "CART-26-0021"
    static let oos = "EXC-CART-26-0021-OOS-viability"
    static let oot = "EXC-CART-26-0021-OOT-viability"

    /// The first ready-for-QP batch whose only open gate is the audit-trail review.
    static func readyBatch(_ state: DeskState) -> String {
        state.queue().first {
            $0.status == .readyForQP
                && ReleaseRules.certificationGates($0.id, by: "qp.maria", now: now, in: state).map(\.gate) == [
                    "audit-trail-review"
                ]
        }!.id
    }

    /// The supervisor reviews the batch's audit trail through its last record.
    static func reviewTrail(
        _ batch: String, _ state: inout DeskState, _ records: inout [Record], by actor: String = "sup.kenji"
    ) throws {
        try run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.reviewAuditTrail(
                batch, through: nil, reason: "trail read", by: actor, expecting: nil, digest: digest, in: s)
        }
    }

    @Test func onlyQADispositionsAndEveryRoleRefusalNamesTheRoleGate() throws {
        let (state, _) = try Self.state()
        for actor in ["qp.maria", "sup.kenji", "nobody"] {
            let refusal = Self.refusal {
                _ = try ReleaseRules.disposition(
                    batch: Self.flagged, exception: Self.oot, kind: .justified, reason: "ok", by: actor, expecting: nil,
                    digest: Self.digest, in: state)
            }
            #expect(refusal?.category == .permission)
            #expect(refusal?.gate == (actor == "nobody" ? "unknown-user" : "role"))
        }
        let certify = Self.refusal {
            _ = try ReleaseRules.certify(
                Self.readyBatch(state), answers: Self.yes, reason: "ok", by: "qa.anna", now: Self.now, expecting: nil,
                digest: Self.digest, in: state)
        }
        #expect(certify?.gate == "role")
        let hold = Self.refusal {
            _ = try ReleaseRules.hold(
                Self.flagged, on: true, reason: "x", by: "sup.kenji", expecting: nil, digest: Self.digest, in: state)
        }
        #expect(hold?.gate == "role")
        let deviation = Self.refusal {
            _ = try ReleaseRules.openDeviation(
                batch: Self.flagged, exceptions: [Self.oos], classification: .major, title: "t", description: "d",
                reason: "r",
                by: "qp.maria", now: Self.now, expecting: nil, digest: Self.digest, in: state)
        }
        #expect(deviation?.gate == "role")
    }

    @Test func aDispositionNeedsAReasonAndASignatureBoundToWhatWasShown() throws {
        var (state, records) = try Self.state()
        let empty = Self.refusal {
            _ = try ReleaseRules.disposition(
                batch: Self.flagged, exception: Self.oot, kind: .justified, reason: "  ", by: "qa.anna", expecting: nil,
                digest: Self.digest, in: state)
        }
        #expect(empty?.gate == "reason")
        let shown = try ReleaseRules.dispositionRequest(
            batch: Self.flagged, exception: Self.oot, kind: .justified, reason: "within trend limits after re-analysis",
            in: state)
        #expect(shown.meaning == .reviewed)
        #expect(shown.subject == "exception:\(Self.oot)")
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: Self.flagged, exception: Self.oot, kind: .justified,
                reason: "within trend limits after re-analysis",
                by: "qa.anna", expecting: Self.digest(shown.content), digest: Self.digest, in: s)
        }
        let signature = Signature.decode(records.last!.body["signature"])!
        #expect(signature.user == "qa.anna")
        #expect(signature.name == "Anna Kowalczyk")
        #expect(signature.subjectSHA256 == Self.digest(shown.content))
        #expect(
            signature.manifestation(at: records.last!.at).hasPrefix(
                "signed by Anna Kowalczyk (qa.anna) on 2026-01-15 12:00"))
        // Signed against content that has since changed: refused, nothing written.
        let stale = Self.refusal {
            _ = try ReleaseRules.disposition(
                batch: Self.flagged, exception: Self.oot, kind: .retestRequested, reason: "re-test", by: "qa.anna",
                expecting: "0", digest: Self.digest, in: state)
        }
        #expect(stale?.gate == "state-changed")
    }

    @Test func aLaterDispositionSupersedesAndBothStayVisible() throws {
        var (state, records) = try Self.state()
        for kind in [DispositionKind.retestRequested, .justified] {
            try Self.run(&state, &records) { s throws(ActionRefusal) in
                try ReleaseRules.disposition(
                    batch: Self.flagged, exception: Self.oot, kind: kind, reason: "step \(kind.rawValue)",
                    by: "qa.anna",
                    expecting: nil, digest: Self.digest, in: s)
            }
        }
        #expect(state.release.dispositions[Self.oot]?.map(\.kind) == [.retestRequested, .justified])
        #expect(state.release.disposition(of: Self.oot)?.kind == .justified)
        let report = DispositionReport(record: state.batches[Self.flagged]!, state: state)
        #expect(report.text.contains("(superseded)"))
    }

    @Test func blockingExceptionsCannotBeJustified() throws {
        let (state, _) = try Self.state()
        let batch = "CART-26-0022"
        let coi = state.batches[batch]!.review!.exceptions.first { $0.rule == "COI" }!
        let refusal = Self.refusal {
            _ = try ReleaseRules.disposition(
                batch: batch, exception: coi.id, kind: .justified, reason: "label reprinted", by: "qa.anna",
                expecting: nil,
                digest: Self.digest, in: state)
        }
        #expect(refusal?.gate == "blocking")
        let low = Self.refusal {
            _ = try ReleaseRules.openDeviation(
                batch: batch, exceptions: [coi.id], classification: .major, title: "CoI", description: "mismatch",
                reason: "r",
                by: "qa.anna", now: Self.now, expecting: nil, digest: Self.digest, in: state)
        }
        #expect(low?.gate == "classification")
    }

    @Test func certificationGatesEachRefuseByName() throws {
        var (state, records) = try Self.state()
        func gates(_ batch: String, _ actor: String = "qp.maria") -> [String] {
            ReleaseRules.certificationGates(batch, by: actor, now: Self.now, in: state).map(\.gate)
        }
        #expect(gates(Self.flagged).contains("undispositioned-exceptions"))
        #expect(gates("CART-26-0022").contains("chain-of-identity"))
        #expect(gates("no-such-batch") == ["unknown-batch"])
        let expired = state.batches.values.first { $0.batch.expiry <= Self.now && $0.batch.manufactureEnd != nil }
        if let expired { #expect(gates(expired.batch.id).contains("expired")) }
        let inManufacture = state.batches.values.first { $0.batch.manufactureEnd == nil }!.batch.id
        #expect(gates(inManufacture).contains("in-manufacture"))

        // An open major deviation is a gate until it is closed.
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: Self.flagged, exceptions: [Self.oos, Self.oot], classification: .major, title: "Viability OOS",
                description: "76.5 % < 80 %", reason: "OOS", by: "qa.anna", now: Self.now, expecting: nil,
                digest: Self.digest, in: s)
        }
        #expect(!gates(Self.flagged).contains("undispositioned-exceptions"))
        #expect(gates(Self.flagged).contains("open-deviation"))

        // Hold is a gate; so is four-eyes.
        let ready = Self.readyBatch(state)
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.hold(
                ready, on: true, reason: "complaint under review", by: "qp.maria", expecting: nil, digest: Self.digest,
                in: s)
        }
        #expect(gates(ready) == ["on-hold", "audit-trail-review"])
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.hold(
                ready, on: false, reason: "complaint closed", by: "qp.maria", expecting: nil, digest: Self.digest, in: s
            )
        }
        #expect(gates(ready) == ["audit-trail-review"])
        try Self.reviewTrail(ready, &state, &records)
        #expect(gates(ready) == [])
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.comment(batch: ready, text: "looked at it", by: "qp.omar", in: s)
        }
        // A record about the batch after the review reopens it.
        #expect(gates(ready) == ["audit-trail-review"])
        #expect(gates(Self.flagged, "qp.omar").contains("four-eyes") == false)
        let reviewed = "CART-26-0021"
        #expect(gates(reviewed, "qa.anna").contains("role"))
        #expect(state.release.qaReviewers[reviewed]?.contains("qa.anna") == true)
    }

    @Test func theQPWhoDidQAReviewMayNotCertify() throws {
        var (state, records) = try Self.state()
        let batch = "CART-25-0005"
        let target =
            state.batches.values.first {
                $0.batch.manufactureEnd != nil
                    && ($0.review?.exceptions.contains { !$0.blocking && $0.rule != "PENDING" } ?? false)
                    && ($0.review?.exceptions.allSatisfy { !$0.blocking && $0.rule != "PENDING" && $0.rule != "OOS" }
                        ?? false)
                    && $0.batch.expiry > Self.now && state.queueEntry($0).status == .flagged
            }?.batch.id ?? batch
        for exception in state.batches[target]!.review!.exceptions {
            try Self.run(&state, &records) { s throws(ActionRefusal) in
                try ReleaseRules.disposition(
                    batch: target, exception: exception.id, kind: .justified, reason: "assessed", by: "qp.omar",
                    expecting: nil,
                    digest: Self.digest, in: s)
            }
        }
        let refusal = Self.refusal {
            _ = try ReleaseRules.certify(
                target, answers: Self.yes, reason: "ok", by: "qp.omar", now: Self.now, expecting: nil,
                digest: Self.digest, in: state)
        }
        #expect(refusal?.gate == "four-eyes")
        try Self.reviewTrail(target, &state, &records)
        #expect(ReleaseRules.certificationGates(target, by: "qp.maria", now: Self.now, in: state).isEmpty)
    }

    @Test func certificationNeedsEveryChecklistItemAndSignsTheDispositionRecord() throws {
        var (state, records) = try Self.state()
        let ready = Self.readyBatch(state)
        try Self.reviewTrail(ready, &state, &records)
        var answers = Self.yes
        answers["nothing-negates-certification"] = false
        let refused = Self.refusal {
            _ = try ReleaseRules.certify(
                ready, answers: answers, reason: "ok", by: "qp.maria", now: Self.now, expecting: nil,
                digest: Self.digest, in: state)
        }
        #expect(refused?.gate == "checklist")
        let before = state
        let shown = try ReleaseRules.certificationRequest(ready, in: state)
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.certify(
                ready, answers: Self.yes, reason: "all gates closed", by: "qp.maria", now: Self.now,
                expecting: Self.digest(shown.content), digest: Self.digest, in: s)
        }
        let record = records.last!
        #expect(record.kind == RecordKind.batchCertified)
        let signature = Signature.decode(record.body["signature"])!
        #expect(signature.meaning == .certified)
        #expect(signature.subject == "batch:\(ready)")
        // subject_sha256 recomputed from the disposition record as it stood when signed.
        let report = DispositionReport(record: before.batches[ready]!, state: before)
        #expect(signature.subjectSHA256 == Self.digest(report.json))
        // Copied onto another batch's record, the digest does not match.
        let other = before.batches.keys.sorted().first { $0 != ready }!
        #expect(
            signature.subjectSHA256
                != Self.digest(DispositionReport(record: before.batches[other]!, state: before).json))
        #expect(state.queueEntry(state.batches[ready]!).status == .released)
        #expect(state.release.register.map(\.batch) == [ready])
        // A second certification is refused: the state changed.
        let again = Self.refusal {
            _ = try ReleaseRules.certify(
                ready, answers: Self.yes, reason: "again", by: "qp.maria", now: Self.now, expecting: nil,
                digest: Self.digest, in: state)
        }
        #expect(again?.gate == "state-changed")
        #expect(DeskState.replay(records) == state)
    }

    @Test func auditTrailReviewIsSignedIndependentAndReopenedByLaterRecords() throws {
        var (state, records) = try Self.state()
        let ready = Self.readyBatch(state)
        // Only supervisors and QA review audit trails; the QP is refused by the role gate.
        let byQP = Self.refusal {
            _ = try ReleaseRules.reviewAuditTrail(
                ready, through: nil, reason: "r", by: "qp.maria", expecting: nil, digest: Self.digest, in: state)
        }
        #expect(byQP?.gate == "role")
        // Someone who did QA review of the batch is not independent of it.
        let flaggedState = state
        var s2 = state
        var r2 = records
        try Self.run(&s2, &r2) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: Self.flagged, exception: Self.oot, kind: .justified, reason: "ok", by: "qa.anna", expecting: nil,
                digest: Self.digest, in: s)
        }
        let notIndependent = Self.refusal {
            _ = try ReleaseRules.reviewAuditTrail(
                Self.flagged, through: nil, reason: "r", by: "qa.anna", expecting: nil, digest: Self.digest, in: s2)
        }
        #expect(notIndependent?.gate == "independence")
        _ = flaggedState
        // A reason is required, and what was shown must still be what is signed.
        let noReason = Self.refusal {
            _ = try ReleaseRules.reviewAuditTrail(
                ready, through: nil, reason: "  ", by: "sup.kenji", expecting: nil, digest: Self.digest, in: state)
        }
        #expect(noReason != nil)
        let shown = try ReleaseRules.auditTrailReviewRequest(ready, through: nil, in: state)
        #expect(shown.meaning == .reviewed)
        let trail = state.batches[ready]!.recordSeqs
        #expect(shown.content["record_seqs"] == .array(trail.map(JSONValue.int)))
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.comment(batch: ready, text: "a late note", by: "qa.ben", in: s)
        }
        let stale = Self.refusal {
            _ = try ReleaseRules.reviewAuditTrail(
                ready, through: nil, reason: "read", by: "sup.kenji", expecting: Self.digest(shown.content),
                digest: Self.digest, in: state)
        }
        #expect(stale?.gate == "state-changed")
        // Reviewed through an earlier record: the later comment keeps the gate open.
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.reviewAuditTrail(
                ready, through: trail.last!, reason: "read", by: "sup.kenji", expecting: Self.digest(shown.content),
                digest: Self.digest, in: s)
        }
        #expect(records.last!.kind == RecordKind.auditTrailReviewed)
        #expect(Signature.decode(records.last!.body["signature"])?.subject == "audit-trail:\(ready)")
        var status = ReleaseRules.auditTrailStatus(ready, in: state)
        #expect(status.review?.throughSeq == trail.last! && status.unreviewed == 1 && !status.isCurrent)
        #expect(
            ReleaseRules.certificationGates(ready, by: "qp.maria", now: Self.now, in: state).map(\.gate) == [
                "audit-trail-review"
            ])
        // The review record itself does not reopen the review; reviewing the whole trail closes the gate.
        try Self.reviewTrail(ready, &state, &records, by: "qa.ben")
        status = ReleaseRules.auditTrailStatus(ready, in: state)
        #expect(status.isCurrent)
        #expect(ReleaseRules.certificationGates(ready, by: "qp.maria", now: Self.now, in: state).isEmpty)
        let again = Self.refusal {
            _ = try ReleaseRules.reviewAuditTrail(
                ready, through: nil, reason: "r", by: "sup.kenji", expecting: nil, digest: Self.digest, in: state)
        }
        #expect(again?.gate == "reviewed-already")
        // The disposition record (what a certification signs) carries the review.
        let report = DispositionReport(record: state.batches[ready]!, state: state)
        #expect(report.json["audit_trail_review"]?["by"] == .string("qa.ben"))
        #expect(report.text.contains("audit trail reviewed through"))
        #expect(DeskState.replay(records) == state)
    }

    @Test func stagedCertificationStaysFlaggedAndAFailingLateResultIsEscalatedAsCritical() throws {
        var (state, records) = try Self.state()
        // CART-26-0026 waits for a result that may follow release; QA justifies its other exceptions.
        for exception in state.batches["CART-26-0026"]!.review!.exceptions where exception.rule != "PENDING" {
            try Self.run(&state, &records) { s throws(ActionRefusal) in
                try ReleaseRules.disposition(
                    batch: "CART-26-0026", exception: exception.id, kind: .justified, reason: "assessed: no impact",
                    by: "qa.anna",
                    expecting: nil, digest: Self.digest, in: s)
            }
        }
        let entry = state.queue().first {
            $0.pendingTests > 0
                && ReleaseRules.certificationGates($0.id, by: "qp.maria", now: Self.now, in: state).map(\.gate) == [
                    "audit-trail-review"
                ]
        }
        let batch = try #require(entry?.id)
        let pending = state.batches[batch]!.review!.exceptions.filter { $0.rule == "PENDING" }
        #expect(!pending.isEmpty)
        try Self.reviewTrail(batch, &state, &records)
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.certify(
                batch, answers: Self.yes, reason: "staged: sterility follows", by: "qp.maria", now: Self.now,
                expecting: nil,
                digest: Self.digest, in: s)
        }
        #expect(state.release.decisions[batch]?.pendingTests == pending.map(\.id))
        // Certified, but flagged until the pending results arrive.
        #expect(state.queueEntry(state.batches[batch]!).status == .releasedPending)
        let attribute = try #require(pending.first { $0.id.hasSuffix("-sterility") } ?? pending.first).id.split(
            separator: "-"
        ).last!
        let value = attribute == "sterility" ? "growth" : "detected"
        let csv =
            "batch,result_id,attribute,value,unit,tested_at,status,correction_reason\n"
            + "\(batch),R-\(batch)-LATE,\(attribute),\(value),,2026-01-16T09:00:00Z,final,\n"
        let late = try ImportParser.parse(file: "late.csv", sha256: "0", bytes: Array(csv.utf8)).get()
        let later = Self.now.adding(milliseconds: 86_400_000)
        let drafts = try ImportPlanner.plan(
            [late], importID: "imp-late", actor: "qa.ben", reason: nil, now: later, state: state
        ).get()
        for draft in drafts { Self.append(draft, to: &state, &records) }
        let exceptions = state.batches[batch]!.review!.exceptions
        let escalated = try #require(exceptions.first { $0.escalated })
        #expect(escalated.severity == .critical)
        #expect(escalated.title.hasPrefix("AFTER RELEASE: "))
        #expect(escalated.why.contains("escalate"))
        #expect(state.queueEntry(state.batches[batch]!).status == .escalated)
        // The escalation is in the journal: the review record carries it.
        let review = records.last { $0.kind == RecordKind.batchReviewed }!
        #expect(review.body["exceptions"]?.arrayValue?.contains { $0["escalated"] == .bool(true) } == true)
        #expect(DeskState.replay(records) == state)
    }

    @Test func oosSupplyAtAPhysiciansRequestNeedsEveryStepInOrderAllLinked() throws {
        var (state, records) = try Self.state()
        let batch = Self.flagged
        func step(_ s: ReleaseRules.OOSStep, by actor: String) throws {
            try Self.run(&state, &records) { st throws(ActionRefusal) in
                try ReleaseRules.recordOOSStep(
                    batch, s, reason: "Part IV 11.5", by: actor, expecting: nil, digest: Self.digest, in: st)
            }
        }
        func supply() -> ActionRefusal? {
            Self.refusal {
                _ = try ReleaseRules.supplyOOS(
                    batch, reason: "no alternative therapy", by: "qp.maria", now: Self.now, expecting: nil,
                    digest: Self.digest, in: state)
            }
        }
        #expect(supply()?.gate == "no-request")
        let readyHasNoOOS = Self.refusal {
            _ = try ReleaseRules.oosStepRequest(
                Self.readyBatch(state), .request(physician: "Dr. A", reference: "R"), reason: "r", in: state)
        }
        #expect(readyHasNoOOS?.gate == "no-oos")
        try step(.request(physician: "Dr. Ingrid Solberg", reference: "REQ-2026-017"), by: "qp.maria")
        let requestSeq = records.last!.seq
        let early = Self.refusal {
            _ = try ReleaseRules.recordOOSStep(
                batch, .acceptance(physician: "Dr. Ingrid Solberg", reference: "ACC-1"), reason: "r", by: "qa.ben",
                expecting: nil,
                digest: Self.digest, in: state)
        }
        #expect(early?.gate == "order")
        let byQA = Self.refusal {
            _ = try ReleaseRules.recordOOSStep(
                batch, .riskEvaluation("low"), reason: "r", by: "qa.ben", expecting: nil, digest: Self.digest, in: state
            )
        }
        #expect(byQA?.gate == "role")
        try step(
            .riskEvaluation("Viability 76.5 % against 80 %: dose adjusted; benefit outweighs risk for this patient"),
            by: "qp.maria")
        #expect(supply()?.gate == "oos-case-incomplete")
        let otherPhysician = Self.refusal {
            _ = try ReleaseRules.recordOOSStep(
                batch, .acceptance(physician: "Dr. Someone Else", reference: "ACC-1"), reason: "r", by: "qa.ben",
                expecting: nil,
                digest: Self.digest, in: state)
        }
        #expect(otherPhysician?.gate == "physician")
        try step(.acceptance(physician: "Dr. Ingrid Solberg", reference: "ACC-2026-017"), by: "qa.ben")
        try step(.notification(recipient: "competent authority", reference: "NOT-2026-017"), by: "qa.ben")
        let steps = records.filter { RecordKind.oosSupply.contains($0.kind) }
        #expect(steps.count == 4)
        #expect(steps.dropFirst().allSatisfy { $0.body["oos_case"] == .int(requestSeq) })
        #expect(steps.allSatisfy { Signature.decode($0.body["signature"])?.subject == "oos-supply:\(batch)" })
        // The OOS stays open under its deviation; every other gate still applies.
        #expect(supply()?.gate == "undispositioned-exceptions")
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: batch, exception: Self.oot, kind: .justified, reason: "within trend limits", by: "qa.anna",
                expecting: nil,
                digest: Self.digest, in: s)
        }
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: batch, exceptions: [Self.oos], classification: .major, title: "Viability OOS",
                description: "76.5 %",
                reason: "OOS", by: "qa.anna", now: Self.now, expecting: nil, digest: Self.digest, in: s)
        }
        #expect(supply()?.gate == "audit-trail-review")
        #expect(
            ReleaseRules.certificationGates(batch, by: "qp.maria", now: Self.now, in: state).map(\.gate).contains(
                "open-deviation"))
        try Self.reviewTrail(batch, &state, &records)
        #expect(supply() == nil)
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.supplyOOS(
                batch, reason: "no alternative therapy", by: "qp.maria", now: Self.now, expecting: nil,
                digest: Self.digest, in: s)
        }
        #expect(records.last!.kind == RecordKind.oosSupplied)
        #expect(records.last!.body["oos_case"] == .int(requestSeq))
        #expect(state.queueEntry(state.batches[batch]!).status == .suppliedOOS)
        #expect(state.release.register.last?.kind == .suppliedOutOfSpecification)
        #expect(AuditText.summary(records.last!).hasPrefix("SUPPLIED \(batch) OUT OF SPECIFICATION"))
        #expect(DeskState.replay(records) == state)
    }

    @Test func qaAssignsABatchToAnActiveQAUserAndTheQueueShowsIt() throws {
        var (state, records) = try Self.state()
        let byQP = Self.refusal {
            _ = try ReleaseRules.assign(batch: Self.flagged, to: "qa.ben", by: "qp.maria", in: state)
        }
        #expect(byQP?.gate == "role")
        let toQP = Self.refusal {
            _ = try ReleaseRules.assign(batch: Self.flagged, to: "qp.maria", by: "qa.anna", in: state)
        }
        #expect(toQP?.gate == "assignee")
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.assign(batch: Self.flagged, to: "qa.ben", by: "sup.kenji", in: s)
        }
        #expect(state.queueEntry(state.batches[Self.flagged]!).assignee == "qa.ben")
        #expect(AuditText.summary(records.last!) == "assigned \(Self.flagged) to qa.ben")
        let again = Self.refusal {
            _ = try ReleaseRules.assign(batch: Self.flagged, to: "qa.ben", by: "qa.anna", in: state)
        }
        #expect(again?.gate == "assigned-already")
        #expect(state.release.qaReviewers[Self.flagged]?.contains("sup.kenji") != true)
        #expect(DeskState.replay(records) == state)
        // The assignment is removed by QA or a supervisor, journaled with who was assigned.
        let unassignByQP = Self.refusal {
            _ = try ReleaseRules.unassign(batch: Self.flagged, by: "qp.maria", in: state)
        }
        #expect(unassignByQP?.gate == "role")
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.unassign(batch: Self.flagged, by: "qa.anna", in: s)
        }
        #expect(records.last!.kind == RecordKind.batchUnassigned)
        #expect(records.last!.body["assignee"] == .string("qa.ben"))
        #expect(state.queueEntry(state.batches[Self.flagged]!).assignee == nil)
        #expect(AuditText.summary(records.last!) == "removed the assignment of \(Self.flagged) (was qa.ben)")
        let twice = Self.refusal { _ = try ReleaseRules.unassign(batch: Self.flagged, by: "qa.anna", in: state) }
        #expect(twice?.gate == "not-assigned")
        #expect(DeskState.replay(records) == state)
        // Assigned again after that, the latest holds.
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.assign(batch: Self.flagged, to: "qa.ben", by: "qa.anna", in: s)
        }
        #expect(state.queueEntry(state.batches[Self.flagged]!).assignee == "qa.ben")
    }

    @Test func minorDeviationClosesWithOneApprovalMajorNeedsEveryStepInOrder() throws {
        var (state, records) = try Self.state()
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: Self.flagged, exceptions: [Self.oos], classification: .major, title: "Viability OOS",
                description: "76.5 %",
                reason: "OOS", by: "qa.anna", now: Self.now, expecting: nil, digest: Self.digest, in: s)
        }
        let id = "DEV-0001"
        #expect(state.release.deviations[id]?.due == Self.now.adding(milliseconds: 30 * 86_400_000))
        // A CMO's quality agreement sets its own due date (deviation_close_days = 20 for CMO-A).
        let cmoBatch = state.batches.values.first {
            $0.batch.site == "CMO-A"
                && !($0.review?.exceptions.filter { !$0.blocking && $0.rule != "PENDING" }.isEmpty ?? true)
        }!
        let cmoException = cmoBatch.review!.exceptions.first { !$0.blocking && $0.rule != "PENDING" }!
        var cmoState = state
        var cmoRecords = records
        try Self.run(&cmoState, &cmoRecords) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: cmoBatch.batch.id, exceptions: [cmoException.id], classification: .critical, title: "t",
                description: "d",
                reason: "r", by: "qa.anna", now: Self.now, expecting: nil, digest: Self.digest, in: s)
        }
        #expect(
            cmoState.release.deviations[cmoState.release.deviationOrder.last!]?.due
                == Self.now.adding(milliseconds: 20 * 86_400_000))
        let early = Self.refusal {
            _ = try ReleaseRules.approve(
                id, reason: "done", by: "qa.anna", expecting: nil, digest: Self.digest, in: state)
        }
        #expect(early?.gate == "stage")
        let investigation = ReleaseRules.Investigation(
            rootCause: "hold time", impact: "none for patient", capa: [], capaRationale: nil,
            effectivenessCheck: "trend 10 batches")
        let beforeClassification = Self.refusal {
            _ = try ReleaseRules.recordInvestigation(
                id, investigation, reason: "r", by: "qa.anna", expecting: nil, digest: Self.digest, in: state)
        }
        #expect(beforeClassification?.gate == "stage")
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approveClassification(
                id, classification: nil, reason: "major", by: "qa.ben", expecting: nil, digest: Self.digest, in: s)
        }
        let noCapa = Self.refusal {
            _ = try ReleaseRules.recordInvestigation(
                id, investigation, reason: "r", by: "qa.anna", expecting: nil, digest: Self.digest, in: state)
        }
        #expect(noCapa?.gate == "CAPA reference or the rationale for none")
        var complete = investigation
        complete.capaRationale = "isolated event; hold time already limited by SOP"
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.recordInvestigation(
                id, complete, reason: "complete", by: "qa.anna", expecting: nil, digest: Self.digest, in: s)
        }
        #expect(Signature.decode(records.last!.body["signature"])?.meaning == .authored)
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approve(id, reason: "accepted", by: "qa.ben", expecting: nil, digest: Self.digest, in: s)
        }
        #expect(state.release.deviations[id]?.stage == .closed)
        #expect(state.release.isResolved(Self.oos))

        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: Self.flagged, exceptions: [Self.oot], classification: .minor, title: "OOT", description: "trend",
                reason: "minor", by: "qa.anna", now: Self.now, expecting: nil, digest: Self.digest, in: s)
        }
        let classifyMinor = Self.refusal {
            _ = try ReleaseRules.approveClassification(
                "DEV-0002", classification: nil, reason: "x", by: "qa.ben", expecting: nil, digest: Self.digest,
                in: state)
        }
        #expect(classifyMinor?.gate == "stage")
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approve(
                "DEV-0002", reason: "no impact", by: "qa.ben", expecting: nil, digest: Self.digest, in: s)
        }
        #expect(state.release.deviations["DEV-0002"]?.stage == .closed)
        #expect(DeskState.replay(records) == state)
    }

    @Test func dueDatesMoveOnlyByAnExtensionApprovedBySomeoneElse() throws {
        var (state, records) = try Self.state()
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: Self.flagged, exceptions: [Self.oos], classification: .major, title: "OOS",
                description: "76.5 %",
                reason: "OOS", by: "qa.anna", now: Self.now, expecting: nil, digest: Self.digest, in: s)
        }
        let due = state.release.deviations["DEV-0001"]!.due
        let later = due.adding(milliseconds: 14 * 86_400_000)
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.requestExtension("DEV-0001", due: later, reason: "lab backlog", by: "qa.anna", in: s)
        }
        #expect(state.release.deviations["DEV-0001"]?.due == due)
        let own = Self.refusal {
            _ = try ReleaseRules.approveExtension(
                "DEV-0001", reason: "ok", by: "qa.anna", expecting: nil, digest: Self.digest, in: state)
        }
        #expect(own?.gate == "four-eyes")
        try Self.run(&state, &records) { s throws(ActionRefusal) in
            try ReleaseRules.approveExtension(
                "DEV-0001", reason: "justified", by: "qa.ben", expecting: nil, digest: Self.digest, in: s)
        }
        #expect(state.release.deviations["DEV-0001"]?.due == later)
    }

    @Test func signingSessionAsksForBothComponentsFirstThenThePasswordAndBothAgainAfterIdle() {
        let start = Self.now
        var session = SigningSession(user: "qp.maria", startedAt: start, idleLimitMilliseconds: 15 * 60_000)
        #expect(session.components(at: start) == .userIDAndPassword)
        session.signed(at: start)
        #expect(session.components(at: start.adding(milliseconds: 60_000)) == .passwordOnly)
        session.touch(at: start.adding(milliseconds: 14 * 60_000))
        #expect(session.components(at: start.adding(milliseconds: 28 * 60_000)) == .passwordOnly)
        #expect(session.components(at: start.adding(milliseconds: 30 * 60_000)) == .userIDAndPassword)
        session.touch(at: start.adding(milliseconds: 31 * 60_000))
        #expect(session.isIdle(at: start.adding(milliseconds: 31 * 60_000)))
        session.signed(at: start.adding(milliseconds: 32 * 60_000))
        #expect(session.components(at: start.adding(milliseconds: 33 * 60_000)) == .passwordOnly)
    }
}
