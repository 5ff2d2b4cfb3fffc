import CanonicalJSON
import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal

@Suite("Torn tails and damage")
struct TornTailTests {
    /// Cut the file at every byte offset inside the last record, then append: the tail is completed or
    /// repaired as §4 of docs/journal-format.md says, nothing before the cut is lost, and the chain verifies.
    @Test func truncatedTailIsRepairedNotDeletedAtEveryOffset() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let original = scratch.file("original.jsonl")
        try Fixture.journal(at: original, records: 4)
        let full = Fixture.bytes(original)
        let starts = Fixture.lineStarts(full)
        let lastStart = starts[starts.count - 2]
        for cut in (lastStart + 1)...(full.count - 1) {
            let path = scratch.file("cut-\(cut).jsonl")
            let kept = Array(full[0..<cut])
            Fixture.write(kept, to: path)
            let (journal, _) = try Fixture.openReadingAll(path)
            let (observed, written) = try journal.append { _ in [Fixture.note(99)] }
            let after = Fixture.bytes(path)
            #expect(Array(after[0..<cut]) == kept, "bytes before the cut at \(cut) changed")
            let report = try Verifier.verify(path: path)
            #expect(report.corruption == nil, "cut at \(cut): \(String(describing: report.corruption))")
            if cut == full.count - 1 {
                // Only the LF was missing: the record counts, and the new one follows it.
                #expect(written.first?.seq == 5)
                #expect(report.status == .ok)
            } else {
                // The repair is written under the lock before the action, so it is among the observed records.
                let repair = observed.last
                #expect(repair?.kind == RecordKind.tailRepaired)
                #expect(repair?.seq == 4)
                #expect(repair?.body["offset"]?.intValue == Int64(lastStart))
                #expect(repair?.body["length"]?.intValue == Int64(cut - lastStart))
                #expect(repair?.body["sha256"]?.stringValue == Digest.sha256(Array(full[lastStart..<cut])).hex)
                #expect(written.first?.seq == 5)
                #expect(report.status == .okWithWarnings)
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// A bit flipped anywhere in a complete record, its LF included, is detected: as corruption of the
    /// chain, or, for the last record (which nothing chains after), by the hash a witness holds. It is never
    /// taken for a torn tail, and a writer never appends after corruption.
    @Test func bitFlipInAnyByteOfACompleteRecordIsDetectedNeverTakenForATornTail() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let original = scratch.file("original.jsonl")
        try Fixture.journal(at: original, records: 4)
        let full = Fixture.bytes(original)
        let head = try Verifier.verify(path: original).head
        let starts = Fixture.lineStarts(full)
        let path = scratch.file("flipped.jsonl")
        for offset in starts[1]..<full.count {
            for bit in 0..<8 {
                var damaged = full
                damaged[offset] ^= UInt8(1 << bit)
                Fixture.write(damaged, to: path)
                let report = try Verifier.verify(path: path, watchSeqs: [head.seq])
                let witnessed = report.watchedHashes[head.seq] == head.hash
                #expect(report.status == .corrupt || !witnessed, "flip of bit \(bit) at \(offset) not detected")
                #expect(!report.warnings.contains { $0.message.contains("torn") || $0.message.contains("no line end") })
                if report.status == .corrupt {
                    let (journal, _) = try Fixture.openReadingAll(path)
                    #expect(throws: (any Error).self, "writer appended after a flip at \(offset)") {
                        _ = try journal.append { _ in [Fixture.note(1)] }
                    }
                    #expect(Fixture.bytes(path) == damaged, "the damaged file was changed (flip at \(offset))")
                }
            }
        }
    }

