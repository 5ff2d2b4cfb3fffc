import CanonicalJSON
import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal

/// A torn repair (§4 item 4 of docs/journal-format.md): the write that repairs a torn tail is itself cut
/// short. The next writer closes every adjacent fragment with one `journal.tail_repaired` record naming
/// them all, and the file verifies.
@Suite("Torn repairs")
struct TornRepairTests {
    /// A journal of `records` records followed by a fragment (the first 60 bytes of a copy of its last
    /// line, without LF): what a torn append leaves.
    static func tornJournal(_ scratch: Scratch, _ name: String, records: Int = 4) throws -> (
        path: String, clean: [UInt8]
    ) {
        let path = scratch.file(name)
        try Fixture.journal(at: path, records: records)
        let clean = Fixture.bytes(path)
        let starts = Fixture.lineStarts(clean)
        let last = Array(clean[starts[starts.count - 2]..<(starts[starts.count - 1] - 1)])
        Fixture.write(clean + last.prefix(60), to: path)
        return (path, clean)
    }

    /// Appends one note through a journal whose `nth` write stores only `keep` bytes; returns the error.
    static func appendCutShort(_ path: String, keep: Int, nth: Int = 1) throws -> Error? {
        let io = FaultyIO()
        io.onCall = nth
        io.fault = .shortWrite(keep)
        let (journal, _) = try Fixture.openReadingAll(path, io: io)
        do {
            _ = try journal.append { _ in [Fixture.note(99)] }
            return nil
        } catch {
            return error
        }
    }

    /// The bytes a clean writer appends to repair the torn journal at `path` (the LF and the repair record).
    static func repairWrite(_ scratch: Scratch, of path: String) throws -> [UInt8] {
        let copy = scratch.file("repair-probe.jsonl")
        let before = Fixture.bytes(path)
        Fixture.write(before, to: copy)
        let (journal, _) = try Fixture.openReadingAll(copy)
        _ = try journal.append { _ in [] }  // settles the tail only
        return Array(Fixture.bytes(copy)[before.count...])
    }

