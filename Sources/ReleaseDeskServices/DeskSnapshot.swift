import Dispatch
import ReleaseDeskCore
import ReleaseDeskJournal

/// A verification of the whole store up to the record a snapshot names, run on another thread while the
/// snapshot is loaded (`Desk.open` with `.verifyFirst`).
final class EarlyVerification: @unchecked Sendable {
    let point: ResumePoint
    private let done = DispatchSemaphore(value: 0)
    // Written once by the worker before `done` is signalled; read only after `wait` has seen the signal.
    private var finding: String?

    init(point: ResumePoint, check: @escaping @Sendable (JournalHead) -> String?) {
        self.point = point
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            finding = check(JournalHead(seq: point.seq, hash: point.hash))
            done.signal()
        }
    }

    /// The alarm text, or nil when the store verifies and holds the snapshot's record; waits for the check.
    func wait() -> String? {
        done.wait()
        return finding
    }
}

extension Desk {
    /// Starts verifying the whole store up to the record this user's snapshot names (its header only, MAC
    /// checked): nil when there is no such snapshot.
    func verifyWhileLoading(journalID id: String) -> EarlyVerification? {
        guard let point = SnapshotPolicy.namedPoint(directory: locations.stateDirectory, journalID: id) else {
            return nil
        }
        return EarlyVerification(point: point, check: journal.integrityCheck)
    }

    /// Takes up the journal from this user's snapshot of it when one matches (`SnapshotPolicy`): the
    /// snapshot's own checks, a witness that is not behind it and names the same record, and the record
    /// at its seq still in the file with its hash at its offset. Anything else leaves the desk to read the
    /// journal from its first record, with the reason in `snapshotNotes`.
    func startFromSnapshot(journalID: String, witness: Witness?) throws {
        let directory = locations.stateDirectory
        guard let outcome = SnapshotPolicy.load(directory: directory, journalID: journalID, policy: state.policy)
        else { return }
        let loaded: SnapshotPolicy.Loaded
        switch outcome {
        case .failure(let why):
            snapshotNotes.append("snapshot ignored: \(why)")
            return
        case .success(let found): loaded = found
        }
        if let witness, witness.journalID == journalID {
            if witness.seq < loaded.point.seq {
                snapshotNotes.append(
                    "snapshot ignored: it is at seq \(loaded.point.seq), after this user's witness (seq \(witness.seq))"
                )
                return
            }
            if witness.seq == loaded.point.seq, witness.hash != loaded.point.hash {
                snapshotNotes.append("snapshot ignored: this user's witness names another record at its seq")
                return
            }
        }
        if let why = try journal.resume(at: loaded.point) {
            snapshotNotes.append("snapshot ignored: \(why)")
            return
        }
        state = loaded.state
        warmFrom = loaded.point
        snapshotNotes.append("snapshot loaded at seq \(loaded.point.seq)")
    }

    /// Writes this user's snapshot at the head when there was none or opening replayed at least
    /// `SnapshotPolicy.rewriteAfter` records after it. A failure to write is noted, never fatal.
    func saveSnapshotIfDue() {
        guard alarm == nil, let point = journal.resumePoint, point.seq == state.lastSeq else { return }
        if let from = warmFrom, point.seq - from.seq < SnapshotPolicy.rewriteAfter { return }
        do {
            try SnapshotPolicy.save(state, at: point, directory: locations.stateDirectory)
            snapshotNotes.append("snapshot written at seq \(point.seq)")
        } catch {
            snapshotNotes.append("snapshot not written: \(error)")
        }
    }

    /// Before anything is written or signed on a state loaded from a snapshot: replays the whole journal
    /// and compares (`confirmWarmState`); a difference raises the alarm and refuses.
    func confirmBeforeWriting() throws {
        guard awaitsStateConfirmation else { return }
        if let problem = confirmWarmState() { throw DeskError.alarm(problem) }
    }

    /// Replays the whole journal on a reader of its own up to the state's last record and compares the
    /// result with the state loaded from the snapshot and its tail. Equal: the state is confirmed, and the
    /// desk writes and signs as after a cold open. Different: the alarm is raised (read-only) and returned.
    @discardableResult
    public func confirmWarmState() -> String? {
        guard awaitsStateConfirmation else { return alarm }
        if let problem = Self.replayProblem(journal.makeReader, expected: state) {
            raiseAlarm(problem)
            return problem
        }
        warmStateConfirmed = true
        return nil
    }

    /// Marks a warm open's state as confirmed by a replay done elsewhere (`BackgroundIntegrity`), when
    /// `confirmed` is the state this desk held at `seq` and the replay gave it.
    public func acceptStateConfirmation() {
        if warmFrom != nil { warmStateConfirmed = true }
    }

    /// Why a replay of the whole store from its first record up to `expected.lastSeq` does not give
    /// `expected`; nil when it does.
    public static func replayProblem(
        _ makeReader: @Sendable () throws -> any JournalStore, expected: DeskState
    ) -> String? {
        var replayed = DeskState(policy: expected.policy)
        do {
            let reader = try makeReader()
            try reader.readNew { record in
                if record.seq <= expected.lastSeq { replayed.apply(record) }
            }
            if let corruption = reader.corruption { return "the journal is corrupt at \(corruption)" }
        } catch {
            return "the journal could not be replayed: \(error)"
        }
        guard replayed == expected else {
            return "the state loaded from this user's snapshot is not what the journal folds to at seq "
                + "\(expected.lastSeq); the snapshot was edited or is damaged"
        }
        return nil
    }
}