    @Test func repairedFragmentIsReportedAsAWarningWithItsOffset() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 3)
        var bytes = Fixture.bytes(path)
        let fragmentOffset = bytes.count
        bytes += Array(#"{"actor":"qa.anna","at":"2026-0"#.utf8)
        Fixture.write(bytes, to: path)
        let (journal, _) = try Fixture.openReadingAll(path)
        _ = try journal.append { _ in [] }
        let report = try Verifier.verify(path: path)
        #expect(report.status == .okWithWarnings)
        #expect(report.records == 4)
        #expect(report.warnings.first?.offset == Int64(fragmentOffset))
        #expect(report.warnings.first?.line == 4)
    }

    /// A final segment without LF that is a whole record but does not chain (here a copy of an earlier
    /// record) is a fragment (§4 of docs/journal-format.md). The writer used to append the repair record and then reject its own
    /// repair ("a journal.tail_repaired record that does not follow the fragment it names"), leaving a file
    /// that verified before it wrote and was corrupt after. The repair must be accepted by the writer, by
    /// other readers and by the verifier.
    @Test func completeTailThatDoesNotChainIsRepairedAndTheRepairVerifies() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 4)
        let original = Fixture.bytes(path)
        let starts = Fixture.lineStarts(original)
        let copied = Array(original[starts[1]..<(starts[2] - 1)])  // record 2, without its LF
        let damaged = original + copied
        Fixture.write(damaged, to: path)
        #expect(try Verifier.verify(path: path).status == .okWithWarnings)

        let (journal, _) = try Fixture.openReadingAll(path)
        let reader = try Journal.openForReading(at: path)
        _ = try reader.readNew()
        let (observed, written) = try journal.append { _ in [Fixture.note(99)] }
        #expect(journal.corruption == nil)
        let repair = try #require(observed.last)
        #expect(repair.kind == RecordKind.tailRepaired)
        #expect(repair.seq == 5)
        #expect(repair.body["offset"]?.intValue == Int64(original.count))
        #expect(repair.body["length"]?.intValue == Int64(copied.count))
        #expect(repair.body["sha256"]?.stringValue == Digest.sha256(copied).hex)
        #expect(written.map(\.seq) == [6])
        #expect(Array(Fixture.bytes(path)[0..<damaged.count]) == damaged)

        let report = try Verifier.verify(path: path)
        #expect(report.corruption == nil, "\(String(describing: report.corruption))")
        #expect(report.status == .okWithWarnings)
        #expect(report.records == 6)
        #expect(report.warnings.first?.offset == Int64(original.count))
        // Another process reads the repair as it reads any other.
        let seen = try reader.readNew()
        #expect(reader.corruption == nil)
        #expect(seen.map(\.seq) == [5, 6])
    }

    /// Without the repair record after it, a whole record that does not chain is still reported as the
    /// break in the chain it is, at its own line.
    @Test func recordThatDoesNotChainWithoutRepairIsCorruptionAtItsLine() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 4)
        let original = Fixture.bytes(path)
        let starts = Fixture.lineStarts(original)
        Fixture.write(original + Array(original[starts[1]..<starts[2]]), to: path)
        let report = try Verifier.verify(path: path)
        #expect(report.status == .corrupt)
        #expect(report.corruption?.line == 5)
        #expect(report.corruption?.offset == Int64(original.count))
        #expect(report.corruption?.reason.contains("seq is 2 where 5 was expected") == true)
        let (journal, _) = try Fixture.openReadingAll(path)
        #expect(throws: JournalError.self) { _ = try journal.append { _ in [Fixture.note(1)] } }
        #expect(Fixture.bytes(path) == original + Array(original[starts[1]..<starts[2]]))
    }

    @Test func invalidLineWithoutRepairRecordIsCorruption() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 3)
        var bytes = Fixture.bytes(path)
        bytes += Array("{\"actor\":\"x\"\n".utf8)
        Fixture.write(bytes, to: path)
        let report = try Verifier.verify(path: path)
        #expect(report.status == .corrupt)
        #expect(report.corruption?.line == 4)
    }

    @Test func tailThatCannotBeATornWriteIsDamageAndIsLeftAlone() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 2)
        var bytes = Fixture.bytes(path)
        bytes += Array("garbage".utf8)
        Fixture.write(bytes, to: path)
        let (journal, _) = try Fixture.openReadingAll(path)
        #expect(throws: JournalError.self) { _ = try journal.append { _ in [Fixture.note(1)] } }
        #expect(Fixture.bytes(path) == bytes)
        #expect(try Verifier.verify(path: path).status == .corrupt)
    }
}
