import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal

/// Opening a long journal reads and checks lines on another thread while the caller folds: the records,
/// their order, the head, the witness hashes and every finding are those of a read on one thread.
@Suite("Pipelined reading")
struct PipelinedReadTests {
    /// What a read to the end gives, read on one thread (`threshold` beyond the file) or two (0).
    static func read(_ path: String, threshold: Int64, watch: Set<Int64> = []) throws -> (
        records: [Record], journal: Journal
    ) {
        let journal = try Journal.openForReading(at: path)
        journal.watchSeqs = watch
        var records: [Record] = []
        try journal.readToEnd(pipeliningFrom: threshold) { records.append($0) }
        return (records, journal)
    }

    @Test func aPipelinedReadGivesTheRecordsHeadAndWitnessOfAReadOnOneThread() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("long.jsonl")
        try Fixture.journal(at: path, records: 3000)  // more than a few batches of 512
        let one = try Self.read(path, threshold: .max, watch: [1234])
        let two = try Self.read(path, threshold: 0, watch: [1234])
        #expect(one.records.count == 3000)
        #expect(two.records == one.records)
        #expect(two.journal.head == one.journal.head)
        #expect(two.journal.watchedHash(seq: 1234) == one.journal.watchedHash(seq: 1234))
        #expect(two.journal.corruption == nil)
        // Reading on from there sees what is appended later, as after a read on one thread.
        let writer = try Journal.open(at: path, environment: Fixture.environment)
        try writer.readToEnd { _ in }
        _ = try writer.append { _ in [Fixture.note(1)] }
        var later: [Record] = []
        try two.journal.readNew { later.append($0) }
        #expect(later.map(\.seq) == [3001])
    }

    @Test func aChangedLineIsFoundAtTheSamePlaceWhenReadOnTwoThreads() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("changed.jsonl")
        try Fixture.journal(at: path, records: 2000)
        var bytes = Fixture.bytes(path)
        let starts = Fixture.lineStarts(bytes)
        for line in [2, 700, 1999] {
            var changed = bytes
            changed[starts[line] + 40] ^= 0x01
            Fixture.write(changed, to: path)
            let one = try Self.read(path, threshold: .max)
            let two = try Self.read(path, threshold: 0)
            // The last line changed may be a torn write awaiting its repair: only equality is asked of it.
            if line < 1999 { #expect(one.journal.corruption != nil, "line \(line + 1)") }
            #expect(two.journal.corruption == one.journal.corruption, "line \(line + 1)")
            #expect(two.records == one.records, "line \(line + 1)")
        }
        // A torn final segment is left alone by both.
        bytes += Array(bytes[starts[1]..<(starts[1] + 30)])
        Fixture.write(bytes, to: path)
        let one = try Self.read(path, threshold: .max)
        let two = try Self.read(path, threshold: 0)
        #expect(one.journal.corruption == nil && two.journal.corruption == nil)
        #expect(two.records == one.records)
    }
}
