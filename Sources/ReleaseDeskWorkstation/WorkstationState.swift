import ReleaseDeskCore

/// A selection and the first visible row of a list (or the scroll offset of the detail pane).
public struct ListCursor: Equatable, Sendable {
    public var selected: Int = 0
    public var offset: Int = 0

    public init(selected: Int = 0, offset: Int = 0) {
        self.selected = selected
        self.offset = offset
    }

    /// Moves the selection to `index` within `count` rows and scrolls so it stays in `rows` visible rows.
    mutating func select(_ index: Int, count: Int, rows: Int) {
        selected = count == 0 ? 0 : min(max(0, index), count - 1)
        keepVisible(count: count, rows: rows)
    }

    mutating func keepVisible(count: Int, rows: Int) {
        let rows = max(1, rows)
        if count == 0 {
            selected = 0
            offset = 0
            return
        }
        selected = min(max(0, selected), count - 1)
        if selected < offset { offset = selected }
        if selected >= offset + rows { offset = selected - rows + 1 }
        offset = min(max(0, offset), max(0, count - rows))
    }
}

/// Columns the queue can be sorted by.
public enum QueueSortColumn: String, CaseIterable, Sendable {
    case urgency, batch, product, site, status, exceptions, clock

    /// The key that picks this column in the sort menu.
    public var key: Character {
        switch self {
        case .urgency: return "u"
        case .batch: return "b"
        case .product: return "p"
        case .site: return "t"
        case .status: return "s"
        case .exceptions: return "e"
        case .clock: return "c"
        }
    }
}

/// The integrity of the journal as last checked.
public struct ChainStatus: Equatable, Sendable {
    /// Records read.
    public var seq: Int64
    /// Hash of the last record (hex).
    public var headHash: String
    /// Corruption or changed history, when found: the workstation is read-only.
    public var alarm: String?
    /// Whether the deep check (every signature against what it signs) has passed since the journal was
    /// opened; until it has, no signature is made.
    public var signaturesVerified: Bool
    /// Why the store (PostgreSQL) cannot be reached just now and what is being done; nil when it can, or for
    /// a file. What is shown is what was read before; nothing new arrives until it is back.
    public var connection: String?

    public init(
        seq: Int64, headHash: String, alarm: String?, signaturesVerified: Bool = true, connection: String? = nil
    ) {
        self.seq = seq
        self.headHash = headHash
        self.alarm = alarm
        self.signaturesVerified = signaturesVerified
        self.connection = connection
    }
}

/// Which records the audit pane lists.
public enum AuditScope: Equatable, Sendable {
    /// The selected batch's trail.
    case batch
    /// Every record of the journal.
    case all
}

/// A demo user shown on the sign-in screen of `--demo`.
public struct DemoUserHint: Equatable, Sendable {
    public var id: String
    public var roles: String
    public var password: String

    public init(id: String, roles: String, password: String) {
        self.id = id
        self.roles = roles
        self.password = password
    }
}

/// The sign-in form. The password is kept only until it is handed to the authenticator.
public struct SignInForm: Equatable, Sendable {
    public enum Field: Equatable, Sendable { case user, password }
    public var user: String
    public var password: String = ""
    public var field: Field
    public var message: String?
    public var busy = false
    public var demoUsers: [DemoUserHint]

    public init(user: String, demoUsers: [DemoUserHint] = []) {
        self.user = user
        self.field = user.isEmpty ? .user : .password
        self.demoUsers = demoUsers
    }
}

/// The raw canonical line of one record, hidden characters escaped, ready to be wrapped a page at a time.
public struct RecordText: Equatable, Sendable {
    public var seq: Int64
    public var line: String
    /// Whether `line` is ASCII, so that a page is found without walking the line.
    public var ascii: Bool
}

/// What a status-line question asks for.
public enum Prompt: Equatable, Sendable {
    /// The QA user to assign `batch` to.
    case assignee(batch: String)

    /// The question, before the typed answer.
    public var question: String {
        switch self {
        case .assignee(let batch): return "Assign \(batch) to (user id, - removes): "
        }
    }
}

