import Foundation
import PostgresNIO
import ReleaseDeskCore
import ReleaseDeskJournal

/// The journal in PostgreSQL (`PostgresSchema`): the same canonical lines and chain as the file, one row per
/// record, checked with the same rules (`LineChain`) as they are read back.
///
/// An append is one transaction: lock the head row (`SELECT … FOR UPDATE`), read the records others committed
/// since this instance last read, let `prepare` decide on that fresh state, stamp (`RecordStamper`), insert,
/// move the head, commit with synchronous commit. Only a commit that succeeded is acknowledged. Not
/// thread-safe, like the file journal: one instance from one thread; the Sendable closures use connections
/// of their own.
public final class PostgresJournalStore: JournalStore {
    public let url: PostgresURL
    private let link: PostgresLink
    private let host: String
    private let clock: @Sendable () -> Timestamp
    private var chain = LineChain()
    /// LISTENs for appends by others, once `startWatching` was called.
    private var watcher: PostgresWatcher?
    public private(set) var corruption: Corruption?
    public private(set) var readOnlyReason: String?
    /// Rows read per statement.
    static let page = 5000

    public var location: String { url.description }
    public var journalID: String { chain.journalID ?? "" }
    public var head: JournalHead { chain.head }
    /// Warnings seen while reading (clock steps).
    public var warnings: [JournalWarning] { chain.warnings }
    public var watchSeqs: Set<Int64> {
        get { chain.watchSeqs }
        set { chain.watchSeqs = newValue }
    }

    private init(url: PostgresURL, host: String, clock: @escaping @Sendable () -> Timestamp, writable: Bool) {
        self.url = url
        self.link = PostgresLink(url: url)
        self.host = host
        self.clock = clock
        self.readOnlyReason = writable ? nil : "opened read-only"
    }

    deinit {
        watcher?.stop()
    }

    // MARK: - Live

    public func startWatching() {
        guard watcher == nil else { return }
        let started = PostgresWatcher(url: url)
        watcher = started
        started.start()
    }

    public func takeWakeUp() -> Bool {
        watcher?.takeWakeUp() ?? false
    }

    public var connectionProblem: String? {
        link.problem ?? watcher?.problem
    }

    /// Opens the store at `url` for reading and appending (records stamped with `environment`'s host and
    /// clock). Connects and checks the schema version; read the records with `readToEnd`.
    public static func open(url: PostgresURL, environment: JournalEnvironment) throws -> PostgresJournalStore {
        let store = PostgresJournalStore(
            url: url, host: environment.host, clock: environment.clock, writable: true)
        try store.checkSchema()
        return store
    }

    /// Opens the store at `url` read-only.
    public static func openForReading(url: PostgresURL) throws -> PostgresJournalStore {
        let store = PostgresJournalStore(
            url: url, host: "", clock: { Timestamp(millisecondsSinceEpoch: 0) }, writable: false)
        try store.checkSchema()
        return store
    }

    /// Creates the journal in the (initialised, empty) store at `url`: `journal.created` by `actor` with the id
    /// `environment.newJournalID()`, then `drafts`, in one transaction. Refuses a store that holds records.
    public static func create(
        url: PostgresURL, actor: String, then drafts: [RecordDraft], environment: JournalEnvironment
    ) throws -> (PostgresJournalStore, [Record]) {
        let store = try open(url: url, environment: environment)
        let (observed, written) = try store.append { observed in
            guard store.head.seq == 0, observed.isEmpty else {
                throw PostgresStoreError.schema(
                    "the store \(url) already holds a journal (\(store.journalID)); nothing was written")
            }
            return [RecordStamper.creation(journalID: environment.newJournalID(), actor: actor)] + drafts
        }
        _ = observed
        return (store, written)
    }

    private func checkSchema() throws {
        let logger = link.logger
        let url = self.url
        try link.run { connection in try PostgresSchema.check(connection, logger: logger, url: url) }
    }

    // MARK: - Reading

    public func identify() throws(JournalError) -> String? {
        do {
            return try Self.identify(link)
        } catch {
            throw .readOnly("\(error)")
        }
    }

