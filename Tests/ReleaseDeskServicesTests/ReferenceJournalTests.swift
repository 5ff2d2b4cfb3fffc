import Foundation
import ReleaseDeskCore
import ReleaseDeskJournal
import Testing

@testable import ReleaseDeskServices

/// `sample --records`: a journal of the life of a site, written by the product's own rules.
@Suite("Reference journal")
struct ReferenceJournalTests {
    static let sampleData: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/SampleData"
    }()

    static func directory() throws -> String {
        let directory = NSTemporaryDirectory() + "releasedesk-reference-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func aSmallReferenceJournalHoldsTheLifeOfASiteAndPassesTheDeepCheck() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/journal.jsonl"
        let summary = try ReferenceSite.write(
            records: 2000, seed: 11, masterDataPath: Self.sampleData + "/master-data.json", to: path, checkImports: true
        )
        #expect(summary.head.seq == 2000)
        #expect(summary.unexpectedRefusals.isEmpty, "\(summary.unexpectedRefusals)")
        #expect(summary.refusedImports == 0, "\(summary.importProblems)")
        // Every import planned on the part of the state it touches gives the records of a plan on the whole state.
        #expect(summary.checkedImports > 10)
        #expect(summary.divergentImports == 0)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2000)
        var kinds: [String: Int] = [:]
        for line in lines {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            kinds[try #require(record["kind"] as? String), default: 0] += 1
        }
        #expect(kinds[RecordKind.syntheticRecorded] == nil)
        let expected: [String] = [
            RecordKind.journalCreated, RecordKind.userEnrolled, RecordKind.userCredentialChanged,
            RecordKind.productSpecified,
            RecordKind.siteRegistered, RecordKind.batchImported, RecordKind.qcResultsRecorded,
            RecordKind.custodyEventsRecorded,
            RecordKind.importCommitted, RecordKind.batchReviewed, RecordKind.batchAssigned,
            RecordKind.exceptionDispositioned,
            RecordKind.deviationOpened, RecordKind.deviationClassificationApproved,
            RecordKind.deviationInvestigationRecorded,
            RecordKind.deviationApproved, RecordKind.oosInvestigated, RecordKind.batchFullReviewed,
            RecordKind.batchHeld,
            RecordKind.batchHoldReleased, RecordKind.batchCommented, RecordKind.auditTrailReviewed,
            RecordKind.batchCertified,
            RecordKind.batchRejected, RecordKind.signInFailed, RecordKind.signInSucceeded, RecordKind.actionRefused,
        ]
        for kind in expected { #expect(kinds[kind] != nil, "no \(kind) record") }
        // Corrected QC results: a correction names the value it replaces.
        #expect(text.contains("\"correction_reason\":\"transcription error"))
        #expect(text.contains("\"status\":\"pending\""))

        let report = try Verifier.verify(path: path)
        #expect(report.corruption == nil)
        #expect(report.records == 2000)
        let deep = try DeepVerification.run(path: path)
        #expect(deep.passed, "\(deep.findings.prefix(3))")
        #expect(deep.signatures > 300)
    }

    @Test func theSameSeedGivesTheSameJournalAndAnyCountIsExact() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let master = Self.sampleData + "/master-data.json"
        let a = try ReferenceSite.write(records: 700, seed: 5, masterDataPath: master, to: directory + "/a.jsonl")
        let b = try ReferenceSite.write(records: 700, seed: 5, masterDataPath: master, to: directory + "/b.jsonl")
        #expect(a.head == b.head)
        for count in [2, 3, 9, 17, 18, 19, 20, 41, 333] {
            let path = directory + "/n\(count).jsonl"
            let summary = try ReferenceSite.write(records: count, seed: 2, masterDataPath: master, to: path)
            #expect(summary.head.seq == Int64(count))
            #expect(try Verifier.verify(path: path).records == count)
        }
    }

    @Test func theReferenceUsersPasswordsMeetThePolicy() {
        for member in ReferenceSite.members {
            #expect(PasswordPolicy.problem(with: member.password, for: member.id) == nil, "\(member.id)")
        }
    }
}