/// What the keyboard is doing besides navigating.
public enum InputMode: Equatable, Sendable {
    case normal
    /// One audit record in full: readable fields, then the raw canonical line; `offset` scrolls it.
    case record(seq: Int64, offset: Int)
    /// Incremental search: typed text, and the row selected before the search began (restored on Esc).
    case search(Pane, query: String, origin: Int)
    /// Typing a filter for a list.
    case filter(Pane, text: String)
    /// Choosing a sort column.
    case sortMenu
    /// Help for a pane, scrolled down `offset` lines.
    case help(Pane, offset: Int)
    /// The last messages of the status line in full (`:messages`), scrolled down `offset` lines.
    case messages(offset: Int)
    /// The `:` command line.
    case command(String)
    /// A question on the status line and the answer typed so far (`:assign` without a user).
    case prompt(Prompt, text: String)
    /// A dialog that changes something and ends in a signature.
    case dialog(ActionDialog)
    /// Trend charts of a trended attribute (`t`, `:trends`).
    case trends(TrendView)
    /// The deviation board and the user's own work (`b`, `:board`, `:deviations`).
    case board(BoardView)
    /// Site and CMO scorecards side by side (`o`, `:oversight`).
    case scorecard(ScorecardView)
}

/// How this workstation was set up: its key map (`keys.toml`), whether the mouse is used and whether the
/// selected id may be copied to the terminal's clipboard. Fixed for the session.
public struct Preferences: Sendable {
    /// The key map: the built-in one, or with the bindings of `keys.toml` (checked before the session starts).
    public var keyBindings: [KeyBinding]
    /// Whether clicks select and the wheel scrolls (`mouse = false` in the configuration file turns it off).
    public var mouse: Bool
    /// Whether `y` copies the selected id to the clipboard with OSC 52 (`clipboard = "osc52"`).
    public var copyToClipboard: Bool
    /// Whether the terminal shows UTF-8; otherwise raw records are escaped to ASCII before they are wrapped.
    public var unicode = true
    /// `--plain`, for screen readers: one pane at a time over the whole screen (Tab and 1–4 switch), no box
    /// drawing.
    public var plain = false

    public init(keyBindings: [KeyBinding] = KeyMap.bindings, mouse: Bool = true, copyToClipboard: Bool = false) {
        self.keyBindings = keyBindings
        self.mouse = mouse
        self.copyToClipboard = copyToClipboard
    }
}

/// Everything the screen shows, and nothing else: rendering is a pure function of this, the size and the
/// theme. Changed only by `Workstation.reduce`.
public struct WorkstationState: Equatable, Sendable {
    public var size: Size
    public var now: Timestamp
    /// The signed-in user; `nil` while the sign-in form shows (no data is shown before sign-in).
    public var user: UserAccount?
    public var signIn: SignInForm
    /// The continuous signing session (21 CFR 11.200), from sign-in.
    public var session: SigningSession?
    public var desk: DeskState
    /// Journal records by `seq - 1`: their facts, and each record kept or read again from the journal's archive.
    public var records: JournalRecords
    /// The raw line of the record the record view shows, made once when the view opens (it may be megabytes).
    public var recordText: RecordText?
    public var chain: ChainStatus
    /// Name of the journal (for the title bar), already safe to show.
    public var journalName: String
    public var readOnly: Bool
    /// Locked after the idle limit: nothing from the journal is shown until the same user signs in again.
    public var locked = false

    /// Every queue row, most urgent first.
    public private(set) var queueRows: [QueueEntry] = []
    /// Lower-cased search text of each queue row (same order as `queueRows`).
    private var queueSearch = SearchIndex()
    /// Indices into `queueRows` after the filter and sort.
    public private(set) var visibleQueue: [Int] = []

    public var focus: Pane = .queue
    public var zoomed: Pane?
    public var cursors: [Pane: ListCursor] = [:]
    public var filters: [Pane: String] = [:]
    public var sortColumn: QueueSortColumn = .urgency
    public var sortReversed = false
    public var mode: InputMode = .normal
    public var lastSearch: String?
    /// A one-line message on the status line (result of the last action); every message is also kept in
    /// `messageLog`.
    public var message: String? {
        didSet {
            guard let message, message != oldValue else { return }
            remember(message)
        }
    }
    /// The last messages of the status line, oldest first, in full (`:messages` shows them).
    public private(set) var messageLog: [String] = []
    /// How many messages `messageLog` keeps.
    public static let messageLogLimit = 50