    static func identify(_ link: PostgresLink) throws -> String? {
        let logger = link.logger
        let rows = try link.run { connection in
            try PostgresLink.rows(connection, "SELECT line FROM releasedesk_records WHERE seq = 1", logger: logger)
        }
        guard let line = try rows.first?.decode(String.self) else { return nil }
        var first = LineChain()
        return (try? first.accept(Array(line.utf8))).flatMap { _ in first.journalID }
    }

    public func readNew(_ onRecord: (Record) -> Void) throws(JournalError) {
        guard corruption == nil else { return }
        do {
            let link = self.link
            try link.run { connection in
                try Self.read(after: chain.head.seq, connection, logger: link.logger, into: &chain, onRecord)
            }
        } catch let found as Corruption {
            markCorrupt(found)
        } catch {
            throw .io(SystemCallError(call: "\(error)", path: location, code: 0))
        }
    }

    public func readToEnd(_ onRecord: (Record) -> Void) throws(JournalError) {
        guard corruption == nil else { return }
        // The head row first: every record up to it was committed with it, so reading after it must reach it.
        let stored: JournalHead
        do {
            stored = try Self.storedHead(link)
        } catch {
            throw .io(SystemCallError(call: "\(error)", path: location, code: 0))
        }
        try readNew(onRecord)
        guard corruption == nil else { return }
        if let problem = Self.judge(stored: stored, read: chain) { markCorrupt(problem) }
    }

    /// Whether what was read reaches the head row taken before reading.
    static func judge(stored: JournalHead, read chain: LineChain) -> Corruption? {
        if chain.head.seq < stored.seq {
            return Corruption(
                line: chain.lines + 1, offset: chain.bytes,
                reason:
                    "the store's head row names record \(stored.seq), but the records end at seq \(chain.head.seq): records were removed"
            )
        }
        if chain.head.seq == stored.seq && chain.head.hash != stored.hash {
            return Corruption(
                line: chain.lines, offset: chain.bytes,
                reason:
                    "the store's head row names hash \(stored.hash.prefix(12))… for seq \(stored.seq), but that record's line hashes to \(chain.head.hash.prefix(12))…"
            )
        }
        return nil
    }

    static func storedHead(_ link: PostgresLink) throws -> JournalHead {
        let logger = link.logger
        let rows = try link.run { connection in
            try PostgresLink.rows(connection, "SELECT seq, sha256 FROM releasedesk_head", logger: logger)
        }
        guard let (seq, hash) = try rows.first?.decode((Int64, String).self) else {
            throw PostgresStoreError.schema("the store has no head row: it was damaged; run 'releasedesk verify'")
        }
        return JournalHead.at(seq: seq, hash: hash)
    }

    /// Reads the rows after `seq` in order, page by page, through `chain`; throws the first corruption.
    static func read(
        after seq: Int64, _ connection: PostgresConnection, logger: Logger, into chain: inout LineChain,
        _ onRecord: (Record) -> Void
    ) throws {
        var last = seq
        while true {
            let rows = try PostgresLink.rows(connection, page(after: last), logger: logger)
            last = try check(rows, into: &chain, onRecord) ?? last
            if rows.count < page { return }
        }
    }

    /// The statement that reads the page of rows after `seq`.
    static func page(after seq: Int64) -> PostgresQuery {
        "SELECT seq, line, sha256 FROM releasedesk_records WHERE seq > \(seq) ORDER BY seq LIMIT \(page)"
    }

    /// Checks `rows` (seq, line, sha256) through `chain`; returns the last seq (nil: no rows).
    static func check(_ rows: [PostgresRow], into chain: inout LineChain, _ onRecord: (Record) -> Void) throws
        -> Int64?
    {
        var last: Int64? = nil
        for row in rows {
            let (rowSeq, line, hash) = try row.decode((Int64, String, String).self)
            var next = chain
            let record = try next.accept(Array(line.utf8))
            guard record.seq == rowSeq, next.head.hash == hash else {
                throw rowMismatch(
                    seq: rowSeq, hash: hash, holding: record.seq, next.head.hash, at: next.lines, chain.bytes)
            }
            chain = next
            onRecord(record)
            last = rowSeq
        }
        return last
    }

