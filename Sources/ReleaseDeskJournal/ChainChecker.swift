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
    /// For a broken link (`prev` not the hash of the record before): that record's line and the hash.
    var link: (from: Int?, expected: String?)? = nil

    public init(line: Int, offset: Int64, reason: String) {
        self.line = line
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "line \(line) (byte offset \(offset)): \(reason)" }

    public static func == (a: Corruption, b: Corruption) -> Bool {
        a.line == b.line && a.offset == b.offset && a.reason == b.reason
    }

    /// The same corruption in a chunk that starts after `base` lines of the file.
    func shifted(by base: Int) -> Corruption {
        if let link {
            return .brokenLink(
                from: link.from.map { $0 + base }, to: line + base, offset: offset, expected: link.expected)
        }
        return Corruption(line: line + base, offset: offset, reason: reason)
    }
}

extension Corruption {
    /// A record whose `prev` is not the hash of the record before it: the link between the two lines is
    /// broken. `from` is the previous record's line, when known; `expected` the hash `prev` should hold.
    static func brokenLink(from: Int?, to line: Int, offset: Int64, expected: String?) -> Corruption {
        let previous = from.map { "line \($0)" } ?? "the previous record"
        let hash = expected.map { " (\($0.prefix(12))…)" } ?? ""
        var found = Corruption(
            line: line, offset: offset,
            reason: "the link between \(previous) and line \(line) is broken: the prev of "
                + "line \(line) is not the hash of \(previous)\(hash), so \(previous) was changed, or records between "
                + "them were removed or reordered")
        found.link = (from, expected)
        return found
    }
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

/// Checks lines one after another against §5 of docs/journal-format.md: envelope, sequence, chain, record 1, and
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
        /// For a line after another invalid line: whether it is a non-empty proper prefix of the
        /// `journal.tail_repaired` record naming the invalid lines before it (a torn repair, §4).
        var prefixOfRepair = false

