import CanonicalJSON
import ReleaseDeskCore

/// What the journal takes from the process that writes: the host name it stamps on every record, the
/// clock, and the id of a new journal. The services pass the system's (`SystemEnvironment`); tests pass
/// their own. The journal module reads no clock, host name or random source by itself.
public struct JournalEnvironment: Sendable {
    public var host: String
    public var clock: @Sendable () -> Timestamp
    public var newJournalID: @Sendable () -> String

    public init(
        host: String, clock: @escaping @Sendable () -> Timestamp, newJournalID: @escaping @Sendable () -> String
    ) {
        self.host = host
        self.clock = clock
        self.newJournalID = newJournalID
    }
}

/// Turns drafts into records of the chain: `seq`, `at`, `host`, `prev`, the canonical line and its hash.
/// The one place a record is stamped; the live append (`Journal`) and the bulk writer (`BulkWriter`) both
/// use it, so a generated journal is chained exactly as appends chain it.
public struct RecordStamper {
    public let host: String
    /// The `seq` the next record gets.
    public private(set) var nextSeq: Int64
    /// The SHA-256 of the last line stamped (or of the line before the first: zero for a new journal).
    public private(set) var prev: Digest

    public init(host: String, nextSeq: Int64 = 1, prev: Digest = .zero) {
        self.host = host
        self.nextSeq = nextSeq
        self.prev = prev
    }

    /// Record 1 of every journal: `journal.created` naming the journal's id and its format.
    public static func creation(journalID: String, actor: String) -> RecordDraft {
        RecordDraft(
            kind: RecordKind.journalCreated, actor: actor,
            body: ["journal_id": .string(journalID), "format": .string(JournalFormat.name)])
    }

    /// Stamps `draft` at `at` after the records stamped so far, appends its line and LF to `bytes`, and
    /// returns the record. Refuses a kind that is not dotted lower-case and an empty actor.
    public mutating func stamp(_ draft: RecordDraft, at: Timestamp, into bytes: inout [UInt8]) throws(JournalError)
        -> Record
    {
        guard Record.isValidKind(draft.kind) else {
            throw .invalidRecord("kind \(draft.kind) is not dotted lower-case")
        }
        guard !draft.actor.isEmpty else { throw .invalidRecord("empty actor") }
        let record = Record(
            seq: nextSeq, at: at, actor: draft.actor, host: host, kind: draft.kind, body: draft.body, prev: prev.hex)
        let line: [UInt8]
        do {
            line = try record.canonicalBytes()
        } catch {
            throw .invalidRecord("\(error)")
        }
        prev = Digest.sha256(line)
        bytes += line
        bytes.append(0x0A)
        nextSeq += 1
        return record
    }
}
