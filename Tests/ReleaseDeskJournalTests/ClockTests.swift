import CanonicalJSON
import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal

/// Time never runs backwards in the journal: the journal stamps each record with the clock and refuses an
/// append whose time is earlier than the last record's; `verify` still only warns about old step-backs.
@Suite("The journal's clock")
struct ClockTests {
    static let base: Int64 = 1_772_323_200_000
    static let id = "0b9d3c1e-8f2a-4c6e-9d1b-2a3c4d5e6f70"

    /// A clock the test sets.
    final class SetClock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int64
        init(_ value: Int64) { self.value = value }
        var now: Int64 {
            get { lock.lock(); defer { lock.unlock() }; return value }
            set { lock.lock(); value = newValue; lock.unlock() }
        }
        func read() -> Timestamp { Timestamp(millisecondsSinceEpoch: now) }
    }

    @Test func anAppendWhoseClockIsEarlierThanTheLastRecordIsRefusedNamingBothTimesAndTheProcessTurnsReadOnly() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        let clock = SetClock(Self.base + 60_000)
        let (journal, _) = try Journal.create(
            at: path, actor: "admin", then: [Fixture.note(1)],
            environment: JournalEnvironment(host: "h", clock: { clock.read() }, newJournalID: { Self.id }))
        let before = Fixture.bytes(path)
        clock.now = Self.base  // a minute back
        var refused: JournalError? = nil
        do {
            _ = try journal.append { _ in [Fixture.note(2)] }
        } catch let error as JournalError {
            refused = error
        }
        let last = Timestamp(millisecondsSinceEpoch: Self.base + 60_000)
        let now = Timestamp(millisecondsSinceEpoch: Self.base)
        #expect(refused == .clockSteppedBack(now: now, last: last, lastSeq: 2))
        let message = refused?.description ?? ""
        #expect(message.contains("\(now)") && message.contains("\(last)"), "\(message)")
        #expect(message.contains("nothing was saved") && message.contains("read-only"), "\(message)")
        #expect(Fixture.bytes(path) == before)
        // Read-only from now on, even once the clock is right again.
        clock.now = Self.base + 120_000
        #expect(journal.readOnlyReason?.contains("earlier than") == true)
        #expect(throws: JournalError.readOnly(journal.readOnlyReason!)) {
            _ = try journal.append { _ in [Fixture.note(3)] }
        }
        #expect(Fixture.bytes(path) == before)
    }

    @Test func anAppendAtTheSameMillisecondAsTheLastRecordIsAccepted() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        let (journal, _) = try Journal.create(
            at: path, actor: "admin", then: [],
            environment: JournalEnvironment(
                host: "h", clock: { Timestamp(millisecondsSinceEpoch: Self.base) }, newJournalID: { Self.id }))
        let (_, written) = try journal.append { _ in [Fixture.note(1), Fixture.note(2)] }
        #expect(written.map(\.seq) == [2, 3])
        #expect(try Verifier.verify(path: path).status == .ok)
    }

    @Test func anAppendIsRefusedWhenAnotherProcessWroteALaterTimeSinceThisOneLastRead() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        let fast = SetClock(Self.base + 3_600_000)
        let slow = SetClock(Self.base)
        _ = try Journal.create(
            at: path, actor: "admin", then: [],
            environment: JournalEnvironment(host: "h", clock: { slow.read() }, newJournalID: { Self.id }))
        let behind = try Journal.open(
            at: path, environment: JournalEnvironment(host: "behind", clock: { slow.read() }, newJournalID: { Self.id })
        )
        _ = try behind.readNew()
        let ahead = try Journal.open(
            at: path, environment: JournalEnvironment(host: "ahead", clock: { fast.read() }, newJournalID: { Self.id }))
        _ = try ahead.readNew()
        _ = try ahead.append { _ in [Fixture.note(1)] }
        slow.now = Self.base + 1_000  // later than its own last read, earlier than what the other host wrote
        #expect(
            throws: JournalError.clockSteppedBack(
                now: Timestamp(millisecondsSinceEpoch: Self.base + 1_000),
                last: Timestamp(millisecondsSinceEpoch: Self.base + 3_600_000), lastSeq: 2)
        ) {
            _ = try behind.append { _ in [Fixture.note(2)] }
        }
        #expect(try Verifier.verify(path: path).status == .ok)
    }

    @Test func verifyReportsAnOldStepBackAsAWarningAndAppendsContinueAfterIt() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        // Written before the rule (or by another writer): record 3 is earlier than record 2.
        let times: [Int64] = [2_000_000, 1_500_000]
        _ = try BulkWriter.create(
            at: path, actor: "admin", host: "h", journalID: Self.id,
            createdAt: Timestamp(millisecondsSinceEpoch: Self.base),
            records: times.enumerated().map {
                (Fixture.note($0.offset), Timestamp(millisecondsSinceEpoch: Self.base + $0.element))
            })
        let report = try Verifier.verify(path: path)
        #expect(report.status == .okWithWarnings)
        #expect(report.warnings.first?.line == 3)
        #expect(report.warnings.first?.message.contains("clock stepped back") == true)
        let journal = try Journal.open(
            at: path,
            environment: JournalEnvironment(
                host: "h", clock: { Timestamp(millisecondsSinceEpoch: Self.base + 1_600_000) },
                newJournalID: { Self.id }))
        _ = try journal.readNew()
        #expect(journal.warnings.first?.message.contains("clock stepped back") == true)
        let (_, written) = try journal.append { _ in [Fixture.note(9)] }
        #expect(written.map(\.seq) == [4])
    }
}

/// What the journal says after a failed `fdatasync`: the bytes were written, so the record may be on disk,
/// but it is not known to be durable; read-only; run verify.
@Suite("A failed sync")
struct FailedSyncMessageTests {
    @Test func aFailedSyncSaysTheRecordMayBeOnDiskButIsNotKnownDurableAndToRunVerify() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 3)
        let io = FaultyIO()
        io.fault = .failSync(EIO)
        let (journal, _) = try Fixture.openReadingAll(path, io: io)
        var thrown: JournalError? = nil
        do {
            _ = try journal.append { _ in [Fixture.note(1)] }
        } catch let error as JournalError {
            thrown = error
        }
        guard case .syncFailed? = thrown else {
            Issue.record("expected syncFailed, got \(String(describing: thrown))")
            return
        }
        let message = thrown!.description
        #expect(message.contains("may be on disk but is not known to be durable"), "\(message)")
        #expect(message.contains("read-only") && message.contains("releasedesk verify"), "\(message)")
        #expect(!message.contains("nothing was saved"))
        #expect(journal.readOnlyReason?.contains("not known to be durable") == true)
    }
}
