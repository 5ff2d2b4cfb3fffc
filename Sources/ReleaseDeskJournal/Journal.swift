import CanonicalJSON
import Dispatch
import ReleaseDeskCore

#if canImport(Glibc)
    import Glibc
#endif

/// Why the journal could not do what was asked.
public enum JournalError: Error, Equatable, CustomStringConvertible {
    /// The journal is corrupt: nothing is written and every signature is refused.
    case corrupt(Corruption)
    /// An earlier write or sync failed, or corruption was found: this process writes nothing more.
    case readOnly(String)
    /// A write failed now; the record was not acknowledged.
    case writeFailed(SystemCallError)
    /// The write succeeded but `fdatasync` failed: the record may be on disk, but is not known to be durable,
    /// and was not acknowledged.
    case syncFailed(SystemCallError)
    /// A system call failed while reading or opening.
    case io(SystemCallError)
    /// A record could not be written in canonical form.
    case invalidRecord(String)
    /// The clock reads earlier than the last record's time: nothing was written, and this process writes
    /// nothing more (time never runs backwards in the journal).
    case clockSteppedBack(now: Timestamp, last: Timestamp, lastSeq: Int64)

    public var description: String {
        switch self {
        case .corrupt(let c): return "the journal is corrupt at \(c)"
        case .readOnly(let why): return "the journal is read-only in this process: \(why)"
        case .writeFailed(let e): return "nothing was saved: \(e); the journal is now read-only in this process"
        case .syncFailed(let e):
            return "the record may be on disk but is not known to be durable (\(e)), so it was not acknowledged; "
                + "the journal is now read-only in this process: run 'releasedesk verify'"
        case .io(let e): return "\(e)"
        case .invalidRecord(let why): return "record not written: \(why)"
        case .clockSteppedBack(let now, let last, let seq):
            return "nothing was saved: \(Self.clockMessage(now: now, last: last, lastSeq: seq)); "
                + "the journal is now read-only in this process: correct the system clock"
        }
    }
}

extension JournalError {
    static func clockMessage(now: Timestamp, last: Timestamp, lastSeq: Int64) -> String {
        "the clock reads \(now), earlier than \(last), the time of the last record (seq \(lastSeq)), "
            + "and time never runs backwards in the journal"
    }
}

/// The head of a journal: its last record's `seq` and hash.
public struct JournalHead: Sendable, Equatable {
    /// `seq` of the last record (0 before any).
    public var seq: Int64
    /// SHA-256 hex of the last record's line.
    public var hash: String

    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
}

/// An open journal file: reads what others append, appends durably under the lock, repairs torn tails.
///
/// The only code that touches the journal file. Not thread-safe: use one instance from one thread.
public final class Journal {
    /// How a journal is opened.
    public enum Mode: Sendable { case readWrite, readOnly }

    /// The journal file's path.
    public let path: String
    let io: JournalFileIO
    let fd: Int32
    private let host: String
    private let clock: @Sendable () -> Timestamp
    var checker: ChainChecker
    /// Bytes of complete lines consumed so far.
    var consumed: Int64 = 0
    /// Why this process will not write, when it will not.
    public private(set) var readOnlyReason: String?
    /// The corruption found, if any.
    public private(set) var corruption: Corruption?

    /// The journal's id, from record 1.
    public var journalID: String { checker.journalID ?? "" }
    /// The last record's `seq` and hash.
    public var head: JournalHead { JournalHead(seq: checker.nextSeq - 1, hash: checker.lastHash.hex) }
    /// Warnings seen while reading (clock steps, repaired fragments).
    public var warnings: [JournalWarning] { checker.warnings }
    /// Whether anything has been found wrong with the file.
    public var isCorrupt: Bool { corruption != nil }

    private init(
        path: String, io: JournalFileIO, fd: Int32, host: String, clock: @escaping @Sendable () -> Timestamp,
        writable: Bool
    ) {
        self.path = path
        self.io = io
        self.fd = fd
        self.host = host
        self.clock = clock
        self.checker = ChainChecker()
        self.readOnlyReason = writable ? nil : "opened read-only"
    }

