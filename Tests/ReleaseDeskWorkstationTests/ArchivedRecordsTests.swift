import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

/// The audit pane over records read again from an archive, keeping 20 bytes of facts a record: the filter
/// finds what matching every record in full finds, and a record that cannot be read again is named, not shown.
@Suite("Archived records")
struct ArchivedRecordsTests {
    /// Answers from the records it was given, except those it is told have changed.
    final class Archive: RecordArchive, @unchecked Sendable {
        let records: [Record]
        var changed: Set<Int64> = []
        var reads = 0

        init(_ records: [Record]) { self.records = records }

        func record(_ seq: Int64) -> Result<Record, RecordArchiveError> {
            reads += 1
            if changed.contains(seq) {
                return .failure(RecordArchiveError(seq: seq, reason: "its line changed in the file (test)"))
            }
            return .success(records[Int(seq) - 1])
        }
    }

    /// Runs `text` on the command line (`:`).
    static func command(_ text: String, _ state: inout WorkstationState) {
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type(text, into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
    }

    static func archived(_ records: [Record]) -> (JournalRecords, Archive) {
        let archive = Archive(records)
        var kept = JournalRecords(archive: archive)
        kept.append(contentsOf: records)
        return (kept, archive)
    }

    @Test func theFilterFindsWhatMatchingEveryRecordInFullFinds() {
        let (desk, records) = Fixture.sample
        let (archived, archive) = Self.archived(records)
        let kept = JournalRecords(records)
        let queries = [
            "actor:qa.anna", "actor:nobody", "kind:batch.*", "kind:user.enrolled", "kind:qc.", "batch:CART-26-0022",
            "batch:CART-26-0022 kind:qc.*", "since:2026-01-15 until:2026-01-15", "until:2026-01-14", "viability",
            "qa.anna viability", "actor:qa.anna batch:CART-26-0031 sterility", "batch:NOPE",
        ]
        for text in queries {
            let query = try! AuditQuery.parse(text).get()
            let seqs = query.batch.map { Set(desk.batches[$0]?.recordSeqs ?? []) }
            let expected = records.indices.filter { i in
                let record = records[i]
                if let batch = query.batch, !desk.isRecord(record, about: batch, seqs: seqs ?? []) { return false }
                return query.matches(record)
            }
            #expect(archived.matching(query, in: archived.indices, batchSeqs: seqs) == expected, "\(text)")
            #expect(kept.matching(query, in: kept.indices, batchSeqs: seqs) == expected, "\(text)")
        }
        #expect(!records.isEmpty)
        // Without words, nothing is read again: the facts decide.
        archive.reads = 0
        let query = try! AuditQuery.parse("actor:qa.anna kind:qc.* since:2026-01-01").get()
        _ = archived.matching(query, in: archived.indices, batchSeqs: nil)
        #expect(archive.reads == 0)
    }

    @Test func typingAFilterOnLooksAgainOnlyAtTheRowsFoundAndFindsWhatAFreshFilterFinds() {
        func onAll() -> (WorkstationState, Archive) {
            var state = Fixture.state()
            let (records, archive) = Self.archived(Fixture.sample.1)
            state.records = records
            _ = Workstation.reduce(&state, .keyPressed(.char("4")))
            _ = Workstation.reduce(&state, .keyPressed(.char("a")))
            return (state, archive)
        }
        for text in ["qa.anna cart-26-002", "kind:qc.* cart", "actor:qa.anna 0031", "kind:batch. 003"] {
            var (typed, archive) = onAll()
            _ = Workstation.reduce(&typed, .keyPressed(.char("f")))
            var readsPerKey: [Int] = []
            var rowsBeforeLastKey = 0
            for c in text {
                archive.reads = 0
                rowsBeforeLastKey = typed.auditIndex.count
                _ = Workstation.reduce(&typed, .keyPressed(.char(c)))
                readsPerKey.append(archive.reads)
            }
            _ = Workstation.reduce(&typed, .keyPressed(.enter))
            var (fresh, _) = onAll()
            Self.command("filter " + text, &fresh)
            #expect(!fresh.auditIndex.isEmpty, "\(text)")
            #expect(typed.auditIndex == fresh.auditIndex, "\(text)")
            // The last key lengthens a word: it reads only the rows the key before it kept, not the journal.
            #expect(readsPerKey.last! <= rowsBeforeLastKey, "\(text): \(readsPerKey)")
            #expect(rowsBeforeLastKey < typed.records.count, "\(text)")
        }
        // Backspace widens the filter: the whole journal is looked at again.
        var (state, _) = onAll()
        Self.command("filter cart-26-0022", &state)
        let narrow = state.auditIndex
        _ = Workstation.reduce(&state, .keyPressed(.char("f")))
        for _ in 0..<3 { _ = Workstation.reduce(&state, .keyPressed(.backspace)) }
        let (records, _) = Self.archived(Fixture.sample.1)
        let wide = records.matching(try! AuditQuery.parse("cart-26-0").get(), in: records.indices, batchSeqs: nil)
        #expect(state.auditIndex == wide)
        #expect(wide.count >= narrow.count)
    }

    @Test func aQueryNarrowsAnotherOnlyWhenEveryRecordItKeepsTheOtherKeeps() {
        func q(_ text: String) -> AuditQuery { try! AuditQuery.parse(text).get() }
        #expect(q("viab").narrows(q("via")))
        #expect(q("via bil").narrows(q("via")))
        #expect(q("actor:qa.anna via").narrows(q("via")))
        #expect(q("kind:qc.* x").narrows(q("kind:qc.*")))
        #expect(!q("kind:qc.*").narrows(q("kind:qc")))
        #expect(!q("actor:qa.ann").narrows(q("actor:qa.anna")))
        #expect(!q("via").narrows(q("viab")))
        #expect(q("since:2026-02-01").narrows(q("since:2026-01-01")))
        #expect(!q("since:2026-01-01").narrows(q("since:2026-02-01")))
        #expect(q("until:2026-01-01").narrows(q("until:2026-02-01")))
        #expect(!q("x").narrows(q("until:2026-02-01")))
    }

    @Test func aRecordThatCannotBeReadAgainIsNamedInThePaneAndTheRecordView() {
        var state = Fixture.state()
        let (records, archive) = Self.archived(Fixture.sample.1)
        state.records = records
        _ = Workstation.reduce(&state, .keyPressed(.char("4")))
        _ = Workstation.reduce(&state, .keyPressed(.char("a")))
        let last = Int64(records.count)
        archive.changed = [last]
        #expect(state.selectedAuditSeq == last)
        #expect(state.selectedAuditRecord == nil)
        let frame = Screen.render(state).lines.joined(separator: "\n")
        #expect(frame.contains("#\(last)"))
        #expect(frame.contains("its line changed in the file (test)"))
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        let page = RecordView.page(state, seq: last, width: 100, offset: 0, rows: 10)
        #expect(page.lines.flatMap { $0.segments.map(\.text) }.joined().contains("record \(last) cannot be shown"))
        // The records around it are shown as before.
        #expect(RecordView.record(state, seq: last - 1) == Fixture.sample.1[Int(last) - 2])
    }
}
