/// Where records already folded can be read again by `seq`: the journal file through an index of where each
/// line is (`JournalFileArchive` in the journal module), so that a viewer of the whole trail keeps the folded
/// state and a few bytes a record, not every record.
///
/// An archive only ever answers for records it has seen verified; what it reads again must be the same bytes,
/// or it says so instead of answering.
public protocol RecordArchive: AnyObject, Sendable {
    /// Record `seq`, read again; an error when it cannot be read or its line is no longer the one verified.
    func record(_ seq: Int64) -> Result<Record, RecordArchiveError>
}

/// Why a record could not be read again.
public struct RecordArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    public var seq: Int64
    public var reason: String

    public init(seq: Int64, reason: String) {
        self.seq = seq
        self.reason = reason
    }

    public var description: String { "record \(seq) cannot be shown: \(reason)" }
}

/// The records of a journal from seq 1, as a viewer needs them: for each record its time, kind, actor and
/// batch (20 bytes a record, names held once), and the record itself on demand — kept in memory, or read
/// again from an archive. A value: `count` grows only by `append`, so what a state shows is fixed by it.
public struct JournalRecords: Sendable {
    enum Storage: Sendable {
        case kept([Record])
        case archived(any RecordArchive)
    }

    private var storage: Storage
    /// Commit time of each record, in milliseconds.
    private var times: [Int64] = []
    /// Each record's kind, actor and batch (`batch_id` or `batch` of its body; 0 for none) as numbers into
    /// `names`.
    private var kinds: [UInt32] = []
    private var actors: [UInt32] = []
    private var batches: [UInt32] = []
    private var names = NameTable()

    /// Records kept in memory: those given, and every one appended.
    public init(_ records: [Record] = []) {
        storage = .kept([])
        for record in records { append(record) }
    }

    /// Records read again from `archive` when asked for; `append` keeps only their facts.
    public init(archive: any RecordArchive) {
        storage = .archived(archive)
    }

    /// Whether records are read again from an archive rather than kept.
    public var isArchived: Bool {
        if case .archived = storage { return true }
        return false
    }

    public var count: Int { times.count }
    public var isEmpty: Bool { times.isEmpty }
    public var indices: Range<Int> { 0..<count }

    /// Adds the next record (its `seq` must be `count + 1`; any other is ignored).
    public mutating func append(_ record: Record) {
        guard record.seq == Int64(count) + 1 else { return }
        times.append(record.at.millisecondsSinceEpoch)
        kinds.append(names.number(record.kind))
        actors.append(names.number(record.actor))
        batches.append(record.namedBatch.map { names.number($0) } ?? 0)
        if case .kept(var records) = storage {
            storage = .kept([])
            records.append(record)
            storage = .kept(records)
        }
    }

    public mutating func append(contentsOf records: some Sequence<Record>) {
        for record in records { append(record) }
    }

    /// The record at `index` (`seq - 1`), or why it cannot be shown.
    public func read(_ index: Int) -> Result<Record, RecordArchiveError> {
        guard index >= 0, index < count else {
            return .failure(RecordArchiveError(seq: Int64(index) + 1, reason: "it has not been read"))
        }
        switch storage {
        case .kept(let records): return .success(records[index])
        case .archived(let archive): return archive.record(Int64(index) + 1)
        }
    }

    /// The record at `index` (`seq - 1`), when it can be read.
    public subscript(index: Int) -> Record? {
        if case .success(let record) = read(index) { return record }
        return nil
    }

    public var last: Record? { isEmpty ? nil : self[count - 1] }

    /// Commit time of the record at `index`.
    public func time(_ index: Int) -> Timestamp { Timestamp(millisecondsSinceEpoch: times[index]) }
    public func kind(_ index: Int) -> String { names.name(kinds[index]) }
    public func actor(_ index: Int) -> String { names.name(actors[index]) }
    /// The batch the record's body names (`batch_id` or `batch`), if any.
    public func batch(_ index: Int) -> String? { batches[index] == 0 ? nil : names.name(batches[index]) }

    /// The indices from `range` of the records that `query` keeps, about `batch` when it names one (`seqs`: the
    /// batch's own records, as `DeskState.isRecord`). Every part but the words is decided from the facts kept
    /// here; only a query with words reads records again.
    public func matching(_ query: AuditQuery, in range: some Sequence<Int>, batchSeqs seqs: Set<Int64>?) -> [Int] {
        let actor = query.actor.map { names.existing($0) }
        if let actor, actor == nil { return [] }
        let batch = query.batch.map { names.existing($0) }
        // The kinds decided once per name, not once per record.
        var kindVerdict: [UInt32: Bool] = [:]
        let since = query.since?.millisecondsSinceEpoch
        let until = query.until?.millisecondsSinceEpoch
        var found: [Int] = []
        for index in range {
            if let actor, actors[index] != actor! { continue }
            if query.kind != nil {
                let id = kinds[index]
                let keep: Bool
                if let known = kindVerdict[id] {
                    keep = known
                } else {
                    keep = query.matchesKind(names.name(id))
                    kindVerdict[id] = keep
                }
                if !keep { continue }
            }
            if let since, times[index] < since { continue }
            if let until, times[index] >= until { continue }
            if query.batch != nil {
                let ownRecord = seqs?.contains(Int64(index) + 1) ?? false
                let namesBatch = batch.flatMap { $0 }.map { batches[index] == $0 } ?? false
                if !ownRecord && !namesBatch { continue }
            }
            if !query.words.isEmpty {
                // A record that cannot be read again is kept: the pane then says why it cannot be shown.
                guard case .success(let record) = read(index) else {
                    found.append(index)
                    continue
                }
                if !query.matchesWords(record) { continue }
            }
            found.append(index)
        }
        return found
    }
}

/// Names held once, by number (0 is no name).
struct NameTable: Sendable {
    private var numbers: [String: UInt32] = [:]
    private var list: [String] = [""]

    mutating func number(_ name: String) -> UInt32 {
        if let known = numbers[name] { return known }
        let next = UInt32(list.count)
        list.append(name)
        numbers[name] = next
        return next
    }

    func existing(_ name: String) -> UInt32? { numbers[name] }

    func name(_ number: UInt32) -> String { list[Int(number)] }
}