    @Test func aTornRepairAtEveryOffsetIsRepairedByTheNextWriterAndVerifies() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let (torn, _) = try Self.tornJournal(scratch, "torn.jsonl")
        let tornBytes = Fixture.bytes(torn)
        let write = try Self.repairWrite(scratch, of: torn)
        #expect(write.first == 0x0A && write.last == 0x0A)
        for keep in 2..<write.count {
            let path = scratch.file("cut-\(keep).jsonl")
            Fixture.write(tornBytes, to: path)
            #expect(try Self.appendCutShort(path, keep: keep) != nil)
            let cut = Fixture.bytes(path)
            #expect(cut.count == tornBytes.count + keep)
            // Before anyone repairs it: a reader sees no corruption, and verify warns of it.
            let waiting = try Verifier.verify(path: path)
            #expect(
                waiting.status == .okWithWarnings,
                "keep \(keep) of \(write.count): \(String(describing: waiting.corruption)) \(String(decoding: cut.suffix(keep + 70), as: UTF8.self))"
            )
            let reader = try Journal.openForReading(at: path)
            try reader.readToEnd { _ in }
            #expect(reader.corruption == nil, "keep \(keep): \(String(describing: reader.corruption))")
            // The next writer repairs every fragment with one record, then appends.
            let (journal, _) = try Fixture.openReadingAll(path)
            let (observed, written) = try journal.append { _ in [Fixture.note(1)] }
            #expect(written.map(\.kind) == ["note.added"])
            let repair = try #require(observed.last, "keep \(keep)")
            #expect(repair.kind == RecordKind.tailRepaired)
            let after = Fixture.bytes(path)
            #expect(Array(after.prefix(cut.count)) == cut, "keep \(keep): bytes before the repair changed")
            if keep == write.count - 1 {
                // Only the repair's LF was missing: it was completed, and it names the one fragment.
                #expect(repair.body["offset"] != nil && repair.body["fragments"] == nil)
            } else {
                let named = try #require(repair.body["fragments"]?.arrayValue, "keep \(keep): \(repair.body)")
                #expect(named.count == 2)
                #expect(named[1].objectValue?["offset"]?.intValue == Int64(tornBytes.count) + 1)
                #expect(named[1].objectValue?["length"]?.intValue == Int64(keep - 1))
            }
            let report = try Verifier.verify(path: path)
            #expect(report.corruption == nil, "keep \(keep): \(String(describing: report.corruption))")
            #expect(report.warnings.contains { $0.message.contains("fragment") })
        }
    }

    @Test func aRepairTornTwiceIsClosedByOneRecordNamingThreeFragments() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let (path, _) = try Self.tornJournal(scratch, "twice.jsonl")
        #expect(try Self.appendCutShort(path, keep: 40) != nil)  // the first repair, torn
        #expect(try Self.appendCutShort(path, keep: 70) != nil)  // the repair of the torn repair, torn
        let (journal, _) = try Fixture.openReadingAll(path)
        let (observed, written) = try journal.append { _ in [Fixture.note(1)] }
        #expect(written.count == 1)
        let named = try #require(observed.last?.body["fragments"]?.arrayValue)
        #expect(named.count == 3)
        let report = try Verifier.verify(path: path)
        #expect(report.status == .okWithWarnings, "\(String(describing: report.corruption))")
        #expect(report.warnings.filter { $0.message.contains("one of 3 adjacent fragments") }.count == 3)
        // A parallel verification of the same file agrees.
        #expect(try Verifier.verify(path: path, parallelism: 4).corruption == nil)
    }

    @Test func aRepairTornAfterItsLineEndOnlyCannotBeToldFromDamageAndIsCorruption() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let (path, _) = try Self.tornJournal(scratch, "lf-only.jsonl")
        #expect(try Self.appendCutShort(path, keep: 1) != nil)
        let before = Fixture.bytes(path)
        #expect(try Verifier.verify(path: path).status == .corrupt)
        let (journal, _) = try Fixture.openReadingAll(path)
        #expect(throws: JournalError.self) { _ = try journal.append { _ in [Fixture.note(1)] } }
        #expect(Fixture.bytes(path) == before)
    }

    @Test func invalidLinesThatAreNotAPrefixOfTheRepairRecordAreCorruptionAndLeftAlone() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let (path, _) = try Self.tornJournal(scratch, "garbage.jsonl")
        let damaged = Fixture.bytes(path) + Array("\n{\"actor\":\"someone\"".utf8)
        Fixture.write(damaged, to: path)
        #expect(try Verifier.verify(path: path).status == .corrupt)
        let reader = try Journal.openForReading(at: path)
        try reader.readToEnd { _ in }
        #expect(reader.corruption != nil)
        let (journal, _) = try Fixture.openReadingAll(path)
        #expect(throws: JournalError.self) { _ = try journal.append { _ in [Fixture.note(1)] } }
        #expect(Fixture.bytes(path) == damaged)
    }

    @Test func aRepairRecordMustNameEveryAdjacentFragmentInOrder() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let (path, _) = try Self.tornJournal(scratch, "order.jsonl")
        #expect(try Self.appendCutShort(path, keep: 40) != nil)
        let (journal, _) = try Fixture.openReadingAll(path)
        _ = try journal.append { _ in [] }
        #expect(try Verifier.verify(path: path).corruption == nil)
        // The same repair with its two fragments swapped no longer verifies.
        var bytes = Fixture.bytes(path)
        let starts = Fixture.lineStarts(bytes)
        let line = Array(bytes[starts[starts.count - 2]..<(starts[starts.count - 1] - 1)])
        var record = try JournalLine.record(line)
        var named = try #require(record.body["fragments"]?.arrayValue)
        named.swapAt(0, 1)
        record.body["fragments"] = .array(named)
        bytes.replaceSubrange(
            starts[starts.count - 2]..<(starts[starts.count - 1] - 1), with: try record.canonicalBytes())
        Fixture.write(bytes, to: path)
        let report = try Verifier.verify(path: path)
        #expect(report.status == .corrupt)
    }
}