        /// Whether a torn write can have left this line: it ends early, or is a whole record that does not chain.
        var couldBeTorn: Bool { defect.endsEarly || rejection != nil }
    }

    /// What the invalid lines at the end of the file and the final segment without LF are (§4 item 4).
    enum TornRepair: Equatable {
        /// A torn write and torn repair(s): a writer writes one repair naming every fragment.
        case repairable
        /// The final segment is the complete repair record; only its LF is missing.
        case repairComplete
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
    /// The line of the last record (0 before any): the line the next record's `prev` must hash.
    private(set) var lastRecordLine = 0
    /// Invalid lines in a row waiting for the repair record that must follow them (one for a torn write,
    /// more when a repair was torn too).
    private(set) var pending: [Fragment] = []
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
    /// Where each accepted record is noted, when a reader asked for it (`Journal.keepRecordPlaces`).
    var places: RecordPlaces? = nil
    /// Byte offsets and lengths of repaired fragments.
    private(set) var repairedFragments: [(offset: Int64, length: Int)] = []
    /// Sequence numbers whose hashes are to be remembered (for witness checks).
    var watchSeqs: Set<Int64> = []
    /// The hashes of the records in `watchSeqs`, once seen.
    private(set) var watchedHashes: [Int64: Digest] = [:]
    /// Where the records in `watchSeqs` stand: line and byte offset.
    private(set) var watchedPlaces: [Int64: (line: Int, offset: Int64)] = [:]

    static let warningLimit = 100
    /// The most adjacent fragments one repair closes (a repair torn this many times in a row is damage).
    static let tornRepairLimit = 64

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
            // An invalid line; after another one it counts only as part of a torn repair (§4 item 4), which
            // the record that follows, or the end of the file, decides.
            var fragment = Fragment(line: lines, offset: offset, length: line.count, sha256: hash, defect: error)
            if let first = pending.first, first.couldBeTorn, pending.count <= Self.tornRepairLimit,
                pending.dropFirst().allSatisfy(\.prefixOfRepair)
            {
                // Only while the run can still be a torn repair, and only for a few lines: a damaged file
                // with many invalid lines in a row costs no more than one check per line.
                fragment.prefixOfRepair = isProperPrefixOfRepair(line, naming: pending)
            }
            pending.append(fragment)
            return nil
        }
        if let first = pending.first {
            guard envelope.special == .tailRepaired, repairNames(pending, envelope.body) else {
                throw unrepaired(first)
            }
        }
        do {
            try checkRecord(envelope, offset: offset)
        } catch {
            // A repair record must itself continue the chain.
            if !pending.isEmpty { throw error }
            // A well-formed record that does not chain is, like a line that does not parse, an invalid line
            // (§4, §5 of docs/journal-format.md): valid only when the next line is a journal.tail_repaired
            // record naming it. That is what a writer appends after a complete final segment without LF that
            // does not chain.
            pending = [
                Fragment(
                    line: lines, offset: offset, length: line.count, sha256: hash,
                    defect: LineDefect(offsetInLine: nil, reason: error.reason, endsEarly: false), rejection: error)
            ]
            return nil
        }
        for fragment in pending {
            repairedFragments.append((fragment.offset, fragment.length))
            let torn =
                pending.count > 1 ? " (one of \(pending.count) adjacent fragments: a torn write and torn repair)" : ""
            warn(
                line: fragment.line, offset: fragment.offset,
                "fragment of \(fragment.length) bytes from a torn write, repaired by the record on line \(lines)\(torn)"
            )
        }
        pending = []
        if !anchored && records == 0 { first = (envelope.seq, envelope.prev, envelope.atMilliseconds) }
        if envelope.seq == 1 { journalID = envelope.body["journal_id"]?.stringValue }
        if let lastAt, envelope.atMilliseconds < lastAt {
            warn(
                line: lines, offset: offset,
                "time \(Timestamp(millisecondsSinceEpoch: envelope.atMilliseconds)) is earlier than the previous "
                    + "record's \(Timestamp(millisecondsSinceEpoch: lastAt)) (clock stepped back)")
        }
        if !watchSeqs.isEmpty, watchSeqs.contains(envelope.seq) {
            watchedHashes[envelope.seq] = hash
            watchedPlaces[envelope.seq] = (lines, offset)
        }
        places?.add(seq: envelope.seq, offset: offset, length: line.count, hash: hash)
        records += 1
        lastRecordLine = lines
        nextSeq = envelope.seq + 1
        lastHash = hash
        lastAt = envelope.atMilliseconds
        last = (envelope.seq, hash, envelope.atMilliseconds)
        return envelope.record
    }

    /// The rules a well-formed record must meet where it stands: `seq`, `prev`, record 1, and a repair
    /// record only right after a fragment.
    private func checkRecord(_ envelope: Envelope, offset: Int64) throws(Corruption) {
        if pending.isEmpty && envelope.special == .tailRepaired {
            throw Corruption(
                line: lines, offset: offset,
                reason: "a journal.tail_repaired record that does not follow the fragment it names")
        }
        if anchored || records > 0 {
            guard envelope.seq == nextSeq else {
                throw Corruption(
                    line: lines, offset: offset, reason: "seq is \(envelope.seq) where \(nextSeq) was expected")
            }
            guard envelope.prev == lastHash else {
                throw Corruption.brokenLink(
                    from: anchored || records > 0 ? lastRecordLine : nil, to: lines, offset: offset,
                    expected: lastHash.hex)
            }
        }
        if envelope.seq == 1 {
            guard envelope.special == .created else {
                throw Corruption(line: lines, offset: offset, reason: "record 1 is not of kind journal.created")
            }
            guard let id = envelope.body["journal_id"]?.stringValue, Self.isLowerCaseUUID(id) else {
                throw Corruption(
                    line: lines, offset: offset, reason: "journal.created has no lower-case UUID journal_id")
            }
            guard envelope.body["format"]?.stringValue == JournalFormat.name else {
                throw Corruption(
                    line: lines, offset: offset, reason: "journal.created does not name format \(JournalFormat.name)")
            }
        } else if envelope.special == .created {
            throw Corruption(
                line: lines, offset: offset, reason: "journal.created appears again at seq \(envelope.seq)")
        }
    }

    /// Fails if an invalid line is still waiting for its repair record.
    func finish() throws(Corruption) {
        if let first = pending.first { throw unrepaired(first) }
    }

    /// The invalid lines waiting for a repair, so a reader that must not write can treat them as not yet
    /// there, and a writer can repair them.
    var pendingFragments: [Fragment] { pending }

    /// What the corruption is when the invalid lines at the end stay unrepaired.
    var unrepairedCorruption: Corruption? { pending.first.map(unrepaired) }

    /// Whether the invalid lines at the end (`pending`, at least one) and the final segment without LF
    /// (`tail`, if any) are what a torn write whose repair was torn leaves (§4 item 4 of
    /// docs/journal-format.md); `nil` when they are not, which is corruption.
    ///
    /// The first invalid line must be one a torn write can leave; every later one, and the final segment,
    /// must be a non-empty proper prefix of the repair record that names the lines before it. Without a
    /// final segment that takes at least two invalid lines: a single complete invalid last line cannot be
    /// told from a damaged record.
    func tornRepair(tail: UnsafeBufferPointer<UInt8>?) -> TornRepair? {
        guard let first = pending.first, first.couldBeTorn, pending.dropFirst().allSatisfy(\.prefixOfRepair) else {
            return nil
        }
        guard let tail, !tail.isEmpty else { return pending.count >= 2 ? .repairable : nil }
        var completed = self
        do throws(Corruption) {
            _ = try completed.accept(tail, offset: 0, build: false)
            if completed.pending.isEmpty { return .repairComplete }
        } catch {
            return nil  // a whole record that is not the repair: not a torn write
        }
        return isProperPrefixOfRepair(tail, naming: pending) ? .repairable : nil
    }

    /// The body of the `journal.tail_repaired` record that names `fragments`: `offset`, `length`, `sha256`
    /// for one, `fragments` (a list of those) for more.
    static func repairBody(_ fragments: [Fragment]) -> [String: JSONValue] {
        func named(_ f: Fragment) -> [String: JSONValue] {
            ["offset": .int(f.offset), "length": .int(Int64(f.length)), "sha256": .string(f.sha256.hex)]
        }
        if fragments.count == 1 { return named(fragments[0]) }
        return ["fragments": .array(fragments.map { .object(named($0)) })]
    }

    /// Whether `bytes` is a non-empty proper prefix of a canonical `journal.tail_repaired` record by `system`
    /// that names `fragments` and continues this chain; its `at` and `host` may be anything of their form.
    func isProperPrefixOfRepair(_ bytes: UnsafeBufferPointer<UInt8>, naming fragments: [Fragment]) -> Bool {
        guard !bytes.isEmpty, let body = try? CanonicalJSON.encode(.object(Self.repairBody(fragments))) else {
            return false
        }
        var i = 0
        /// nil: the bytes ran out inside `literal` (still a prefix); false: they differ; true: matched.
        func literal(_ text: [UInt8]) -> Bool? {
            for c in text {
                if i == bytes.count { return nil }
                if bytes[i] != c { return false }
                i += 1
            }
            return true
        }
        switch literal(Array(#"{"actor":"system","at":""#.utf8)) {
        case nil: return true
        case false?: return false
        case true?: break
        }
        for position in 0..<24 {  // YYYY-MM-DDTHH:MM:SS.mmmZ
            if i == bytes.count { return true }
            let c = bytes[i]
            let fixed = Self.timestampPunctuation[position]
            if fixed != 0 {
                guard c == fixed else { return false }
            } else {
                guard c >= 0x30, c <= 0x39 else { return false }
            }
            i += 1
        }
        switch literal(Array(#"","body":"#.utf8) + body + Array(#","host":""#.utf8)) {
        case nil: return true
        case false?: return false
        case true?: break
        }
        var hostLength = 0
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            guard bytes[i] >= 0x20, bytes[i] != UInt8(ascii: "\\") else { return false }
            i += 1
            hostLength += 1
        }
        if i == bytes.count { return true }
        guard hostLength > 0 else { return false }
        let rest =
            #"","kind":"journal.tail_repaired","prev":""# + lastHash.hex + #"","seq":"# + String(nextSeq) + #","v":"#
            + String(Record.formatVersion) + "}"
        switch literal(Array(rest.utf8)) {
        case nil: return true
        default: return false  // differs, or the whole record (not a proper prefix)
        }
    }

    mutating func warn(line: Int, offset: Int64, _ message: String) {
        warningCount += 1
        if warnings.count < Self.warningLimit {
            warnings.append(JournalWarning(line: line, offset: offset, message: message))
        }
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
            reason:
                "not a valid record (\(fragment.defect)) and not followed by a journal.tail_repaired record naming it")
    }

    /// Whether a repair record's body names exactly `fragments`, in order: the single form
    /// (`offset`, `length`, `sha256`) for one fragment, or `fragments`, a list of those, for any number.
    private func repairNames(_ fragments: [Fragment], _ body: [String: JSONValue]) -> Bool {
        func names(_ fragment: Fragment, _ named: [String: JSONValue]) -> Bool {
            named["offset"]?.intValue == fragment.offset && named["length"]?.intValue == Int64(fragment.length)
                && named["sha256"]?.stringValue == fragment.sha256.hex
        }
        if let list = body["fragments"]?.arrayValue {
            guard list.count == fragments.count else { return false }
            return zip(fragments, list).allSatisfy { fragment, value in
                value.objectValue.map { names(fragment, $0) } ?? false
            }
        }
        return fragments.count == 1 && names(fragments[0], body)
    }

    /// The fixed bytes of `YYYY-MM-DDTHH:MM:SS.mmmZ` by position (0 where a digit goes).
    static let timestampPunctuation: [UInt8] = Array("0000-00-00T00:00:00.000Z".utf8).map { $0 == 0x30 ? 0 : $0 }

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

extension ChainChecker {
    /// Continues the chain after a record read earlier (a verified-state snapshot's record): the next line
    /// must be `seq` + 1 with `prev` = `hash`. Only for a checker that has read nothing yet.
    mutating func resume(
        journalID: String, seq: Int64, hash: Digest, atMilliseconds: Int64, lines: Int
    ) {
        self.journalID = journalID
        self.nextSeq = seq + 1
        self.lastHash = hash
        self.lastAt = atMilliseconds
        self.lines = lines
        self.records = Int(seq)
        self.lastRecordLine = lines
        self.last = (seq, hash, atMilliseconds)
    }
}