    /// A row whose `seq` and `sha256` columns are not those of the line it holds (`lineSeq`, `lineHash`).
    static func rowMismatch(
        seq: Int64, hash: String, holding lineSeq: Int64, _ lineHash: String, at line: Int, _ offset: Int64
    ) -> Corruption {
        Corruption(
            line: line, offset: offset,
            reason: "the row numbered \(seq) (sha256 column \(hash.prefix(12))…) does not hold that record: its "
                + "line is seq \(lineSeq), hash \(lineHash.prefix(12))…")
    }

    /// Reads every row after `seq` in order on a thread of its own, a page or two ahead of `consume`, which
    /// checks them meanwhile: the whole-store reads (verify, export) use both processors.
    static func readAhead(_ link: PostgresLink, after seq: Int64, _ consume: ([PostgresRow]) throws -> Void) throws {
        let pages = PageQueue()
        let logger = link.logger
        let producer = Thread {
            var last = seq
            do {
                while true {
                    let rows = try link.run { connection in
                        try PostgresLink.rows(connection, page(after: last), logger: logger)
                    }
                    if let final = rows.last { last = try final.decode((Int64, String, String).self).0 }
                    let full = rows.count == page
                    guard pages.put(.rows(rows)) else { return }
                    if !full {
                        _ = pages.put(.end)
                        return
                    }
                }
            } catch {
                _ = pages.put(.failed(error))
            }
        }
        producer.start()
        defer { pages.cancel() }
        while true {
            switch pages.take() {
            case .rows(let rows): try consume(rows)
            case .end: return
            case .failed(let error): throw error
            }
        }
    }

    private func markCorrupt(_ found: Corruption) {
        corruption = found
        readOnlyReason = "the journal is corrupt at \(found)"
    }

    public func witnessProblem(_ witness: Witness) -> String? {
        let hash = chain.watchedHash(seq: witness.seq)
        guard let problem = witness.check(hashAtSeq: hash) else { return nil }
        if let hash, let place = chain.watchedPlace(seq: witness.seq) {
            return "\(problem): the record on line \(place.line) (byte offset \(place.offset)) has hash "
                + "\(hash.prefix(12))… where \(witness.hash.prefix(12))… was verified"
        }
        return "\(problem): the journal ends at seq \(head.seq), line \(chain.lines), byte offset \(chain.bytes)"
    }

    // MARK: - Appending

    public func append(_ prepare: (_ observed: [Record]) throws -> [RecordDraft]) throws -> (
        observed: [Record], written: [Record]
    ) {
        if let readOnlyReason { throw JournalError.readOnly(readOnlyReason) }
        let link = self.link
        let logger = link.logger
        let host = self.host
        let clock = self.clock
        return try link.run(idempotent: false) { connection in
            func exec(_ query: PostgresQuery) throws -> [PostgresRow] {
                try PostgresLink.rows(connection, query, logger: logger)
            }
            do {
                _ = try exec("BEGIN")
            } catch {
                throw PostgresLink.Unstarted(underlying: error)  // nothing decided or written yet
            }
            var committed = false
            defer { if !committed { _ = try? exec("ROLLBACK") } }
            _ = try exec("SET LOCAL synchronous_commit TO on")
            _ = try exec("SELECT seq FROM releasedesk_head FOR UPDATE")
            // Fresh state under the lock: what others committed since this instance last read.
            var fresh = chain
            var observed: [Record] = []
            do {
                try Self.read(after: fresh.head.seq, connection, logger: logger, into: &fresh) { observed.append($0) }
            } catch let found as Corruption {
                markCorrupt(found)
                throw JournalError.corrupt(found)
            }
            chain = fresh
            let drafts = try prepare(observed)
            guard !drafts.isEmpty else { return (observed, []) }
            let at = clock()
            if let lastAt = fresh.lastAt, at.millisecondsSinceEpoch < lastAt.millisecondsSinceEpoch {
                readOnlyReason =
                    JournalError.clockSteppedBack(now: at, last: lastAt, lastSeq: fresh.head.seq)
                    .description
                throw JournalError.clockSteppedBack(now: at, last: lastAt, lastSeq: fresh.head.seq)
            }
            var stamper = fresh.stamper(host: host)
            var bytes: [UInt8] = []
            var written: [Record] = []
            for draft in drafts { written.append(try stamper.stamp(draft, at: at, into: &bytes)) }
            // The stamped lines, each checked where it stands, as a reader will check them.
            var after = fresh
            var sql = "INSERT INTO releasedesk_records (seq, line, sha256, prev) VALUES "
            var binds = PostgresBindings(capacity: written.count * 4)
            var start = 0
            for (index, record) in written.enumerated() {
                let end = bytes[start...].firstIndex(of: 0x0A)!
                let line = Array(bytes[start..<end])
                start = end + 1
                do {
                    _ = try after.accept(line)
                } catch {
                    throw JournalError.invalidRecord("\(error)")
                }
                let n = index * 4
                sql += (index == 0 ? "" : ", ") + "($\(n + 1), $\(n + 2), $\(n + 3), $\(n + 4))"
                binds.append(record.seq)
                binds.append(String(decoding: line, as: UTF8.self))
                binds.append(after.head.hash)
                binds.append(record.prev)
            }
            _ = try exec(PostgresQuery(unsafeSQL: sql, binds: binds))
            _ = try exec("UPDATE releasedesk_head SET seq = \(after.head.seq), sha256 = \(after.head.hash)")
            _ = try exec("COMMIT")
            committed = true
            chain = after
            return (observed, written)
        }
    }