    deinit { io.close(fd) }

    /// Creates a new journal at `path` (which must not exist) with `journal.created` by `actor` followed by
    /// `drafts`, all durable before this returns. Its id is `environment.newJournalID()`.
    public static func create(
        at path: String, actor: String, then drafts: [RecordDraft], io: JournalFileIO = Journal.defaultIO(),
        environment: JournalEnvironment
    ) throws(JournalError) -> (Journal, [Record]) {
        let host = environment.host
        let clock = environment.clock
        let fd: Int32
        do {
            fd = try io.open(path, flags: O_RDWR | O_CREAT | O_EXCL | O_APPEND, mode: 0o660)
        } catch {
            throw .io(SystemCallError(call: "create", path: path, code: error.code))
        }
        let journal = Journal(path: path, io: io, fd: fd, host: host, clock: clock, writable: true)
        do {
            try io.fchmod(fd, 0o660)  // exactly 0660, whatever the umask
            try io.flock(fd, LOCK_EX)
        } catch {
            throw .io(error)
        }
        defer { try? io.flock(fd, LOCK_UN) }
        let created = RecordStamper.creation(journalID: environment.newJournalID(), actor: actor)
        let written = try journal.write([created] + drafts)
        syncDirectory(of: path, io: io)
        return (journal, written)
    }

    /// Opens the journal at `path` for reading and appending; appended records are stamped with
    /// `environment`'s host and clock. Read its records with `readNew`.
    ///
    /// Corruption found while reading does not throw: the records before it are delivered, `corruption`
    /// says where, and the journal is read-only. A final segment without LF is treated as not yet written.
    public static func open(
        at path: String, io: JournalFileIO = Journal.defaultIO(), environment: JournalEnvironment
    ) throws(JournalError) -> Journal {
        try open(at: path, writable: true, io: io, host: environment.host, clock: environment.clock)
    }

    /// Opens the journal at `path` read-only: it can be read, never appended to.
    public static func openForReading(at path: String, io: JournalFileIO = Journal.defaultIO()) throws(JournalError)
        -> Journal
    {
        try open(at: path, writable: false, io: io, host: "", clock: { Timestamp(millisecondsSinceEpoch: 0) })
    }

    private static func open(
        at path: String, writable: Bool, io: JournalFileIO, host: String, clock: @escaping @Sendable () -> Timestamp
    ) throws(JournalError) -> Journal {
        let fd: Int32
        do {
            fd = try io.open(path, flags: writable ? O_RDWR | O_APPEND : O_RDONLY, mode: 0)
        } catch {
            throw .io(SystemCallError(call: "open", path: path, code: error.code))
        }
        return Journal(path: path, io: io, fd: fd, host: host, clock: clock, writable: writable)
    }