    /// Keeps `message` in the log (also one shown elsewhere than the status line, such as in a dialog).
    mutating func remember(_ message: String) {
        messageLog.append(message)
        if messageLog.count > Self.messageLogLimit { messageLog.removeFirst(messageLog.count - Self.messageLogLimit) }
    }
    /// The key map and the settings of this session.
    public var preferences = Preferences()
    /// Batch whose exceptions, detail and audit trail are shown.
    public private(set) var selectedBatchID: String?
    /// Whether the audit pane lists the selected batch's trail or every record.
    public private(set) var auditScope: AuditScope = .batch
    /// Indices into `records` of the audit pane's rows, after scope and filter (kept in step by the reducer).
    public private(set) var auditIndex: [Int] = []
    /// Why the audit filter cannot be read, when it cannot.
    public private(set) var auditFilterProblem: String?
    /// The filter the rows of the whole journal were last found with (nil: none, or another scope).
    private var auditRowsQuery: AuditQuery?

    /// A state whose records are kept in memory.
    public init(
        size: Size, now: Timestamp, desk: DeskState, records: [Record], chain: ChainStatus, journalName: String,
        signIn: SignInForm, readOnly: Bool = false
    ) {
        self.init(
            size: size, now: now, desk: desk, records: JournalRecords(records), chain: chain, journalName: journalName,
            signIn: signIn, readOnly: readOnly)
    }

    public init(
        size: Size, now: Timestamp, desk: DeskState, records: JournalRecords, chain: ChainStatus,
        journalName: String, signIn: SignInForm, readOnly: Bool = false
    ) {
        self.size = size
        self.now = now
        self.desk = desk
        self.records = records
        self.chain = chain
        self.journalName = journalName
        self.signIn = signIn
        self.readOnly = readOnly
        rebuildQueue()
    }

    public static func == (a: WorkstationState, b: WorkstationState) -> Bool {
        a.size == b.size && a.now == b.now && a.user == b.user && a.signIn == b.signIn && a.chain == b.chain
            && a.desk.lastSeq == b.desk.lastSeq && a.records.count == b.records.count && a.focus == b.focus
            && a.zoomed == b.zoomed && a.cursors == b.cursors && a.filters == b.filters && a.sortColumn == b.sortColumn
            && a.sortReversed == b.sortReversed && a.mode == b.mode && a.lastSearch == b.lastSearch
            && a.message == b.message && a.visibleQueue == b.visibleQueue && a.selectedBatchID == b.selectedBatchID
            && a.readOnly == b.readOnly && a.session == b.session && a.auditScope == b.auditScope
            && a.auditIndex == b.auditIndex && a.auditFilterProblem == b.auditFilterProblem && a.locked == b.locked
            && a.messageLog == b.messageLog
    }

    public var layout: Layout {
        Layout(size: size, zoomed: preferences.plain ? focus : zoomed, banner: chain.alarm != nil)
    }

    public func cursor(_ pane: Pane) -> ListCursor { cursors[pane] ?? ListCursor() }

    // MARK: Rows of each pane

    /// The queue row at visible position `index`.
    public func queueRow(_ index: Int) -> QueueEntry { queueRows[visibleQueue[index]] }

    public var selectedQueueEntry: QueueEntry? {
        let c = cursor(.queue)
        return c.selected < visibleQueue.count ? queueRow(c.selected) : nil
    }

    /// Open exceptions of the selected batch, after the exception filter.
    public var exceptionRows: [ReviewException] {
        guard let id = selectedBatchID, let exceptions = desk.batches[id]?.review?.exceptions else { return [] }
        guard let filter = filters[.exceptions], !filter.isEmpty else { return exceptions }
        return exceptions.filter { Self.matches(Self.searchText(of: $0), filter) }
    }

    public var selectedException: ReviewException? {
        let rows = exceptionRows
        let c = cursor(.exceptions)
        return c.selected < rows.count ? rows[c.selected] : nil
    }

    /// The audit pane's row `index`: its record, or why it cannot be shown.
    public func auditRow(_ index: Int) -> Result<Record, RecordArchiveError> { records.read(auditIndex[index]) }

    /// The audit pane's row `index`, when its record can be read.
    public func auditRecord(_ index: Int) -> Record? { records[auditIndex[index]] }

    /// The `seq` of the audit pane's row `index`.
    public func auditSeq(_ index: Int) -> Int64 { Int64(auditIndex[index]) + 1 }

    /// The record selected in the audit pane.
    public var selectedAuditRecord: Record? {
        let c = cursor(.audit)
        return c.selected < auditIndex.count ? auditRecord(c.selected) : nil
    }

    /// The `seq` of the record selected in the audit pane.
    public var selectedAuditSeq: Int64? {
        let c = cursor(.audit)
        return c.selected < auditIndex.count ? auditSeq(c.selected) : nil
    }

