import ReleaseDeskCore
import ReleaseDeskJournal

/// The witness rule (§6 of docs/journal-format.md) in one place for every command that opens or verifies
/// the journal: judge this user's witness against what the journal holds at its seq, let an administrator's
/// signed acknowledgement move a disagreeing witness on, and advance the witness to the head otherwise.
public enum WitnessPolicy {
    /// What the witness says of the journal.
    public enum Verdict: Equatable, Sendable {
        /// This user has no witness of this journal yet: the head becomes the first.
        case first
        /// The journal still holds the witnessed record, unchanged.
        case matches
        /// The witnessed record changed or is gone, and record `acknowledgement` (an administrator's signed
        /// acknowledgement after investigation) names this very witness: it moves on.
        case acknowledged(problem: String, acknowledgement: Int64)
        /// The witnessed record changed or is gone: an integrity alarm. The witness stays where it is.
        case changed(problem: String, witness: IntegrityAcknowledgement.Point)

        /// Whether the witness may move to the head.
        public var movesOn: Bool {
            if case .changed = self { return false }
            return true
        }
    }

    /// Judges `witness` (nil: none yet), given the `problem` reading the journal found with it (nil: the
    /// witnessed record is there, unchanged) and where an acknowledgement naming a witness is
    /// (`acknowledgement`: the seq of the first `integrity.alarm_acknowledged` naming it, or nil).
    public static func judge(
        _ witness: Witness?, problem: String?, acknowledgement: (IntegrityAcknowledgement.Point) throws -> Int64?
    ) rethrows -> Verdict {
        guard let witness else { return .first }
        guard let problem else { return .matches }
        let point = IntegrityAcknowledgement.Point(seq: witness.seq, sha256: witness.hash)
        if let seq = try acknowledgement(point) { return .acknowledged(problem: problem, acknowledgement: seq) }
        return .changed(problem: problem, witness: point)
    }

    /// Records `head` as this user's witness of journal `journalID` (the store never moves it backwards).
    public static func advance(_ store: WitnessStore, journalID: String, to head: JournalHead) throws {
        guard !journalID.isEmpty, head.seq > 0 else { return }
        try store.save(Witness(journalID: journalID, seq: head.seq, hash: head.hash))
    }
}
