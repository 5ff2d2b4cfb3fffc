import CanonicalJSON
import Foundation
import Testing

@testable import ReleaseDeskCore

/// The deep check of signatures: every signed record's signature is rebuilt from the state before it.
@Suite("Signature audit")
struct SignatureAuditTests {
    typealias R = ReleaseRulesTests
    static let digest = ReleaseRulesTests.digest

    /// A journal in which every signed kind is written at least once, by the rules themselves.
    static func everySignedKind() throws -> [Record] {
        var (state, records) = try R.state()
        R.append(
            RecordDraft(
                kind: RecordKind.userEnrolled, actor: "admin",
                body: ["user": "adm.dana", "name": "Dana Whitfield", "roles": .array(["admin"])]), to: &state, &records)
        func run(_ body: (DeskState) throws(ActionRefusal) -> [RecordDraft]) throws {
            try R.run(&state, &records, body)
        }
        let flagged = R.flagged
        for (step, actor) in [
            (ReleaseRules.OOSStep.request(physician: "Dr. Ingrid Solberg", reference: "REQ-1"), "qp.maria"),
            (.riskEvaluation("benefit outweighs risk"), "qp.maria"),
            (.acceptance(physician: "Dr. Ingrid Solberg", reference: "ACC-1"), "qa.ben"),
            (.notification(recipient: "competent authority", reference: "NOT-1"), "qa.ben"),
        ] {
            try run { s throws(ActionRefusal) in
                try ReleaseRules.recordOOSStep(
                    flagged, step, reason: "Part IV 11.5", by: actor, expecting: nil, digest: digest, in: s)
            }
        }
        try run { s throws(ActionRefusal) in
            try ReleaseRules.disposition(
                batch: flagged, exception: R.oot, kind: .justified, reason: "within trend limits", by: "qa.anna",
                expecting: nil,
                digest: digest, in: s)
        }
        try run { s throws(ActionRefusal) in
            try ReleaseRules.openDeviation(
                batch: flagged, exceptions: [R.oos], classification: .major, title: "Viability OOS",
                description: "76.5 %",
                reason: "OOS", by: "qa.anna", now: R.now, expecting: nil, digest: digest, in: s)
        }
        try run { s throws(ActionRefusal) in
            try ReleaseRules.approveClassification(
                "DEV-0001", classification: .critical, reason: "patient risk", by: "qa.ben", expecting: nil,
                digest: digest, in: s)
        }
        try run { s throws(ActionRefusal) in
            try ReleaseRules.requestExtension(
                "DEV-0001", due: R.now.adding(milliseconds: 60 * 86_400_000), reason: "lab backlog", by: "qa.anna",
                in: s)
        }
        try run { s throws(ActionRefusal) in
            try ReleaseRules.approveExtension(
                "DEV-0001", reason: "justified", by: "qa.ben", expecting: nil, digest: digest, in: s)
        }
        let investigation = ReleaseRules.Investigation(
            rootCause: "hold time", impact: "none for patient", capa: ["CAPA-7"], capaRationale: nil,
            effectivenessCheck: "trend 10 batches")
        try run { s throws(ActionRefusal) in
            try ReleaseRules.recordInvestigation(
                "DEV-0001", investigation, reason: "complete", by: "qa.anna", expecting: nil, digest: digest, in: s)
        }
        try run { s throws(ActionRefusal) in
            try ReleaseRules.approve(
                "DEV-0001", reason: "accepted", by: "qa.ben", expecting: nil, digest: digest, in: s)
        }
        let result = state.oosStandings(flagged).first!.results.first!.id
        try run { s throws(ActionRefusal) in
            try ReleaseRules.investigateOOS(
                batch: flagged, result: result, outcome: .confirmed, cause: nil, reason: "no laboratory cause",
                by: "qa.ben",
                expecting: nil, digest: digest, in: s)
        }
        if let sampled = state.batches.values.first(where: { $0.review?.quietSample == true && !$0.needsReview })?.batch
            .id
        {
            try run { s throws(ActionRefusal) in
                try ReleaseRules.fullReview(
                    sampled, reason: "whole record read", by: "qa.anna", expecting: nil, digest: digest, in: s)
            }
        }
        try R.reviewTrail(flagged, &state, &records)
        try run { s throws(ActionRefusal) in
            try ReleaseRules.supplyOOS(
                flagged, reason: "no alternative therapy", by: "qp.maria", now: R.now, expecting: nil, digest: digest,
                in: s)
        }
        let ready = R.readyBatch(state)
        for on in [true, false] {
            try run { s throws(ActionRefusal) in
                try ReleaseRules.hold(
                    ready, on: on, reason: "complaint checked", by: "qp.maria", expecting: nil, digest: digest, in: s)
            }
        }
        try R.reviewTrail(ready, &state, &records)
        try run { s throws(ActionRefusal) in
            try ReleaseRules.certify(
                ready, answers: R.yes, reason: "all gates closed", by: "qp.maria", now: R.now, expecting: nil,
                digest: digest, in: s)
        }
        let other = state.batches.keys.sorted().first {
            $0 != ready && $0 != flagged && state.release.decisions[$0] == nil
        }!
        try run { s throws(ActionRefusal) in
            try ReleaseRules.reject(
                other, reason: "cells not viable", by: "qp.omar", expecting: nil, digest: digest, in: s)
        }
        let site = state.batches[ready]!.batch.site
        for suspend in [true, false] {
            try run { s throws(ActionRefusal) in
                try ReleaseRules.setSiteStatus(
                    site, suspend: suspend, reason: "audit finding", by: "sup.kenji", expecting: nil, digest: digest,
                    in: s)
            }
        }
        let head = IntegrityAcknowledgement.Point(seq: records.last!.seq, sha256: String(repeating: "a", count: 64))
        try run { s throws(ActionRefusal) in
            try IntegrityAcknowledgement.acknowledge(
                finding: "restored from backup after a disk fault",
                witness: .init(seq: 3, sha256: String(repeating: "b", count: 64)),
                head: head, by: "adm.dana", expecting: nil, digest: digest, in: s)
        }
        // The acknowledgement names the record it follows: chain it as the journal would.
        records[records.count - 1].prev = head.sha256
        return records
    }