    // MARK: - From any thread

    public var changeToken: @Sendable () -> ChangeToken? {
        let watcher = PostgresLink(url: url)
        return {
            guard let head = try? Self.storedHead(watcher) else { return nil }
            let digest = Array(head.hash.utf8.prefix(16))
            let bits = UInt64(String(decoding: digest, as: UTF8.self), radix: 16) ?? 0
            return ChangeToken([head.seq, Int64(bitPattern: bits)])
        }
    }

    public var integrityCheck: @Sendable (_ head: JournalHead) -> String? {
        let url = self.url
        return { head in
            let report: VerificationReport
            do {
                report = try Self.verify(url: url, watchSeqs: head.seq > 0 ? [head.seq] : [])
            } catch {
                return "the journal cannot be read again: \(error)"
            }
            if let corruption = report.corruption { return "the journal is corrupt at \(corruption)" }
            if head.seq > 0 {
                guard report.head.seq >= head.seq else {
                    return
                        "the journal now ends at record \(report.head.seq), before record \(head.seq) that was read from it"
                }
                if let hash = report.watchedHashes[head.seq], hash != head.hash {
                    return "record \(head.seq) is no longer the record that was read "
                        + "(hash \(hash.prefix(12))… instead of \(head.hash.prefix(12))…)"
                }
            }
            return nil
        }
    }

    public var makeReader: @Sendable () throws -> any JournalStore {
        let url = self.url
        return { try PostgresJournalStore.openForReading(url: url) }
    }

    // MARK: - Whole store

    /// Verifies the whole store with a connection of its own: every line in `seq` order through the chain
    /// rules of a file, then the head row. Throws only when the store cannot be read.
    public static func verify(url: PostgresURL, watchSeqs: Set<Int64> = []) throws -> VerificationReport {
        let link = PostgresLink(url: url)
        try link.run { connection in try PostgresSchema.check(connection, logger: link.logger, url: url) }
        let stored = try storedHead(link)
        var chain = LineChain(watchSeqs: watchSeqs)
        var corruption: Corruption? = nil
        do {
            try readAhead(link, after: 0) { rows in
                for row in rows {
                    let (rowSeq, text, hash) = try row.decode((Int64, String, String).self)
                    var line = text
                    let seq = try line.withUTF8 { buffer in try chain.check(buffer) }
                    guard seq == rowSeq, chain.head.hash == hash else {
                        throw rowMismatch(
                            seq: rowSeq, hash: hash, holding: seq, chain.head.hash, at: chain.lines,
                            chain.bytes - Int64(line.utf8.count) - 1)
                    }
                }
            }
            corruption = judge(stored: stored, read: chain)
        } catch let found as Corruption {
            corruption = found
        }
        return chain.report(location: url.description, corruption: corruption)
    }