    /// The records of the pane's scope before the filter: the batch's trail, or the whole journal.
    public var auditScopeCount: Int {
        switch auditScope {
        case .all: return records.count
        case .batch: return selectedBatchID.flatMap { desk.batches[$0]?.recordSeqs.count } ?? 0
        }
    }

    /// Number of rows in a list pane.
    public func rowCount(_ pane: Pane) -> Int {
        switch pane {
        case .queue: return visibleQueue.count
        case .exceptions: return exceptionRows.count
        case .audit: return auditIndex.count
        case .detail: return 0
        }
    }

    // MARK: Matching

    static func matches(_ haystack: String, _ needle: String) -> Bool {
        needle.isEmpty || haystack.lowercased().contains(needle.lowercased())
    }

    static func searchText(of entry: QueueEntry) -> String {
        [entry.id, entry.product, entry.site, entry.coi ?? "", entry.status.rawValue, entry.assignee ?? ""].joined(
            separator: " ")
    }

    static func searchText(of exception: ReviewException) -> String {
        [
            exception.rule, exception.severity.rawValue, exception.title, exception.observed, exception.limit,
            exception.why,
        ]
        .joined(separator: " ")
    }

    static func searchText(of record: Record) -> String {
        [record.actor, record.kind, AuditText.summary(record)].joined(separator: " ")
    }

    /// The first visible queue row at or after `start` (wrapping) whose text contains `needle` (lower case).
    func firstQueueMatch(_ needle: String, from start: Int) -> Int? {
        let bytes = Array(needle.utf8)
        let count = visibleQueue.count
        guard count > 0, !bytes.isEmpty else { return nil }
        if visibleQueue.count == queueRows.count && sortColumn == .urgency && !sortReversed {
            // Visible order is the index order: one scan of the buffer from the start row, then from the top.
            return queueSearch.firstRow(containing: bytes, from: start, to: count)
                ?? queueSearch.firstRow(containing: bytes, from: 0, to: start)
        }
        var index = start
        for _ in 0..<count {
            if queueSearch.row(visibleQueue[index], contains: bytes) { return index }
            index = (index + 1) % count
        }
        return nil
    }

    /// Text searched for row `index` of `pane` (lower case).
    func rowText(_ pane: Pane, _ index: Int) -> String {
        switch pane {
        case .queue: return queueSearch.text(visibleQueue[index])
        case .exceptions: return Self.searchText(of: exceptionRows[index]).lowercased()
        case .audit: return auditRecord(index).map { Self.searchText(of: $0).lowercased() } ?? ""
        case .detail: return ""
        }
    }

    // MARK: Keeping derived rows true

    /// Recomputes the queue from the desk state, keeping the selected batch selected.
    mutating func rebuildQueue() {
        queueRows = desk.queue()
        queueSearch = SearchIndex(queueRows.map { Self.searchText(of: $0).lowercased() })
        refilterQueue()
    }

    /// Re-applies the queue filter and sort, keeping the selected batch selected when it is still shown.
    mutating func refilterQueue() {
        let keep = selectedBatchID
        var indices = Array(queueRows.indices)
        if let filter = filters[.queue], !filter.isEmpty {
            let needle = Array(filter.lowercased().utf8)
            indices = indices.filter { queueSearch.row($0, contains: needle) }
        }
        if sortColumn != .urgency {
            let rows = queueRows
            let column = sortColumn
            let now = self.now
            indices.sort { a, b in
                let x = rows[a]
                let y = rows[b]
                switch column {
                case .urgency: return a < b
                case .batch: return x.id < y.id
                case .product: return (x.product, a) < (y.product, b)
                case .site: return (x.site, a) < (y.site, b)
                case .status:
                    return (BatchStatus.allCases.firstIndex(of: x.status)!, a)
                        < (BatchStatus.allCases.firstIndex(of: y.status)!, b)
                case .exceptions: return (-Self.weight(x), a) < (-Self.weight(y), b)
                case .clock:
                    return (x.hoursSinceApheresis(at: now) ?? -1, b) > (y.hoursSinceApheresis(at: now) ?? -1, a)
                }
            }
        }
        if sortReversed { indices.reverse() }
        visibleQueue = indices
        var c = cursor(.queue)
        if let keep, let position = visibleQueue.firstIndex(where: { queueRows[$0].id == keep }) {
            c.selected = position
        }
        c.keepVisible(count: visibleQueue.count, rows: layout.listRows(.queue))
        cursors[.queue] = c
        syncSelectedBatch()
    }

