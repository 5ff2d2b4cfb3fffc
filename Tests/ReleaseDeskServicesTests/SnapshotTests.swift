import CanonicalJSON
import Foundation
import ReleaseDeskCore
import ReleaseDeskJournal
import Testing

@testable import ReleaseDeskServices

/// The verified-state snapshot: a warm open gives the state a cold open gives, and a snapshot that does not
/// match the journal is ignored, never trusted over it.
@Suite("Verified-state snapshot")
struct SnapshotTests {
    /// A reference journal of `records` records, and the first `prefix` of its lines as a journal of its own.
    struct Site {
        var directory: String
        var full: String
        var journal: String
        var state: String { directory + "/state" }
        var locations: Locations {
            Locations(journal: journal, credentials: journal + ".credentials.json", stateDirectory: state)
        }
        var snapshot: String { SnapshotPolicy.path(in: state, journalID: journalID) }
        var journalID: String

        /// The state a cold open of the journal as it now is gives (with a state directory of its own).
        func cold() throws -> DeskState {
            let locations = Locations(
                journal: journal, credentials: journal + ".credentials.json", stateDirectory: directory + "/cold")
            return try Desk.open(locations, mode: .readOnly).state
        }

        func warm() throws -> Desk { try Desk.open(locations, mode: .readOnly, warm: .verifyFirst) }

        func showFull() throws {
            try? FileManager.default.removeItem(atPath: journal)
            try FileManager.default.copyItem(atPath: full, toPath: journal)
        }
    }

