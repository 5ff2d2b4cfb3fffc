import CanonicalJSON
import ReleaseDeskCore

/// The first thing wrong with a journal: which line, where, and why.
public struct Corruption: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// Byte offset where the line starts.
    public var offset: Int64
    /// Why the line breaks the journal.
    public var reason: String

    public init(line: Int, offset: Int64, reason: String) {
        self.line = line
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "line \(line) (byte offset \(offset)): \(reason)" }
}

/// Something worth knowing that does not break the journal: a clock stepped back, a repaired fragment.
public struct JournalWarning: Equatable, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// Byte offset where the line starts.
    public var offset: Int64
    /// What was seen.
    public var message: String

    public var description: String { "line \(line) (byte offset \(offset)): \(message)" }
}

/// Checks lines one after another against §5 of the format: envelope, sequence, chain, record 1, and
/// repaired fragments. Used by the live reader and, chunk by chunk, by the verifier.
struct ChainChecker {
    struct Fragment {
        var line: Int
        var offset: Int64
        var length: Int
        var sha256: Digest
        var defect: LineDefect
        /// For a line that is a well-formed record but breaks the chain (wrong `seq` or `prev`, record-1
        /// rules): what is reported, unchanged, when no repair record follows it.
        var rejection: Corruption? = nil
    }

    /// Whether the chain starts at the beginning of the file. A chunk of a parallel verification starts
    /// mid-file and takes its first record's `seq` and `prev` on trust, to be checked when chunks are joined.
    let anchored: Bool
    /// The `seq` the next record must have.
    private(set) var nextSeq: Int64 = 1
    /// The hash of the last record.
    private(set) var lastHash: Digest = .zero
    /// The commit time of the last record.
    private(set) var lastAt: Int64? = nil
    /// Complete lines seen (records and fragments).
    private(set) var lines = 0
    /// Records seen.
    private(set) var records = 0
    /// An invalid line waiting for the repair record that must follow it.
    private(set) var pending: Fragment? = nil
    /// The journal id from record 1.
    private(set) var journalID: String? = nil
    /// The first record of an unanchored chunk.
    private(set) var first: (seq: Int64, prev: Digest, at: Int64)? = nil
    /// The last record seen.
    private(set) var last: (seq: Int64, hash: Digest, at: Int64)? = nil
    /// Warnings, at most `warningLimit` kept.
    private(set) var warnings: [JournalWarning] = []
    /// Every warning counted.
    private(set) var warningCount = 0
    /// Byte offsets and lengths of repaired fragments.
    private(set) var repairedFragments: [(offset: Int64, length: Int)] = []
    /// Sequence numbers whose hashes are to be remembered (for witness checks).
    var watchSeqs: Set<Int64> = []
    /// The hashes of the records in `watchSeqs`, once seen.
    private(set) var watchedHashes: [Int64: Digest] = [:]

    static let warningLimit = 100

    init(anchored: Bool = true) {
        self.anchored = anchored
    }

    /// Checks one complete line (without its LF) that starts at `offset`. Returns the record when `build`
    /// is set and the line is a record.
    mutating func accept(_ line: UnsafeBufferPointer<UInt8>, offset: Int64, build: Bool) throws(Corruption) -> Record? {
        lines += 1
        let hash = Digest.sha256(UnsafeRawBufferPointer(line))
        let envelope: Envelope
        do {
            envelope = try LineParser.parse(line, build: build)
        } catch {
            if let pending { throw unrepaired(pending) }
            pending = Fragment(line: lines, offset: offset, length: line.count, sha256: hash, defect: error)
            return nil
        }
        if let fragment = pending {
            guard envelope.special == .tailRepaired, repairNames(fragment, envelope.body) else { throw unrepaired(fragment) }
        }
        do {
            try checkRecord(envelope, offset: offset)
        } catch {
            // A repair record must itself continue the chain.
            if pending != nil { throw error }
            // A well-formed record that does not chain is, like a line that does not parse, an invalid line
            // (§4, §5): valid only when the next line is a journal.tail_repaired record naming it. That is
            // what a writer appends after a complete final segment without LF that does not chain.
            pending = Fragment(
                line: lines, offset: offset, length: line.count, sha256: hash,
                defect: LineDefect(offsetInLine: nil, reason: error.reason, endsEarly: false), rejection: error)
            return nil
        }
        if let fragment = pending {
            repairedFragments.append((fragment.offset, fragment.length))
            warn(
                line: fragment.line, offset: fragment.offset,
                "fragment of \(fragment.length) bytes from a torn write, repaired by the record on line \(lines)")
            pending = nil
        }
        if !anchored && records == 0 { first = (envelope.seq, envelope.prev, envelope.atMilliseconds) }
        if envelope.seq == 1 { journalID = envelope.body["journal_id"]?.stringValue }
        if let lastAt, envelope.atMilliseconds < lastAt {
            warn(
                line: lines, offset: offset,
                "time \(Timestamp(millisecondsSinceEpoch: envelope.atMilliseconds)) is earlier than the previous "
                    + "record's \(Timestamp(millisecondsSinceEpoch: lastAt)) (clock stepped back)")
        }
        if !watchSeqs.isEmpty, watchSeqs.contains(envelope.seq) { watchedHashes[envelope.seq] = hash }
        records += 1
        nextSeq = envelope.seq + 1
        lastHash = hash
        lastAt = envelope.atMilliseconds
        last = (envelope.seq, hash, envelope.atMilliseconds)
        return envelope.record
    }

