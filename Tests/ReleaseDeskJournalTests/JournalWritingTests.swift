import CanonicalJSON
import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal

@Suite("Writing the journal")
struct JournalWritingTests {
    @Test func createdJournalStartsWithJournalCreatedAndVerifies() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 3)
        let report = try Verifier.verify(path: path)
        #expect(report.status == .ok)
        #expect(report.records == 3)
        #expect(report.journalID == "0b9d3c1e-8f2a-4c6e-9d1b-2a3c4d5e6f70")
        let first = String(decoding: Fixture.bytes(path).prefix { $0 != 0x0A }, as: UTF8.self)
        #expect(first.contains(#""kind":"journal.created""#))
        #expect(first.contains(#""prev":"0000000000000000000000000000000000000000000000000000000000000000""#))
    }

    @Test func eachPrevIsTheSHA256OfThePreviousLine() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 4)
        let lines = Fixture.bytes(path).split(separator: 0x0A)
        for i in 1..<lines.count {
            let expected = Digest.sha256(Array(lines[i - 1])).hex
            let record = try CanonicalJSON.decode(Array(lines[i]))
            #expect(record["prev"]?.stringValue == expected)
            #expect(record["seq"]?.intValue == Int64(i + 1))
        }
    }

    @Test func fileIsCreatedWithMode0660AndNeverOverwritten() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 1)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o660)
        #expect(throws: JournalError.self) {
            _ = try Journal.create(at: path, actor: "admin", then: [], environment: Fixture.environment)
        }
    }

    @Test func appendSeesRecordsOtherWritersAddedBeforeDeciding() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        let first = try Fixture.journal(at: path, records: 2)
        let (second, _) = try Fixture.openReadingAll(path)
        _ = try second.append { _ in [Fixture.note(100)] }
        var seen: [Record] = []
        let (_, written) = try first.append { observed in
            seen = observed
            return [Fixture.note(101)]
        }
        #expect(seen.map(\.seq) == [3])
        #expect(written.map(\.seq) == [4])
        #expect(try Verifier.verify(path: path).status == .ok)
    }

    @Test func refusedDecisionWritesNothing() throws {
        struct Refused: Error {}
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        let journal = try Fixture.journal(at: path, records: 2)
        let before = Fixture.bytes(path)
        #expect(throws: Refused.self) { _ = try journal.append { _ in throw Refused() } }
        #expect(Fixture.bytes(path) == before)
    }

    @Test func readerSeesRecordsAppendedByAnotherWriter() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        let writer = try Fixture.journal(at: path, records: 2)
        let (reader, initial) = try Fixture.openReadingAll(path)
        #expect(initial.count == 2)
        _ = try writer.append { _ in [Fixture.note(7, text: "live")] }
        let fresh = try reader.readNew()
        #expect(fresh.map(\.seq) == [3])
        #expect(fresh.first?.body["text"]?.stringValue == "live")
    }

    @Test func readerTreatsAnUnterminatedTailAsNotYetWritten() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 3)
        var bytes = Fixture.bytes(path)
        bytes.removeLast(20)
        Fixture.write(bytes, to: path)
        let (journal, records) = try Fixture.openReadingAll(path)
        #expect(records.count == 2)
        #expect(journal.corruption == nil)
    }

    @Test func bodyWithInvalidKeyIsRefusedBeforeWriting() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        let journal = try Fixture.journal(at: path, records: 1)
        let before = Fixture.bytes(path)
        #expect(throws: JournalError.self) {
            _ = try journal.append { _ in [RecordDraft(kind: "note.added", actor: "x", body: ["Bad Key": 1])] }
        }
        #expect(Fixture.bytes(path) == before)
    }
}