    static func weight(_ entry: QueueEntry) -> Int {
        entry.open[.critical, default: 0] * 10_000 + entry.open[.major, default: 0] * 100
            + entry.open[.minor, default: 0]
    }

    /// Selects batch `id` in the queue, clearing the queue's filter when it hides the batch; false when the
    /// batch is not in the queue at all (infused batches are history).
    public mutating func selectBatch(_ id: String) -> Bool {
        var position = visibleQueue.firstIndex { queueRows[$0].id == id }
        if position == nil, filters[.queue] != nil {
            guard queueRows.contains(where: { $0.id == id }) else { return false }
            filters[.queue] = nil
            refilterQueue()
            position = visibleQueue.firstIndex { queueRows[$0].id == id }
        }
        guard let position else { return false }
        var c = cursor(.queue)
        c.select(position, count: visibleQueue.count, rows: layout.listRows(.queue))
        cursors[.queue] = c
        syncSelectedBatch()
        return true
    }

    /// Follows the queue selection; a different batch starts its other panes at the top.
    mutating func syncSelectedBatch() {
        let id = selectedQueueEntry?.id
        if id != selectedBatchID {
            selectedBatchID = id
            cursors[.exceptions] = ListCursor()
            cursors[.detail] = ListCursor()
            if auditScope == .batch { rebuildAudit(follow: true) }
        }
    }

    /// Switches the audit pane between the batch's trail and every record, at the newest record.
    public mutating func setAuditScope(_ scope: AuditScope) {
        auditScope = scope
        rebuildAudit(follow: true)
    }

    /// Recomputes the audit rows from the scope and filter. `follow` selects the newest record; otherwise the
    /// selected record stays selected (or, when the newest was selected, the newest still is: live tail).
    /// `appendedFrom`: only the records from this index on are new, and the scope and filter are unchanged, so
    /// the rows of the whole journal are extended rather than found again.
    mutating func rebuildAudit(follow: Bool, appendedFrom: Int? = nil) {
        let previous = selectedAuditSeq
        let wasAtEnd = cursor(.audit).selected >= max(0, auditIndex.count - 1)
        var query = AuditQuery()
        auditFilterProblem = nil
        if let text = filters[.audit], !text.isEmpty {
            switch AuditQuery.parse(text) {
            case .success(let parsed): query = parsed
            case .failure(let problem): auditFilterProblem = "\(problem.field): \(problem.message)"
            }
        }
        var batchSeqs: Set<Int64>? = nil
        if let batch = query.batch { batchSeqs = Set(desk.batches[batch]?.recordSeqs ?? []) }
        switch auditScope {
        case .batch:
            let seqs = selectedBatchID.flatMap { desk.batches[$0]?.recordSeqs } ?? []
            let inTrail = seqs.compactMap { seq -> Int? in
                let index = Int(seq) - 1
                return index >= 0 && index < records.count ? index : nil
            }
            if query.isEmpty {
                auditIndex = inTrail
            } else {
                auditIndex = records.matching(query, in: inTrail, batchSeqs: batchSeqs)
            }
        case .all:
            if query.isEmpty {
                auditIndex = Array(records.indices)
            } else if let from = appendedFrom, from <= records.count, query.batch == nil, auditRowsQuery == query {
                // A batch filter's own records may be older than the records that made them its own: found again.
                auditIndex += records.matching(query, in: from..<records.count, batchSeqs: batchSeqs)
            } else if appendedFrom == nil, query.batch == nil, let found = auditRowsQuery, query.narrows(found) {
                // Typing on narrows the filter: only the rows already found are looked at again.
                auditIndex = records.matching(query, in: auditIndex, batchSeqs: batchSeqs)
            } else {
                auditIndex = records.matching(query, in: records.indices, batchSeqs: batchSeqs)
            }
        }
        auditRowsQuery = auditScope == .all && auditFilterProblem == nil ? query : nil
        var c = cursor(.audit)
        if follow || wasAtEnd || previous == nil {
            c.selected = auditIndex.count - 1
        } else if let previous {
            // Binary search: rows are in journal order.
            var low = 0
            var high = auditIndex.count
            while low < high {
                let mid = (low + high) / 2
                if Int64(auditIndex[mid]) + 1 < previous { low = mid + 1 } else { high = mid }
            }
            c.selected = min(low, auditIndex.count - 1)
        }
        c.keepVisible(count: auditIndex.count, rows: layout.listRows(.audit))
        cursors[.audit] = c
    }
}
