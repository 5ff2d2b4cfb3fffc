import CanonicalJSON
import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal

@Suite("Verifying a journal")
struct VerifierTests {
    func lines(_ path: String) -> [[UInt8]] {
        Fixture.bytes(path).split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map(Array.init)
    }

    func join(_ lines: [[UInt8]]) -> [UInt8] { lines.flatMap { $0 + [0x0A] } }

    func corruption(after change: ([[UInt8]]) -> [[UInt8]]) throws -> Corruption? {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 6)
        Fixture.write(join(change(lines(path))), to: path)
        return try Verifier.verify(path: path).corruption
    }

    @Test func removedRecordBreaksTheChainAtTheNextLine() throws {
        let c = try corruption {
            var l = $0; l.remove(at: 2); return l
        }
        #expect(c?.line == 3)
        #expect(c?.reason.contains("seq is 4 where 3 was expected") == true)
    }

    @Test func duplicatedRecordIsDetected() throws {
        let c = try corruption {
            var l = $0; l.insert(l[3], at: 3); return l
        }
        #expect(c?.line == 5)
    }

    @Test func swappedRecordsAreDetected() throws {
        let c = try corruption {
            var l = $0; l.swapAt(2, 3); return l
        }
        #expect(c?.line == 3)
    }

    @Test func changedValueBreaksTheNextRecordsPrev() throws {
        let c = try corruption { l in
            var l = l
            let text = String(decoding: l[2], as: UTF8.self).replacingOccurrences(of: "sample", with: "simple")
            l[2] = Array(text.utf8)
            return l
        }
        #expect(c?.line == 4)
        #expect(c?.reason.contains("the link between line 3 and line 4 is broken") == true)
    }

    @Test func seqGapWithRehashedChainIsStillASeqGap() throws {
        let c = try corruption { l in
            var l = l
            let text = String(decoding: l[5], as: UTF8.self).replacingOccurrences(of: #""seq":6"#, with: #""seq":7"#)
            l[5] = Array(text.utf8)
            return l
        }
        #expect(c?.line == 6)
        #expect(c?.reason.contains("seq is 7 where 6 was expected") == true)
    }

    @Test func nonCanonicalLineIsCorruptionWithItsOffset() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 4)
        var l = lines(path)
        let offset = l[0].count + 1 + l[1].count + 1
        l[2] = Array(String(decoding: l[2], as: UTF8.self).replacingOccurrences(of: #""n":2"#, with: #""n": 2"#).utf8)
        Fixture.write(join(l), to: path)
        let report = try Verifier.verify(path: path)
        #expect(report.corruption?.line == 3)
        #expect(report.corruption?.offset == Int64(offset))
    }

    @Test func firstRecordMustBeJournalCreated() throws {
        let c = try corruption { Array($0.dropFirst()) }
        #expect(c?.line == 1)
    }

    @Test func crlfLineEndingsAreCorruption() throws {
        let c = try corruption { $0.map { $0 + [0x0D] } }
        #expect(c != nil)
    }

    @Test func emptyFileIsCorrupt() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        Fixture.write([], to: path)
        #expect(try Verifier.verify(path: path).status == .corrupt)
    }

    @Test func clockSteppingBackIsAWarningNotCorruption() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        // The journal refuses to append such a record today; a file written before that rule, or by another
        // writer, may still hold one.
        let times: [Int64] = [1_000_000, 2_000_000, 1_500_000]
        _ = try BulkWriter.create(
            at: path, actor: "admin", host: "h", journalID: "0b9d3c1e-8f2a-4c6e-9d1b-2a3c4d5e6f70",
            createdAt: Timestamp(millisecondsSinceEpoch: 1_772_323_200_000),
            records: times.enumerated().map {
                (Fixture.note($0.offset), Timestamp(millisecondsSinceEpoch: 1_772_323_200_000 + $0.element))
            })
        let report = try Verifier.verify(path: path)
        #expect(report.status == .okWithWarnings)
        #expect(report.warnings.first?.line == 4)
    }

    /// A journal large enough to be split across threads verifies the same as one checked in one piece,
    /// and a change in its second half is found at the right line.
    @Test func parallelVerificationAgreesWithSequential() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("big.jsonl")
        let text = String(repeating: "x", count: 300)
        let drafts = (0..<40_000).lazy.map { n in
            (Fixture.note(n, text: text), Timestamp(millisecondsSinceEpoch: 1_772_323_200_000 + Int64(n)))
        }
        _ = try BulkWriter.create(
            at: path, actor: "admin", host: "h", journalID: "0b9d3c1e-8f2a-4c6e-9d1b-2a3c4d5e6f70",
            createdAt: Timestamp(millisecondsSinceEpoch: 1_772_323_200_000), records: drafts)
        let parallel = try Verifier.verify(path: path, parallelism: 4)
        let sequential = try Verifier.verify(path: path, parallelism: 1)
        #expect(parallel.status == .ok)
        #expect(parallel.records == 40_001)
        #expect(parallel.head == sequential.head)
        var bytes = Fixture.bytes(path)
        let starts = Fixture.lineStarts(bytes)
        bytes[starts[30_000] + 40] ^= 0x01
        Fixture.write(bytes, to: path)
        let damaged = try Verifier.verify(path: path, parallelism: 4)
        #expect(damaged.corruption?.line == 30_001 || damaged.corruption?.line == 30_002)
        let sequentialDamaged = try Verifier.verify(path: path, parallelism: 1)
        #expect(
            damaged.corruption == sequentialDamaged.corruption,
            "\(String(describing: damaged.corruption)) vs \(String(describing: sequentialDamaged.corruption))")
    }

    /// A parallel verification must not start a chunk at a repaired fragment that is a whole record
    /// (one that does not chain): the chunk would take it as its first record and then find a repair record
    /// that follows no fragment.
    @Test func parallelSplitNeverSeparatesARepairedRecordFromItsRepair() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 12)
        let original = Fixture.bytes(path)
        let starts = Fixture.lineStarts(original)
        Fixture.write(original + Array(original[starts[3]..<(starts[4] - 1)]), to: path)
        let (journal, _) = try Fixture.openReadingAll(path)
        for n in 0..<12 { _ = try journal.append { _ in [Fixture.note(100 + n)] } }
        let bytes = Fixture.bytes(path)
        let fragment = original.count
        #expect(try Verifier.verify(path: path).status == .okWithWarnings)
        bytes.withUnsafeBufferPointer { file in
            for parts in 2...64 {
                let points = Verifier.splitPoints(file, completeEnd: file.count, parts: parts)
                #expect(!points.contains(fragment), "split at the repaired record with \(parts) parts")
                // Each split must still join: every chunk, checked on its own, is free of corruption.
                for (index, start) in points.enumerated() {
                    let end = index + 1 < points.count ? points[index + 1] : file.count
                    let chunk = Verifier.checkChunk(file, start..<end, anchored: index == 0, watchSeqs: [])
                    #expect(
                        chunk.corruption == nil,
                        "chunk \(start)..<\(end) of \(parts): \(String(describing: chunk.corruption))")
                }
            }
        }
    }

    @Test func goldenJournalStillVerifies() throws {
        let url = try #require(
            Bundle.module.url(forResource: "journal-v1", withExtension: "jsonl", subdirectory: "Golden"))
        let report = try Verifier.verify(path: url.path)
        #expect(report.status == .okWithWarnings)
        #expect(report.corruption == nil)
        let expected = try String(
            contentsOf: try #require(
                Bundle.module.url(forResource: "journal-v1", withExtension: "head", subdirectory: "Golden")),
            encoding: .utf8)
        #expect("\(report.head.seq) \(report.head.hash)" == expected.trimmingCharacters(in: .whitespacesAndNewlines))
        let (journal, records) = try Fixture.openReadingAll(url.path)
        #expect(journal.corruption == nil)
        #expect(records.contains { $0.kind == RecordKind.tailRepaired })
    }
}
