import ReleaseDeskCore

/// A value that changes whenever a store may have changed: anyone's append, or a change behind the
/// program's back. For a file: its size, times and inode.
public struct ChangeToken: Equatable, Sendable {
    public var parts: [Int64]

    public init(_ parts: [Int64]) {
        self.parts = parts
    }
}

/// Where the records live: what the services need of a journal store, and all they may use.
///
/// The file journal (`Journal`) is the first implementation. A store keeps the records of
/// `docs/journal-format.md` exactly (the same canonical lines, the same chain); the rules, the fold and the
/// screens never see which store holds them. One instance is used from one thread; the Sendable closures
/// (`integrityCheck`, `changeToken`, `makeReader`) may run on any thread and use handles of their own.
public protocol JournalStore: AnyObject {
    /// Where the records are, for messages (a file's path).
    var location: String { get }
    /// The journal's id, from record 1 ("" before it is read).
    var journalID: String { get }
    /// The last record read or written.
    var head: JournalHead { get }
    /// What was found wrong while reading: the records before it were delivered; nothing more is read or
    /// written.
    var corruption: Corruption? { get }
    /// Why this instance will not write, when it will not.
    var readOnlyReason: String? { get }
    /// Sequence numbers whose hashes to remember while reading, for witness checks.
    var watchSeqs: Set<Int64> { get set }
    /// Why `witness` disagrees with what was read, naming where; nil when the store still holds that record
    /// unchanged. Needs the witness's `seq` in `watchSeqs` before reading.
    func witnessProblem(_ witness: Witness) -> String?
    /// The journal's id, read from record 1 without reading the rest (nil: no valid record 1).
    func identify() throws(JournalError) -> String?
    /// Reads records others appended since the last read, verifying each, in order. Takes no lock.
    func readNew(_ onRecord: (Record) -> Void) throws(JournalError)
    /// Reads to the end and judges the end as a writer would (no half-written append is mistaken for
    /// damage, no damage for a half-written append). How a store is opened for showing its data.
    func readToEnd(_ onRecord: (Record) -> Void) throws(JournalError)
    /// Appends the drafts `prepare` returns under the store's exclusive lock, durably: `prepare` first sees
    /// the records others appended (so the rule decides on fresh state); if it throws, nothing is written.
    /// Returns the records read under the lock and the records written, acknowledged only once durable.
    func append(_ prepare: (_ observed: [Record]) throws -> [RecordDraft]) throws -> (
        observed: [Record], written: [Record]
    )
    /// The store's change token, readable from any thread (nil when it cannot be read).
    var changeToken: @Sendable () -> ChangeToken? { get }
    /// Verifies the whole store again with a handle of its own, and compares it with `head` (what this
    /// instance read): the alarm text, or nil when it verifies and still holds those records.
    var integrityCheck: @Sendable (_ head: JournalHead) -> String? { get }
    /// Opens another read-only instance of the same store (for a reader on another thread).
    var makeReader: @Sendable () throws -> any JournalStore { get }
    /// Starts watching for appends by others (a long-lived reader such as the workstation); `takeWakeUp`
    /// then says when to read. A wake-up is a hint only: readers still read on a timer.
    func startWatching()
    /// Whether something may have been appended since the last call (a notification, or a reconnect after
    /// which notifications may have been missed). Never blocks.
    func takeWakeUp() -> Bool
    /// Why the store cannot be reached just now, and what is being done about it (nil: reachable, or a
    /// file).
    var connectionProblem: String? { get }
    /// Where a snapshot of the state folded so far may say it stands (nil: none; a store without snapshots).
    var resumePoint: ResumePoint? { get }
    /// Takes up the store after `point` without reading what comes before it, when the store still holds
    /// that record there; otherwise returns why not. A store without snapshots always says why not.
    func resume(at point: ResumePoint) throws(JournalError) -> String?
    /// Before anything is read: from now on, notes where each record is, so that records can be read again
    /// by `seq` from the archive returned, instead of being kept. Nil when the store keeps no such places
    /// (then a viewer keeps the records).
    func keepRecordPlaces() -> (any RecordArchive)?
}

extension JournalStore {
    /// A file is read on the timer alone.
    public func startWatching() {}
    public func takeWakeUp() -> Bool { false }
    public var connectionProblem: String? { nil }
}

extension Journal: JournalStore {
    public var location: String { path }

    public func identify() throws(JournalError) -> String? {
        try Journal.identify(at: path, io: io)
    }

    public var changeToken: @Sendable () -> ChangeToken? {
        let path = self.path
        return {
            JournalStamp.of(path).map { ChangeToken([$0.size, $0.modified, $0.changed, Int64(bitPattern: $0.inode)]) }
        }
    }

    public var integrityCheck: @Sendable (JournalHead) -> String? {
        let path = self.path
        return { head in IntegrityCheck.run(path: path, head: head) }
    }

    public var makeReader: @Sendable () throws -> any JournalStore {
        let path = self.path
        return { try Journal.openForReading(at: path) }
    }

    public func keepRecordPlaces() -> (any RecordArchive)? {
        // Only from the first record: the places are numbered by seq from 1.
        guard consumed == 0, checker.records == 0, checker.places == nil,
            let archive = try? JournalFileArchive(path: path, io: io)
        else { return nil }
        checker.places = archive.places
        return archive
    }
}

extension JournalStore {
    public var resumePoint: ResumePoint? { nil }

    public func resume(at point: ResumePoint) throws(JournalError) -> String? {
        "this store does not take up a journal from a snapshot"
    }

    public func keepRecordPlaces() -> (any RecordArchive)? { nil }
}
