import ReleaseDeskCore

/// The rules of §5 of docs/journal-format.md over a store that holds whole records only (no torn writes, so
/// no fragments and no repairs): every line, handed over in `seq` order without its LF, must be a record that
/// continues the chain. Line numbers and byte offsets are those of the same lines in a journal file, so a
/// finding names the same place in the store and in its export. Used by stores other than the file.
public struct LineChain {
    private var checker = ChainChecker()
    /// Bytes of the lines accepted, each with its LF: the size of the same journal as a file.
    public private(set) var bytes: Int64 = 0

    public init(watchSeqs: Set<Int64> = []) {
        checker.watchSeqs = watchSeqs
    }

    /// Sequence numbers whose hashes to remember, for witness checks.
    public var watchSeqs: Set<Int64> {
        get { checker.watchSeqs }
        set { checker.watchSeqs = newValue }
    }

    /// The journal id from record 1.
    public var journalID: String? { checker.journalID }
    /// The last record's `seq` and hash (seq 0 and the zero hash before any).
    public var head: JournalHead { JournalHead(seq: checker.nextSeq - 1, hash: checker.lastHash.hex) }
    /// Lines accepted.
    public var lines: Int { checker.lines }
    /// The commit time of the last record.
    public var lastAt: Timestamp? { checker.lastAt.map { Timestamp(millisecondsSinceEpoch: $0) } }
    /// Warnings (clock steps), at most 100 kept.
    public var warnings: [JournalWarning] { checker.warnings }
    /// Every warning counted.
    public var warningCount: Int { checker.warningCount }

    /// The hash of the record with `seq`, when it is one of `watchSeqs` and has been accepted.
    public func watchedHash(seq: Int64) -> String? { checker.watchedHashes[seq]?.hex }

    /// Where the record with `seq` (one of `watchSeqs`) stands: line and byte offset.
    public func watchedPlace(seq: Int64) -> (line: Int, offset: Int64)? { checker.watchedPlaces[seq] }

    /// Checks `line` (without its LF) where it stands and returns its record. A line that is not a record, or
    /// does not continue the chain, is corruption: nothing can repair it in a store of whole records.
    public mutating func accept(_ line: [UInt8]) throws(Corruption) -> Record {
        let offset = bytes
        var checked = checker
        let record = try line.withUnsafeBufferPointer { buffer throws(Corruption) in
            try checked.accept(buffer, offset: offset, build: true)
        }
        guard let record else {
            throw checked.unrepairedCorruption
                ?? Corruption(line: checked.lines, offset: offset, reason: "not a record")
        }
        checker = checked
        bytes += Int64(line.count) + 1
        return record
    }

    /// Checks `line` (without its LF) where it stands, as `accept` does, without building its record: what a
    /// verification needs. Returns its seq.
    public mutating func check(_ line: UnsafeBufferPointer<UInt8>) throws(Corruption) -> Int64 {
        let offset = bytes
        var checked = checker
        let before = checked.records
        _ = try checked.accept(line, offset: offset, build: false)
        guard checked.records == before + 1 else {
            throw checked.unrepairedCorruption
                ?? Corruption(line: checked.lines, offset: offset, reason: "not a record")
        }
        checker = checked
        bytes += Int64(line.count) + 1
        return checked.nextSeq - 1
    }

    /// A stamper that continues this chain for `host`.
    public func stamper(host: String) -> RecordStamper {
        RecordStamper(host: host, nextSeq: checker.nextSeq, prev: checker.lastHash)
    }

    /// The report of a verification that accepted the lines so far and stopped at `corruption`, if any.
    public func report(location: String, corruption: Corruption?) -> VerificationReport {
        var hashes: [Int64: String] = [:]
        for (seq, digest) in checker.watchedHashes { hashes[seq] = digest.hex }
        let status: VerificationReport.Status =
            corruption != nil ? .corrupt : (checker.warningCount > 0 ? .okWithWarnings : .ok)
        return VerificationReport(
            status: status, path: location, bytes: bytes, lines: checker.lines, records: checker.records,
            journalID: checker.journalID, head: head, corruption: corruption, warnings: checker.warnings,
            warningCount: checker.warningCount, watchedHashes: hashes)
    }
}

extension JournalHead {
    /// The head at `seq` with `hash`, as another store reports it.
    public static func at(seq: Int64, hash: String) -> JournalHead { JournalHead(seq: seq, hash: hash) }
}