    /// The rules a well-formed record must meet where it stands: `seq`, `prev`, record 1, and a repair
    /// record only right after a fragment.
    private func checkRecord(_ envelope: Envelope, offset: Int64) throws(Corruption) {
        if pending == nil && envelope.special == .tailRepaired {
            throw Corruption(
                line: lines, offset: offset,
                reason: "a journal.tail_repaired record that does not follow the fragment it names")
        }
        if anchored || records > 0 {
            guard envelope.seq == nextSeq else {
                throw Corruption(line: lines, offset: offset, reason: "seq is \(envelope.seq) where \(nextSeq) was expected")
            }
            guard envelope.prev == lastHash else {
                throw Corruption(
                    line: lines, offset: offset,
                    reason: "prev does not match the hash of the previous record (\(lastHash.hex.prefix(12))…): "
                        + "a record before it was changed, removed or reordered")
            }
        }
        if envelope.seq == 1 {
            guard envelope.special == .created else {
                throw Corruption(line: lines, offset: offset, reason: "record 1 is not of kind journal.created")
            }
            guard let id = envelope.body["journal_id"]?.stringValue, Self.isLowerCaseUUID(id) else {
                throw Corruption(line: lines, offset: offset, reason: "journal.created has no lower-case UUID journal_id")
            }
            guard envelope.body["format"]?.stringValue == "releasedesk-journal/1" else {
                throw Corruption(line: lines, offset: offset, reason: "journal.created does not name format releasedesk-journal/1")
            }
        } else if envelope.special == .created {
            throw Corruption(line: lines, offset: offset, reason: "journal.created appears again at seq \(envelope.seq)")
        }
    }

    /// Fails if an invalid line is still waiting for its repair record.
    func finish() throws(Corruption) {
        if let pending { throw unrepaired(pending) }
    }

    /// The fragment waiting for a repair, and the checker as it was before it, so a reader that must not
    /// write can treat that line as not yet there.
    var pendingFragment: Fragment? { pending }

    mutating func warn(line: Int, offset: Int64, _ message: String) {
        warningCount += 1
        if warnings.count < Self.warningLimit { warnings.append(JournalWarning(line: line, offset: offset, message: message)) }
    }

    /// Adds warnings found by another checker (a later chunk), shifting their line numbers.
    mutating func absorbWarnings(of other: ChainChecker, lineBase: Int) {
        warningCount += other.warningCount
        for w in other.warnings where warnings.count < Self.warningLimit {
            warnings.append(JournalWarning(line: w.line + lineBase, offset: w.offset, message: w.message))
        }
    }

    private func unrepaired(_ fragment: Fragment) -> Corruption {
        if let rejection = fragment.rejection { return rejection }
        return Corruption(
            line: fragment.line, offset: fragment.offset,
            reason: "not a valid record (\(fragment.defect)) and not followed by a journal.tail_repaired record naming it")
    }

    private func repairNames(_ fragment: Fragment, _ body: [String: JSONValue]) -> Bool {
        body["offset"]?.intValue == fragment.offset && body["length"]?.intValue == Int64(fragment.length)
            && body["sha256"]?.stringValue == fragment.sha256.hex
    }

    /// `8-4-4-4-12` lower-case hex digits.
    static func isLowerCaseUUID(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
            } else {
                guard Digest.nibble(c) != nil else { return false }
            }
        }
        return true
    }
}