    /// Every finding of the deep check over `records`.
    static func audit(_ records: [Record]) -> [SignatureAudit.Finding] {
        var state = DeskState()
        var findings: [SignatureAudit.Finding] = []
        for record in records {
            if let finding = SignatureAudit.check(record, before: state, digest: digest) { findings.append(finding) }
            state.apply(record)
        }
        return findings
    }

    @Test func everySignatureWrittenByTheRulesMatchesWhatItSigns() throws {
        let records = try Self.everySignedKind()
        #expect(Self.audit(records) == [])
    }

    @Test func everyKindThatCarriesASignatureIsKnownToTheDeepCheck() throws {
        // From the rules: every kind written with a signature.
        let written = Set(try Self.everySignedKind().filter { $0.body["signature"] != nil }.map(\.kind))
        #expect(written == SignatureAudit.signedKinds)
        // From the documentation of the kinds: every row whose body lists `signature`.
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/journal-kinds.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        var documented: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > 3, cells[3].contains("`signature`") else { continue }
            for part in cells[1].split(separator: "`") where part.contains(".") { documented.insert(String(part)) }
        }
        #expect(documented == SignatureAudit.signedKinds)
    }

    @Test func aSignedKindTheDeepCheckDoesNotKnowIsReported() throws {
        var records = try Self.everySignedKind()
        let certified = records.first { $0.kind == RecordKind.batchCertified }!
        let state = DeskState.replay(records)
        let stranger = Record(
            seq: Int64(records.count + 1), at: R.now, actor: "qp.maria", host: "h", kind: "batch.blessed",
            body: ["batch": certified.body["batch"]!, "signature": certified.body["signature"]!], prev: Record.zeroHash)
        let finding = SignatureAudit.check(stranger, before: state, digest: Self.digest)
        #expect(finding?.problem.contains("does not know what a batch.blessed record signs") == true)
        records.append(stranger)
        #expect(Self.audit(records).map(\.seq) == [stranger.seq])
    }

    @Test func editedBatchDataUnderACertificationIsCaught() throws {
        var records = try Self.everySignedKind()
        let certified = records.first { $0.kind == RecordKind.batchCertified }!
        let batch = certified.body["batch"]!.stringValue!
        // The batch record as imported, with its expiry moved a year on.
        let index = records.firstIndex {
            $0.kind == RecordKind.batchImported && $0.body["batch_id"]?.stringValue == batch
        }!
        var body = records[index].body
        var imported = body["batch"]!.objectValue!
        imported["expiry"] = .string("2099-01-01T00:00:00.000Z")
        body["batch"] = .object(imported)
        records[index].body = body
        let findings = Self.audit(records)
        #expect(
            findings.contains { $0.seq == certified.seq && $0.batch == batch && $0.problem.contains("subject_sha256") })
    }

    @Test func aZeroedSubjectDigestIsCaught() throws {
        var records = try Self.everySignedKind()
        let index = records.firstIndex { $0.kind == RecordKind.batchCertified }!
        var signature = records[index].body["signature"]!.objectValue!
        signature["subject_sha256"] = .string(String(repeating: "0", count: 64))
        records[index].body["signature"] = .object(signature)
        #expect(Self.audit(records).map(\.seq) == [records[index].seq])
    }

    @Test func aSignatureCopiedFromAnotherRecordIsCaught() throws {
        var records = try Self.everySignedKind()
        let held = records.first { $0.kind == RecordKind.batchHeld }!
        let rejected = records.firstIndex { $0.kind == RecordKind.batchRejected }!
        records[rejected].actor = "qp.maria"
        records[rejected].body["signature"] = held.body["signature"]
        let findings = Self.audit(records)
        #expect(findings.map(\.seq) == [records[rejected].seq])
        #expect(findings.first?.problem.contains("meaning held") == true)
    }

    @Test func signerPrintedNameAndMeaningMustMatchTheRecord() throws {
        let records = try Self.everySignedKind()
        let index = records.firstIndex { $0.kind == RecordKind.deviationApproved }!
        let state = DeskState.replay(records[..<index])
        func problem(_ change: (inout [String: JSONValue], inout Record) -> Void) -> String? {
            var record = records[index]
            var signature = record.body["signature"]!.objectValue!
            change(&signature, &record)
            if record.body["signature"] != nil { record.body["signature"] = .object(signature) }
            return SignatureAudit.check(record, before: state, digest: Self.digest)?.problem
        }
        #expect(problem { _, _ in } == nil)
        #expect(
            problem { _, r in r.actor = "qa.anna" }?.contains("signed by qa.ben, but the record's actor is qa.anna")
                == true)
        #expect(problem { s, _ in s["name"] = "Somebody Else" }?.contains("printed name") == true)
        #expect(problem { s, _ in s["meaning"] = "authored" }?.contains("meaning authored") == true)
        #expect(problem { s, _ in s["subject"] = "deviation:DEV-0009" }?.contains("subject") == true)
        #expect(problem { _, r in r.body["reason"] = "a different reason" }?.contains("subject_sha256") == true)
        #expect(problem { _, r in r.body["signature"] = nil } == "a signed kind without a signature")
    }

    @Test func aDispositionWrittenWithADeviationCarriesTheOpeningsSignature() throws {
        var records = try Self.everySignedKind()
        let index = records.firstIndex { $0.kind == RecordKind.exceptionDispositioned && $0.body["deviation"] != nil }!
        let justified = records.first { $0.kind == RecordKind.exceptionDispositioned && $0.body["deviation"] == nil }!
        records[index].body["signature"] = justified.body["signature"]
        records[index].actor = justified.actor
        // Caught at the disposition; the supply later signs the disposition record that lists it, so that
        // digest no longer matches either.
        let findings = Self.audit(records)
        #expect(findings.first?.seq == records[index].seq)
        #expect(findings.first?.problem.contains("is not the signature of the opening of DEV-0001") == true)
        #expect(findings.dropFirst().allSatisfy { $0.kind == RecordKind.oosSupplied })
    }

    @Test func aReviewsListOfRecordsMustBeWhatWasSigned() throws {
        var records = try Self.everySignedKind()
        let index = records.firstIndex { $0.kind == RecordKind.auditTrailReviewed }!
        records[index].body["record_seqs"] = .array(Array(records[index].body["record_seqs"]!.arrayValue!.dropFirst()))
        let findings = Self.audit(records)
        #expect(findings.first?.seq == records[index].seq)
        #expect(findings.first?.problem == "the body's record_seqs is not what was signed")
    }

    @Test func anAcknowledgementMustNameTheRecordItFollows() throws {
        var records = try Self.everySignedKind()
        records[records.count - 1].prev = String(repeating: "c", count: 64)
        let findings = Self.audit(records)
        #expect(findings.map(\.seq) == [records.last!.seq])
        #expect(findings.first?.problem.contains("names the head") == true)
    }
}