    /// The records whose line contains `marker` (e.g. `"kind":"user.`), parsed, in `seq` order: the server
    /// searches, only those rows come back. Lines that do not parse are skipped: verification, not this
    /// search, reports them (as `Journal.records(at:lineContaining:)` does for a file).
    public static func records(url: PostgresURL, lineContaining marker: String) throws -> [Record] {
        let link = PostgresLink(url: url)
        let logger = link.logger
        let rows = try link.run { connection in
            try PostgresLink.rows(
                connection,
                "SELECT line FROM releasedesk_records WHERE strpos(line, \(marker)) > 0 ORDER BY seq",
                logger: logger)
        }
        return try rows.compactMap { row in try? JournalLine.record(Array(row.decode(String.self).utf8)) }
    }

    /// Hands every line of the store (without its LF) to `onLine`, in `seq` order, each checked as it is read;
    /// throws the first corruption. What an export writes.
    public static func lines(url: PostgresURL, _ onLine: ([UInt8]) throws -> Void) throws {
        let link = PostgresLink(url: url)
        try link.run { connection in try PostgresSchema.check(connection, logger: link.logger, url: url) }
        let stored = try storedHead(link)
        var chain = LineChain()
        try readAhead(link, after: 0) { rows in
            for row in rows {
                let line = Array(try row.decode((Int64, String, String).self).1.utf8)
                _ = try line.withUnsafeBufferPointer { buffer in try chain.check(buffer) }
                try onLine(line)
            }
        }
        if let problem = judge(stored: stored, read: chain) { throw problem }
    }

    /// Appends whole lines (without LF) read from elsewhere — another store's records, unchanged — in
    /// batches, each line checked where it stands; the store must be empty. What `store migrate` writes.
    public static func importLines(url: PostgresURL, _ produce: (_ emit: ([UInt8]) throws -> Void) throws -> Void)
        throws
        -> JournalHead
    {
        let link = PostgresLink(url: url)
        let logger = link.logger
        try link.run { connection in try PostgresSchema.check(connection, logger: logger, url: url) }
        var chain = LineChain()
        var batch: [(Int64, String, String, String)] = []
        try link.run(idempotent: false) { connection in
            func exec(_ query: PostgresQuery) throws { _ = try PostgresLink.rows(connection, query, logger: logger) }
            try exec("BEGIN")
            var committed = false
            defer { if !committed { try? exec("ROLLBACK") } }
            let rows = try PostgresLink.rows(connection, "SELECT seq FROM releasedesk_head FOR UPDATE", logger: logger)
            guard try rows.first?.decode(Int64.self) == 0 else {
                throw PostgresStoreError.schema("the store \(url) already holds records: migrate into an empty store")
            }
            func flush() throws {
                guard !batch.isEmpty else { return }
                var sql = "INSERT INTO releasedesk_records (seq, line, sha256, prev) VALUES "
                var binds = PostgresBindings(capacity: batch.count * 4)
                for (index, row) in batch.enumerated() {
                    let n = index * 4
                    sql += (index == 0 ? "" : ", ") + "($\(n + 1), $\(n + 2), $\(n + 3), $\(n + 4))"
                    binds.append(row.0)
                    binds.append(row.1)
                    binds.append(row.2)
                    binds.append(row.3)
                }
                try exec(PostgresQuery(unsafeSQL: sql, binds: binds))
                batch.removeAll(keepingCapacity: true)
            }
            try produce { line in
                let prev = chain.head.hash
                let record = try chain.accept(line)
                batch.append((record.seq, String(decoding: line, as: UTF8.self), chain.head.hash, prev))
                if batch.count >= 1000 { try flush() }
            }
            try flush()
            if chain.head.seq > 0 {
                try exec("UPDATE releasedesk_head SET seq = \(chain.head.seq), sha256 = \(chain.head.hash)")
            }
            try exec("SET LOCAL synchronous_commit TO on")
            try exec("COMMIT")
            committed = true
        }
        return chain.head
    }
}

/// Pages of rows handed from the reading thread to the checking one; at most two wait.
private final class PageQueue: @unchecked Sendable {
    enum Item {
        case rows([PostgresRow])
        case end
        case failed(any Error)
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var cancelled = false

    /// Adds `item`, waiting while two are queued; false once the reader is gone.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= 2 && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