    static func site(records: Int = 1500, prefix: Int = 1000, seed: UInt64 = 11) throws -> Site {
        let directory = NSTemporaryDirectory() + "releasedesk-snapshot-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let full = directory + "/full.jsonl"
        _ = try ReferenceSite.write(
            records: records, seed: seed, masterDataPath: ReferenceJournalTests.sampleData + "/master-data.json",
            to: full)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: full)))
        var lines = 0
        var end = 0
        while lines < prefix, let lf = bytes[end...].firstIndex(of: 0x0A) {
            end = lf + 1
            lines += 1
        }
        let journal = directory + "/journal.jsonl"
        try Data(bytes[0..<end]).write(to: URL(fileURLWithPath: journal))
        let id = try #require(try Journal.identify(at: full))
        return Site(directory: directory, full: full, journal: journal, journalID: id)
    }

    /// Writes the snapshot at the prefix's end (a warm open with none writes one) and shows the full journal.
    static func siteWithSnapshot() throws -> Site {
        let site = try site()
        let first = try site.warm()
        #expect(first.warmFrom == nil)
        #expect(first.snapshotNotes.contains("snapshot written at seq 1000"), "\(first.snapshotNotes)")
        try site.showFull()
        return site
    }

    func rewrite(_ site: Site, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: site.snapshot)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: site.snapshot))
    }

    /// Opens warm and expects the snapshot ignored (saying `why`) and the state of a cold open.
    func expectIgnored(_ site: Site, _ why: String) throws {
        let desk = try site.warm()
        #expect(desk.warmFrom == nil)
        #expect(
            desk.snapshotNotes.contains { $0.hasPrefix("snapshot ignored:") && $0.contains(why) },
            "\(desk.snapshotNotes)")
        #expect(desk.state == (try site.cold()))
    }

    @Test func aWarmOpenLoadsTheSnapshotReplaysTheTailAndGivesTheColdState() throws {
        let site = try Self.siteWithSnapshot()
        defer { try? FileManager.default.removeItem(atPath: site.directory) }
        let desk = try site.warm()
        #expect(desk.warmFrom?.seq == 1000)
        #expect(desk.snapshotNotes.contains("snapshot loaded at seq 1000"), "\(desk.snapshotNotes)")
        #expect(desk.state.lastSeq == 1500)
        #expect(desk.state == (try site.cold()))
        // A warm open never counts as a verified file, and its state waits for a replay before any write.
        #expect(desk.verifiedToken == nil)
        #expect(desk.awaitsStateConfirmation)
        #expect(desk.confirmWarmState() == nil)
        #expect(!desk.awaitsStateConfirmation)
    }

    @Test func theEncodingRoundTrips() throws {
        let site = try Self.site(records: 1200, prefix: 1200)
        defer { try? FileManager.default.removeItem(atPath: site.directory) }
        let desk = try Desk.open(site.locations, mode: .readOnly)
        let point = try #require(desk.journal.resumePoint)
        let key = [UInt8](repeating: 7, count: 32)
        let bytes = try SnapshotPolicy.encode(desk.state, at: point, key: key)
        let loaded = try SnapshotPolicy.decode(bytes, key: key, policy: desk.state.policy)
        #expect(loaded.state == desk.state)
        #expect(loaded.point == point)
        #expect(throws: SnapshotRejection.self) {
            try SnapshotPolicy.decode(bytes, key: [UInt8](repeating: 8, count: 32), policy: desk.state.policy)
        }
        #expect(throws: SnapshotRejection.self) {
            try SnapshotPolicy.decode(bytes, key: key, policy: SecurityPolicy(maxFailedSignIns: 3))
        }
    }

    @Test func aSnapshotFoldedByAnotherRevisionOfTheFoldIsIgnored() throws {
        let site = try Self.site(records: 300, prefix: 300)
        defer { try? FileManager.default.removeItem(atPath: site.directory) }
        let desk = try Desk.open(site.locations, mode: .readOnly)
        let point = try #require(desk.journal.resumePoint)
        let key = [UInt8](repeating: 7, count: 32)
        let bytes = try SnapshotPolicy.encode(desk.state, at: point, key: key)
        // The same snapshot with its header naming another fold revision, MAC recomputed with the key.
        let lines = bytes.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
        guard case .object(var header) = try CanonicalJSON.decode(Array(lines[1])) else {
            Issue.record("no header")
            return
        }
        #expect(header["fold"] == .int(DeskState.foldRevision))
        header["mac"] = nil
        header["fold"] = .int(DeskState.foldRevision + 1)
        header["mac"] = .string(SnapshotPolicy.mac(key: key, header: header))
        let edited = Array(lines[0]) + [0x0A] + (try CanonicalJSON.encode(.object(header))) + [0x0A] + Array(lines[2])
        #expect {
            try SnapshotPolicy.decode(edited, key: key, policy: desk.state.policy)
        } throws: { error in
            "\(error)".contains("revision \(DeskState.foldRevision + 1) of the fold")
        }
    }

    @Test func aSnapshotOfAnotherJournalIsIgnored() throws {
        let site = try Self.siteWithSnapshot()
        let other = try Self.site(records: 1100, prefix: 1100, seed: 12)
        defer {
            try? FileManager.default.removeItem(atPath: site.directory)
            try? FileManager.default.removeItem(atPath: other.directory)
        }
        #expect(other.journalID != site.journalID)
        try FileManager.default.createDirectory(atPath: other.state, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: site.state + "/snapshot.key", toPath: other.state + "/snapshot.key")
        try FileManager.default.copyItem(atPath: site.snapshot, toPath: other.snapshot)
        try expectIgnored(other, "snapshot of journal \(site.journalID)")
    }

    @Test func aSnapshotWhoseRecordHasAnotherHashIsIgnored() throws {
        let site = try Self.siteWithSnapshot()
        defer { try? FileManager.default.removeItem(atPath: site.directory) }
        let key = try #require(try SnapshotPolicy.key(in: site.state, create: false))
        let loaded = try SnapshotPolicy.decode(
            try [UInt8](Data(contentsOf: URL(fileURLWithPath: site.snapshot))), key: key, policy: SecurityPolicy())
        func forge(_ change: (inout ResumePoint) -> Void) throws {
            var point = loaded.point
            change(&point)
            try Data(try SnapshotPolicy.encode(loaded.state, at: point, key: key)).write(
                to: URL(fileURLWithPath: site.snapshot))
        }
        func forgetWitnesses() throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: site.state)
            where name.hasPrefix("witness-") {
                try FileManager.default.removeItem(atPath: site.state + "/" + name)
            }
        }
        // The witness names the real record: the snapshot names another record at the witness's seq.
        try forge { $0.hash = String(repeating: "ab", count: 32) }
        try expectIgnored(site, "witness names another record")
        // Without the witness, the journal itself is read at the snapshot's offset.
        try forgetWitnesses()
        try forge { $0.hash = String(repeating: "ab", count: 32) }
        try expectIgnored(site, "the record at seq 1000 has hash")
        // A snapshot naming an offset where no record ends, or another record's seq there.
        try forgetWitnesses()
        try forge { $0.offset -= 3 }
        try expectIgnored(site, "no line ends at byte")
        try forgetWitnesses()
        try forge { $0.seq = 999 }
        try expectIgnored(site, "its state is not at the record")
    }

    @Test func aTruncatedOrDamagedSnapshotIsIgnored() throws {
        let site = try Self.siteWithSnapshot()
        defer { try? FileManager.default.removeItem(atPath: site.directory) }
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: site.snapshot)))
        try rewrite(site) { $0.removeLast($0.count / 2) }
        try expectIgnored(site, "bytes where the header says")
        try Data(original).write(to: URL(fileURLWithPath: site.snapshot))
        try rewrite(site) { $0[$0.count - 100] ^= 0x01 }
        try expectIgnored(site, "SHA-256")
        try Data(original).write(to: URL(fileURLWithPath: site.snapshot))
        try rewrite(site) { $0.removeLast($0.count - 30) }
        try expectIgnored(site, "header is cut off")
    }

    @Test func aSnapshotOfAnotherVersionIsIgnored() throws {
        let site = try Self.siteWithSnapshot()
        defer { try? FileManager.default.removeItem(atPath: site.directory) }
        try rewrite(site) { bytes in
            let lf = bytes.firstIndex(of: 0x0A)!
            bytes[lf - 1] = UInt8(ascii: "1")  // the first version held the state as JSON
        }
        try expectIgnored(site, "is not a releasedesk-snapshot/2 snapshot")
    }

    @Test func aSnapshotEditedWithTheKeyIsCaughtBeforeAnythingIsWritten() throws {
        let site = try Self.siteWithSnapshot()
        defer { try? FileManager.default.removeItem(atPath: site.directory) }
        let key = try #require(try SnapshotPolicy.key(in: site.state, create: false))
        var loaded = try SnapshotPolicy.decode(
            try [UInt8](Data(contentsOf: URL(fileURLWithPath: site.snapshot))), key: key, policy: SecurityPolicy())
        let someBatch = try #require(loaded.state.batches.keys.sorted().first)
        loaded.state.release.holds[someBatch] = nil
        loaded.state.release.decisions[someBatch] = nil
        loaded.state.batches[someBatch]?.review = nil
        loaded.state.recordCounts["batch.certified", default: 0] += 1
        try Data(try SnapshotPolicy.encode(loaded.state, at: loaded.point, key: key)).write(
            to: URL(fileURLWithPath: site.snapshot))
        let desk = try Desk.open(site.locations, mode: .readWrite, warm: .verifyFirst)
        #expect(desk.warmFrom?.seq == 1000)
        #expect(desk.state != (try site.cold()))
        #expect(throws: DeskError.self) {
            try desk.perform("batch.comment", by: "qa.sample") { _ throws(ActionRefusal) in [] }
        }
        #expect(desk.alarm?.contains("not what the journal folds to") == true)
    }
}