    /// The `journal_id` of the journal at `path`, read from its first line; `nil` when that line is not a
    /// valid `journal.created` record (full verification says why).
    public static func identify(at path: String, io: JournalFileIO = SystemFileIO()) throws(JournalError) -> String? {
        let fd: Int32
        do {
            fd = try io.open(path, flags: O_RDONLY, mode: 0)
        } catch {
            throw .io(SystemCallError(call: "open", path: path, code: error.code))
        }
        defer { io.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let outcome: Result<Int, SystemCallError> = buffer.withUnsafeMutableBytes { raw in
            do throws(SystemCallError) { return .success(try io.pread(fd, raw.baseAddress!, raw.count, 0)) } catch {
                return .failure(error)
            }
        }
        let n: Int
        switch outcome {
        case .success(let count): n = count
        case .failure(let error): throw .io(error)
        }
        guard let lf = buffer[0..<n].firstIndex(of: 0x0A) else { return nil }
        var checker = ChainChecker()
        _ = buffer[0..<lf].withUnsafeBufferPointer { try? checker.accept($0, offset: 0, build: false) }
        return checker.journalID
    }

    /// Sequence numbers whose hashes to remember while reading, for witness checks.
    public var watchSeqs: Set<Int64> {
        get { checker.watchSeqs }
        set { checker.watchSeqs = newValue }
    }

    /// The hash of the record with `seq`, when it is one of `watchSeqs` and has been read.
    public func watchedHash(seq: Int64) -> String? { checker.watchedHashes[seq]?.hex }

    /// Reads records that other processes appended since the last read, verifying each, and hands them
    /// to `onRecord` in order.
    ///
    /// Takes no lock. An incomplete final line, or a final invalid line whose repair may still be on its
    /// way, is left for a later read. Corruption stops the reading and sets `corruption`.
    public func readNew(_ onRecord: (Record) -> Void) throws(JournalError) {
        guard corruption == nil else { return }
        _ = try consume(underLock: false, onRecord)
    }

    /// Reads every record to the end of the file (see `readNew(_:)`), then judges the end of the file as a
    /// writer would, under a shared lock so that no append is half-way through: an invalid last line that no
    /// repair record follows, or a final segment without LF that cannot be a torn write, is corruption.
    /// A final segment that can be a torn write is left alone (never acknowledged; the next writer repairs it).
    ///
    /// This is how a journal is opened for showing its data: after it, `corruption` is set for any change to
    /// the file that the chain can see.
    public func readToEnd(_ onRecord: (Record) -> Void) throws(JournalError) {
        try readToEnd(pipeliningFrom: Self.pipelineThreshold, onRecord)
    }

    /// `readToEnd(_:)`, reading on another thread when at least `threshold` bytes are left to read.
    func readToEnd(pipeliningFrom threshold: Int64, _ onRecord: (Record) -> Void) throws(JournalError) {
        guard corruption == nil else { return }
        try consumePipelined(from: threshold, onRecord)
        guard corruption == nil else { return }
        do {
            try io.flock(fd, LOCK_SH)
        } catch {
            throw .io(error)
        }
        defer { try? io.flock(fd, LOCK_UN) }
        let tail = try consume(underLock: true, onRecord)
        guard corruption == nil else { return }
        if !checker.pendingFragments.isEmpty {
            // Invalid lines at the end: a torn write whose repair was torn (left for the next writer), or damage.
            if tornRepair(tail) == nil, let found = checker.unrepairedCorruption { markCorrupt(found) }
            return
        }
        guard let tail else { return }
        if case .damaged(let reason) = tail.bytes.withUnsafeBufferPointer({ classifyTail($0) }) {
            markCorrupt(Corruption(line: checker.lines + 1, offset: tail.offset, reason: reason))
        }
    }

    /// Why `witness` (this user's note of a record verified earlier, §6 of docs/journal-format.md) disagrees with what
    /// was read, naming where: `nil` when the journal still holds that record unchanged. Needs the witness's
    /// `seq` in `watchSeqs` before reading.
    public func witnessProblem(_ witness: Witness) -> String? {
        let hash = watchedHash(seq: witness.seq)
        guard let problem = witness.check(hashAtSeq: hash) else { return nil }
        if let hash, let place = checker.watchedPlaces[witness.seq] {
            return "\(problem): the record on line \(place.line) (byte offset \(place.offset)) has hash "
                + "\(hash.prefix(12))… where \(witness.hash.prefix(12))… was verified"
        }
        return "\(problem): the journal ends at seq \(head.seq), line \(checker.lines), byte offset \(consumed)"
    }

    /// Reads records appended since the last read (see `readNew(_:)`) and returns them.
    public func readNew() throws(JournalError) -> [Record] {
        var records: [Record] = []
        try readNew { records.append($0) }
        return records
    }

    /// Appends the records that `prepare` returns, under the exclusive lock, durably.
    ///
    /// Under the lock the journal first reads what others appended and hands those records to `prepare`,
    /// so the action's rules are checked against fresh state. If `prepare` throws, nothing is written and
    /// the error is passed on. Returns the records read under the lock and the records written; the
    /// written ones are acknowledged only because `fdatasync` succeeded.
    public func append(
        _ prepare: (_ observed: [Record]) throws -> [RecordDraft]
    ) throws -> (observed: [Record], written: [Record]) {
        if let readOnlyReason { throw JournalError.readOnly(readOnlyReason) }
        do {
            try io.flock(fd, LOCK_EX)
        } catch {
            throw JournalError.io(error)
        }
        defer { try? io.flock(fd, LOCK_UN) }
        var observed: [Record] = []
        let tail = try consume(underLock: true) { observed.append($0) }
        if let corruption { throw JournalError.corrupt(corruption) }
        if !checker.pendingFragments.isEmpty {
            observed += try settleTornRepair(tail)
        } else if let tail {
            observed += try settleTail(tail)
        }
        let drafts = try prepare(observed)
        guard !drafts.isEmpty else { return (observed, []) }
        let written = try write(drafts)
        return (observed, written)
    }

    // MARK: - Reading

    private struct TailSegment {
        var offset: Int64
        var bytes: [UInt8]
    }

    private static let readChunk = 8 << 20

    /// Reads complete lines from `consumed` to the end of the file; returns the final segment without LF.
    private func consume(underLock: Bool, _ onRecord: (Record) -> Void) throws(JournalError) -> TailSegment? {
        let size: Int64
        do {
            size = try io.size(fd)
        } catch {
            throw .io(error)
        }
        guard size > consumed else { return nil }
        let capacity = Int(min(Int64(Self.readChunk), size - consumed))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var partial: [UInt8] = []  // a line that began in an earlier chunk
        var lineStart = consumed  // file offset of the line being assembled
        var position = consumed  // file offset of the next read
        // The state before the last invalid line: a reader without the lock steps back to it when that
        // line is the last one, because its repair record may not be written yet.
        var beforeFragment: (checker: ChainChecker, consumed: Int64)? = nil
        while position < size {
            let n: Int
            do {
                n = try io.pread(fd, buffer.baseAddress!, min(capacity, Int(size - position)), position)
            } catch {
                throw .io(error)
            }
            if n == 0 { break }
            let chunk = UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
            var start = 0
            while start < n, let hit = memchr(chunk.baseAddress! + start, 0x0A, n - start) {
                let lf = chunk.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                let snapshot = checker
                let result: Result<Record?, Corruption>
                if partial.isEmpty {
                    result = accept(UnsafeBufferPointer(rebasing: chunk[start..<lf]), offset: lineStart)
                } else {
                    partial.append(contentsOf: chunk[start..<lf])
                    result = partial.withUnsafeBufferPointer { accept($0, offset: lineStart) }
                    partial.removeAll(keepingCapacity: false)
                }
                switch result {
                case .success(let record):
                    if checker.pendingFragments.isEmpty {
                        beforeFragment = nil
                    } else if beforeFragment == nil {
                        beforeFragment = (snapshot, lineStart)  // before the first of the invalid lines
                    }
                    if let record { onRecord(record) }
                case .failure(let found):
                    markCorrupt(found)
                    return nil
                }
                lineStart = position + Int64(lf) + 1
                consumed = lineStart
                start = lf + 1
            }
            if start < n { partial.append(contentsOf: chunk[start..<n]) }
            position += Int64(n)
        }
        if !checker.pendingFragments.isEmpty && !underLock {
            if let beforeFragment {
                checker = beforeFragment.checker
                consumed = beforeFragment.consumed
            }
            return nil
        }
        // Under the lock, invalid lines at the end stay pending: the caller settles them with the tail.
        return partial.isEmpty ? nil : TailSegment(offset: lineStart, bytes: partial)
    }

    /// At least this many bytes to read make opening read and check lines on one thread while the caller
    /// folds the records on its own.
    static let pipelineThreshold: Int64 = 4 << 20

    /// `consume(underLock: false, onRecord)` with the reading, hashing and parsing of lines on another thread,
    /// handing records over in batches, while `onRecord` runs on this one (a cold open folds as it reads). The
    /// other thread is the only one to touch this journal until it ends; this thread only takes records.
    private func consumePipelined(from threshold: Int64, _ onRecord: (Record) -> Void) throws(JournalError) {
        let size: Int64
        do {
            size = try io.size(fd)
        } catch {
            throw .io(error)
        }
        guard size - consumed >= threshold else {
            _ = try consume(underLock: false, onRecord)
            return
        }
        let handoff = RecordHandoff()
        let journal = UncheckedJournal(self)
        DispatchQueue.global(qos: .userInitiated).async {
            let outcome: Result<Void, JournalError>
            do throws(JournalError) {
                _ = try journal.value.consume(underLock: false) { handoff.put($0) }
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            handoff.finish(outcome)
        }
        while let batch = handoff.take() {
            for record in batch { onRecord(record) }
        }
        try handoff.outcome.get()
    }

    private func accept(_ line: UnsafeBufferPointer<UInt8>, offset: Int64) -> Result<Record?, Corruption> {
        do {
            return .success(try checker.accept(line, offset: offset, build: true))
        } catch {
            return .failure(error)
        }
    }

    private func markCorrupt(_ found: Corruption) {
        corruption = found
        readOnlyReason = "the journal is corrupt at \(found)"
    }

    // MARK: - Torn tails

    /// Handles a final segment without LF, under the lock (§4 of docs/journal-format.md).
    private func settleTail(_ tail: TailSegment) throws -> [Record] {
        let outcome: TailOutcome = tail.bytes.withUnsafeBufferPointer { classifyTail($0) }
        switch outcome {
        case .completeRecord:
            try writeDurably([0x0A], what: "line end of a complete last record")
            var line = tail.bytes
            let record = try line.withUnsafeMutableBufferPointer { buffer throws(Corruption) in
                try checker.accept(UnsafeBufferPointer(buffer), offset: tail.offset, build: true)
            }
            line.removeAll()
            consumed = tail.offset + Int64(tail.bytes.count) + 1
            return record.map { [$0] } ?? []
        case .fragment:
            // The fragment's LF and the repair record go in one write, so no reader sees one without the other.
            let fragmentEnd = tail.offset + Int64(tail.bytes.count) + 1
            var checkerWithFragment = checker
            _ = tail.bytes.withUnsafeBufferPointer {
                try? checkerWithFragment.accept($0, offset: tail.offset, build: false)
            }
            let repair = RecordDraft(
                kind: RecordKind.tailRepaired, actor: UserIdentity.systemActor,
                body: ChainChecker.repairBody(checkerWithFragment.pendingFragments))
            let (bytes, records) = try stamp([repair], chain: checkerWithFragment)
            try writeDurably([0x0A] + bytes, what: "repair of a torn tail")
            checker = checkerWithFragment
            consumed = fragmentEnd
            try feedWritten(bytes)
            return records
        case .damaged(let reason):
            let found = Corruption(line: checker.lines + 1, offset: tail.offset, reason: reason)
            markCorrupt(found)
            throw JournalError.corrupt(found)
        }
    }

    /// What the invalid lines at the end and the final segment are (§4 item 4 of docs/journal-format.md).
    private func tornRepair(_ tail: TailSegment?) -> ChainChecker.TornRepair? {
        guard let tail else { return checker.tornRepair(tail: nil) }
        return tail.bytes.withUnsafeBufferPointer { checker.tornRepair(tail: $0) }
    }

    /// Handles, under the lock, invalid lines at the end of the file that wait for their repair: a torn write
    /// whose repair was torn too. With the evidence of §4 item 4 one record repairs every fragment (or the
    /// complete repair gets its LF); without it, it is corruption, left alone.
    private func settleTornRepair(_ tail: TailSegment?) throws -> [Record] {
        switch tornRepair(tail) {
        case nil:
            let found = checker.unrepairedCorruption!
            markCorrupt(found)
            throw JournalError.corrupt(found)
        case .repairComplete?:
            let tail = tail!
            try writeDurably([0x0A], what: "line end of a complete repair record")
            var line = tail.bytes
            let record = try line.withUnsafeMutableBufferPointer { buffer throws(Corruption) in
                try checker.accept(UnsafeBufferPointer(buffer), offset: tail.offset, build: true)
            }
            consumed = tail.offset + Int64(tail.bytes.count) + 1
            return record.map { [$0] } ?? []
        case .repairable?:
            var withAll = checker
            if let tail {
                _ = tail.bytes.withUnsafeBufferPointer { try? withAll.accept($0, offset: tail.offset, build: false) }
            }
            let repair = RecordDraft(
                kind: RecordKind.tailRepaired, actor: UserIdentity.systemActor,
                body: ChainChecker.repairBody(withAll.pendingFragments))
            let (bytes, records) = try stamp([repair], chain: withAll)
            // The final segment's LF (if any) and the one repair go in one write.
            try writeDurably((tail == nil ? [] : [0x0A]) + bytes, what: "repair of a torn repair")
            checker = withAll
            if let tail { consumed = tail.offset + Int64(tail.bytes.count) + 1 }
            try feedWritten(bytes)
            return records
        }
    }

    enum TailOutcome: Equatable {
        case completeRecord
        case fragment
        case damaged(String)
    }

    /// A complete record that chains only lacks its LF; a proper prefix of a record (or a complete record
    /// that does not chain) is a fragment; anything else cannot come from a torn write and is damage.
    func classifyTail(_ bytes: UnsafeBufferPointer<UInt8>) -> TailOutcome {
        do {
            let envelope = try LineParser.parse(bytes, build: false)
            if envelope.seq == checker.nextSeq && envelope.prev == checker.lastHash && envelope.special != .tailRepaired
            {
                return .completeRecord
            }
            return .fragment
        } catch {
            if error.endsEarly { return .fragment }
            return .damaged(
                "the last \(bytes.count) bytes have no line end and cannot be a torn write (\(error)): "
                    + "the file was damaged")
        }
    }

    // MARK: - Writing

    /// Stamps `drafts` continuing `chain` (`RecordStamper`), all at one time; returns the bytes to write
    /// (each line with its LF) and the records. Refuses a clock that stepped back.
    private func stamp(_ drafts: [RecordDraft], chain: ChainChecker) throws(JournalError) -> ([UInt8], [Record]) {
        let at = clock()
        if let lastAt = chain.lastAt, at.millisecondsSinceEpoch < lastAt {
            // Time never runs backwards in the journal: refuse, and write nothing more in this process
            // (a clock that stepped back once cannot be trusted for the next record either).
            let last = Timestamp(millisecondsSinceEpoch: lastAt)
            readOnlyReason = JournalError.clockMessage(now: at, last: last, lastSeq: chain.nextSeq - 1)
            throw .clockSteppedBack(now: at, last: last, lastSeq: chain.nextSeq - 1)
        }
        var stamper = RecordStamper(host: host, nextSeq: chain.nextSeq, prev: chain.lastHash)
        var bytes: [UInt8] = []
        var records: [Record] = []
        for draft in drafts { records.append(try stamper.stamp(draft, at: at, into: &bytes)) }
        return (bytes, records)
    }

    /// Writes `drafts` after the current head, durably, and advances the chain.
    private func write(_ drafts: [RecordDraft]) throws(JournalError) -> [Record] {
        let (bytes, records) = try stamp(drafts, chain: checker)
        try writeDurably(bytes, what: "\(records.count) record(s)")
        try feedWritten(bytes)
        return records
    }

    /// One `write(2)`, then `fdatasync(2)`. Any failure makes this process read-only: a failed sync may have
    /// lost the data, and retrying could report success for bytes that never reached the disk.
    private func writeDurably(_ bytes: [UInt8], what: String) throws(JournalError) {
        let outcome: Result<Int, SystemCallError> = bytes.withUnsafeBytes { raw in
            do throws(SystemCallError) { return .success(try io.write(fd, raw)) } catch { return .failure(error) }
        }
        let n: Int
        switch outcome {
        case .success(let count): n = count
        case .failure(let error):
            readOnlyReason = "writing the \(what) failed: \(error)"
            throw .writeFailed(error)
        }
        guard n == bytes.count else {
            let short = SystemCallError(call: "write", path: path, code: 0)
            readOnlyReason = "writing the \(what) was cut short after \(n) of \(bytes.count) bytes"
            throw .writeFailed(short)
        }
        do {
            try io.fdatasync(fd)
        } catch {
            readOnlyReason =
                "fdatasync after writing the \(what) failed (\(error)): it may be on disk but is not known to be durable"
            throw .syncFailed(error)
        }
    }

    /// Runs the lines just written through the checker, so the chain state follows the file.
    private func feedWritten(_ bytes: [UInt8]) throws(JournalError) {
        var start = 0
        var failure: Corruption? = nil
        bytes.withUnsafeBufferPointer { all in
            while start < all.count, let lf = all[start...].firstIndex(of: 0x0A) {
                do throws(Corruption) {
                    _ = try checker.accept(
                        UnsafeBufferPointer(rebasing: all[start..<lf]), offset: consumed, build: false)
                } catch {
                    failure = error
                    return
                }
                consumed += Int64(lf - start + 1)
                start = lf + 1
            }
        }
        if let failure {
            markCorrupt(failure)
            throw .corrupt(failure)
        }
    }

    /// Makes a new directory entry durable.
    static func syncDirectory(of path: String, io: JournalFileIO) {
        let directory = parentDirectory(of: path)
        guard let dfd = try? io.open(directory, flags: O_RDONLY | O_DIRECTORY, mode: 0) else { return }
        try? io.fsync(dfd)
        io.close(dfd)
    }

    /// The directory part of `path` (`.` when there is none).
    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}

/// The journal handed to the reading thread of `consumePipelined`, which alone touches it until it is done.
private struct UncheckedJournal: @unchecked Sendable {
    let value: Journal
    init(_ value: Journal) { self.value = value }
}

/// Records handed from the reading thread to the folding one in batches; at most four batches wait.
private final class RecordHandoff: @unchecked Sendable {
    private static let batchSize = 512
    private static let queued = 4
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var batches: [[Record]] = []
    private var finished = false
    // The reading thread's batch being filled: touched by that thread alone.
    private var filling: [Record] = []
    // Set with `finished`, under the mutex; read by the folding thread once `take` returned nil.
    private(set) var outcome: Result<Void, JournalError> = .success(())

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
        filling.reserveCapacity(Self.batchSize)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
    }

    /// Adds a record (reading thread); a full batch is handed over, waiting while enough are queued.
    func put(_ record: Record) {
        filling.append(record)
        if filling.count >= Self.batchSize { handOver(finishing: nil) }
    }

    /// Hands over what is left and says the reading ended with `outcome` (reading thread).
    func finish(_ outcome: Result<Void, JournalError>) { handOver(finishing: outcome) }

    private func handOver(finishing: Result<Void, JournalError>?) {
        let batch = filling
        filling = []
        filling.reserveCapacity(Self.batchSize)
        pthread_mutex_lock(mutex)
        while batches.count >= Self.queued { pthread_cond_wait(changed, mutex) }
        if !batch.isEmpty { batches.append(batch) }
        if let finishing {
            outcome = finishing
            finished = true
        }
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }

    /// The next batch (folding thread), waiting for one; nil once the reading ended and all were taken.
    func take() -> [Record]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while batches.isEmpty && !finished { pthread_cond_wait(changed, mutex) }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        pthread_cond_broadcast(changed)
        return batch
    }
}
