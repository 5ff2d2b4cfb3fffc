import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal

/// Records read again by `seq` through the index of lines noted while the chain was checked: the same records
/// as the read gave, also those this process wrote and those after a repaired tail; a line changed in the
/// file since is never shown.
@Suite("Reading records again")
struct RecordArchiveTests {
    static func archived(_ journal: Journal, _ archive: any RecordArchive, _ count: Int) -> [Record] {
        (1...count).map { seq in
            switch archive.record(Int64(seq)) {
            case .success(let record): return record
            case .failure(let problem): Issue.record("\(problem)")
            }
            return Record(
                seq: 0, at: Timestamp(millisecondsSinceEpoch: 0), actor: "", host: "", kind: "", body: [:], prev: "")
        }
    }

    @Test func recordsReadAgainAreTheRecordsReadOnOneThreadOrTwo() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("long.jsonl")
        try Fixture.journal(at: path, records: 3000)
        for threshold in [Int64.max, 0] {
            let journal = try Journal.openForReading(at: path)
            let archive = try #require(journal.keepRecordPlaces())
            var records: [Record] = []
            try journal.readToEnd(pipeliningFrom: threshold) { records.append($0) }
            #expect(records.count == 3000)
            #expect(Self.archived(journal, archive, 3000) == records)
            // Only before the first read: the places are numbered from record 1.
            #expect(journal.keepRecordPlaces() == nil)
            if case .success = archive.record(3001) { Issue.record("a record never read was answered") }
            if case .success = archive.record(0) { Issue.record("seq 0 was answered") }
        }
    }

    @Test func recordsThisProcessWritesAndRecordsOthersAppendAreReadAgain() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("live.jsonl")
        try Fixture.journal(at: path, records: 5)
        let writer = try Journal.open(at: path, environment: Fixture.environment)
        let archive = try #require(writer.keepRecordPlaces())
        try writer.readToEnd { _ in }
        let (_, written) = try writer.append { _ in [Fixture.note(6), Fixture.note(7)] }
        let other = try Journal.open(at: path, environment: Fixture.environment)
        try other.readToEnd { _ in }
        _ = try other.append { _ in [Fixture.note(8)] }
        var appended: [Record] = []
        try writer.readNew { appended.append($0) }
        #expect(appended.map(\.seq) == [8])
        #expect(Self.archived(writer, archive, 8).suffix(3) == Array(written + appended))
    }

    @Test func aRecordAfterARepairedTornTailIsReadAgain() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("torn.jsonl")
        try Fixture.journal(at: path, records: 4)
        let full = Fixture.bytes(path)
        let starts = Fixture.lineStarts(full)
        Fixture.write(Array(full[0..<(starts[starts.count - 2] + 10)]), to: path)
        let journal = try Journal.open(at: path, environment: Fixture.environment)
        let archive = try #require(journal.keepRecordPlaces())
        var read: [Record] = []
        try journal.readToEnd { read.append($0) }
        let (observed, written) = try journal.append { _ in [Fixture.note(9)] }
        let all = read + observed + written
        #expect(all.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(Self.archived(journal, archive, 5) == all)
    }

    @Test func aLineChangedInTheFileAfterItWasVerifiedIsNeverShown() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("edited.jsonl")
        try Fixture.journal(at: path, records: 10)
        let journal = try Journal.openForReading(at: path)
        let archive = try #require(journal.keepRecordPlaces())
        try journal.readToEnd { _ in }
        // The same length, another value: "sample" becomes "SAMPLE" in record 7.
        var bytes = Fixture.bytes(path)
        let starts = Fixture.lineStarts(bytes)
        let line = Array(bytes[starts[6]..<starts[7]])
        let at = try #require(line.firstRange(of: Array("sample".utf8)))
        for i in at { bytes[starts[6] + i] -= 32 }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: UInt64(starts[6]))
        try handle.write(contentsOf: bytes[starts[6]..<starts[7]])
        try handle.close()
        guard case .failure(let problem) = archive.record(7) else {
            Issue.record("an edited record was shown")
            return
        }
        #expect(problem.seq == 7)
        #expect(problem.reason.contains("changed in the file since the chain was verified"))
        #expect(problem.reason.contains("byte offset \(starts[6])"))
        if case .failure(let other) = archive.record(6) { Issue.record("record 6 was not changed: \(other)") }
        // A file put in the journal's place is not read: the archive reads the file it verified.
        let before = try #require(try? archive.record(10).get())
        try FileManager.default.removeItem(atPath: path)
        Fixture.write(Array(bytes[0..<starts[8]]), to: path)
        #expect(try archive.record(10).get() == before)
    }
}
