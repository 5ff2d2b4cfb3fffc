import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal

/// `verify --deep`: replays the journal and checks every signature against the content it signs, rebuilt
/// from the state just before its record (`SignatureAudit`). Catches what the chain cannot: a record edited
/// and the chain recomputed from there on, a zeroed or altered `subject_sha256`, a signature copied from one
/// record to another.
public enum DeepVerification {
    /// A signature that does not match, with the line of its record.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var audit: SignatureAudit.Finding

        public var description: String { "line \(line), \(audit.description)" }

        public var json: JSONValue {
            [
                "line": .int(Int64(line)), "seq": .int(audit.seq), "kind": .string(audit.kind),
                "batch": audit.batch.map(JSONValue.string) ?? .null, "problem": .string(audit.problem),
            ]
        }
    }

    /// What the deep check found.
    public struct Report: Sendable {
        /// Records replayed.
        public var records = 0
        /// Signatures checked.
        public var signatures = 0
        /// Every signature that does not match, in journal order.
        public var findings: [Finding] = []
        /// Where the chain itself broke (the replay stops there), if it did.
        public var corruption: String?
        /// When a state loaded from a snapshot was given to compare: why the replay did not give it.
        public var stateProblem: String?

        public var passed: Bool { findings.isEmpty && corruption == nil && stateProblem == nil }
    }

    /// Replays the journal at `path` read-only and checks every signature.
    public static func run(path: String) throws -> Report {
        try run(reading: Journal.openForReading(at: path))
    }

    /// Replays `journal` (a reader positioned at the start) and checks every signature. With `expected` (the
    /// state a warm open loaded from a snapshot and replayed to its `lastSeq`), the replay's state at that
    /// seq must equal it.
    public static func run(reading journal: any JournalStore, expecting expected: DeskState? = nil) throws -> Report {
        var state = DeskState(policy: expected?.policy ?? SecurityPolicy())
        var report = Report()
        // A repaired fragment is a line of its own just before its `journal.tail_repaired` record.
        var fragmentLines = 0
        try journal.readNew { record in
            if record.kind == RecordKind.tailRepaired { fragmentLines += 1 }
            report.records += 1
            if record.body["signature"] != nil || SignatureAudit.signedKinds.contains(record.kind) {
                report.signatures += 1
            }
            if let finding = SignatureAudit.check(record, before: state, digest: Signing.digest) {
                report.findings.append(Finding(line: Int(record.seq) + fragmentLines, audit: finding))
            }
            state.apply(record)
            if let expected, record.seq == expected.lastSeq, state != expected {
                report.stateProblem =
                    "the state loaded from this user's snapshot is not what the journal folds to at seq "
                    + "\(expected.lastSeq); the snapshot was edited or is damaged"
            }
        }
        if let expected, report.corruption == nil, state.lastSeq < expected.lastSeq {
            report.stateProblem = "the journal ends before seq \(expected.lastSeq), which the snapshot's state reached"
        }
        if let corruption = journal.corruption { report.corruption = "\(corruption)" }
        return report
    }
}

/// Acknowledged integrity alarms, for a reader that does not fold the journal (`verify`).
public enum WitnessAcknowledgement {
    /// The seq of the first `integrity.alarm_acknowledged` record in the journal at `path` that names
    /// `witness`, or nil when none does.
    public static func record(in path: String, naming witness: IntegrityAcknowledgement.Point) throws -> Int64? {
        let journal = try Journal.openForReading(at: path)
        var found: Int64? = nil
        try journal.readNew { record in
            if found == nil, IntegrityAcknowledgement.acknowledges(record, witness: witness) { found = record.seq }
        }
        return found
    }
}
