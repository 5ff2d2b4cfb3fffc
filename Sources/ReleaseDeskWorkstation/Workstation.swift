import CanonicalJSON
import ReleaseDeskCore

/// Something that happened: a key, a new size, a tick of the clock, or the result of an effect.
public enum Action: Sendable {
    case keyPressed(Key)
    case resized(Size)
    case tick(Timestamp)
    case signInSucceeded(UserAccount)
    case signInFailed(String)
    /// The journal was read again: the new state, the records added since the last update, the chain.
    case journalUpdated(DeskState, newRecords: [Record], chain: ChainStatus)
    case journalReadFailed(String)
    /// A signed action was written; the words to show.
    case actionSucceeded(String)
    /// A signed action was refused (wrong password, a gate, the state changed); the words to show.
    case actionRefused(String)
}

/// Work the reducer asks the executable to do; results come back as actions.
public enum Effect: Equatable, Sendable {
    /// Check the password; answer with `signInSucceeded` or `signInFailed`.
    case signIn(user: String, password: String)
    /// Read records appended since the last read; answer with `journalUpdated`.
    case reload
    /// Repaint the whole terminal.
    case redraw
    case quit
    /// Check the password of the signed-in user and perform `action` under the journal lock, expecting the
    /// digest of `content` (what was shown); answer with `actionSucceeded` or `actionRefused`.
    case sign(SignedAction, content: JSONValue, password: String)
    /// Journal a refused attempt (a missing role, an open gate) without asking for a signature.
    case journalRefusal(action: String, refusal: ActionRefusal)
    /// Journal a signature attempted under another user id than the signed-in one: a failed sign-in of
    /// this session naming the id typed.
    case signatureUnderOtherID(typed: String)
    /// Assign a batch to a QA user under the journal lock (not signed); answer with `actionSucceeded` or
    /// `actionRefused`.
    case assign(batch: String, to: String)
    /// Remove a batch's assignment under the journal lock (not signed, journaled); answer with
    /// `actionSucceeded` or `actionRefused`.
    case unassign(batch: String)
    /// Put `text` (an id, never a secret) on the clipboard through the terminal.
    case copy(String)
}

/// The app layer: one pure function from state and action to new state and effects.
public enum Workstation {
    /// Commands of the `:` line, for completion.
    public static let lineCommands = [
        "assign", "audit", "board", "detail", "deviations", "exceptions", "filter", "help", "messages", "oversight",
        "queue", "quit", "reload", "scorecard", "sort", "trends", "unassign",
    ]

    public static func reduce(_ state: inout WorkstationState, _ action: Action) -> [Effect] {
        switch action {
        case .resized(let size):
            state.size = size
            for pane in Pane.allCases where pane.isList { keepVisible(&state, pane) }
            return []
        case .tick(let now):
            state.now = now
            if let user = state.user, !state.locked, state.session?.isIdle(at: now) == true {
                // 21 CFR 11.200: after the idle limit the screen locks and both components are needed again.
                state.locked = true
                state.mode = .normal
                var form = SignInForm(user: user.id, demoUsers: state.signIn.demoUsers)
                let minutes = state.desk.policy.idleLockMilliseconds / 60_000
                form.message = "Locked after \(minutes) min idle: \(user.id), type your password (Ctrl-C quits)."
                state.signIn = form
            }
            return []
        case .signInSucceeded(let account):
            if state.locked {
                guard account.id == state.user?.id else { return [] }
                state.locked = false
            }
            state.user = account
            state.session = SigningSession(
                user: account.id, startedAt: state.now, idleLimitMilliseconds: state.desk.policy.idleLockMilliseconds)
            state.signIn.busy = false
            state.signIn.password = ""
            state.signIn.message = nil
            state.message = "Signed in as \(account.id). Tab moves between panes, ? shows the keys."
            return []
        case .signInFailed(let message):
            state.signIn.busy = false
            state.signIn.password = ""
            state.signIn.field = .password
            state.signIn.message = message
            return []
        case .journalUpdated(let desk, let newRecords, let chain):
            state.desk = desk
            let known = state.records.count
            state.records.append(contentsOf: newRecords)
            state.chain = chain
            if chain.alarm != nil { state.readOnly = true }
            state.rebuildQueue()
            state.rebuildAudit(follow: false, appendedFrom: known)
            for pane in Pane.allCases where pane.isList { keepVisible(&state, pane) }
            if case .trends(let view) = state.mode { state.mode = .trends(view.refreshed(desk)) }
            if case .board(let view) = state.mode {
                state.mode = .board(view.refreshed(desk, rows: BoardLayout(size: state.size).listRows))
            }
            if case .scorecard(let view) = state.mode { state.mode = .scorecard(view.refreshed(desk, now: state.now)) }
            return []
        case .journalReadFailed(let message):
            state.message = "Could not read the journal: \(message)"
            return []
        case .actionSucceeded(let words):
            state.mode = .normal
            state.session?.signed(at: state.now)
            state.message = words
            return []
        case .actionRefused(let words):
            if case .dialog(var dialog) = state.mode {
                dialog.busy = false
                dialog.message = words
                state.remember(words)
                if dialog.prompt != nil { dialog.prompt!.password = "" }
                state.mode = .dialog(dialog)
            } else {
                state.message = words
            }
            return []
        case .keyPressed(let key):
            if state.user == nil { return signInKey(&state, key) }
            if state.locked {
                if key == .enter, state.signIn.field == .password, state.signIn.user != state.user?.id {
                    state.signIn.message = "Only \(state.user?.id ?? "") can unlock this workstation; Ctrl-C quits."
                    return []
                }
                return signInKey(&state, key)
            }
            if state.size.isTooSmall {
                return key == .char("q") || key == .ctrl("c") ? [.quit] : []
            }
            if case .mouse(let event) = key { return mouse(&state, event) }
            return workingKey(&state, key)
        }
    }

    // MARK: Sign-in

    static func signInKey(_ state: inout WorkstationState, _ key: Key) -> [Effect] {
        if key == .ctrl("c") { return [.quit] }
        if state.signIn.busy { return [] }
        var form = state.signIn
        defer { state.signIn = form }
        switch key {
        case .tab, .backTab, .up, .down:
            form.field = form.field == .user ? .password : .user
        case .escape:
            form.message = nil
            if form.field == .password { form.password = "" }
        case .enter:
            if form.field == .user {
                if !form.user.isEmpty { form.field = .password }
            } else if form.user.isEmpty {
                form.field = .user
                form.message = "Enter your user id."
            } else {
                let password = form.password
                form.password = ""
                form.busy = true
                form.message = "Checking…"
                return [.signIn(user: form.user, password: password)]
            }
        case .backspace:
            if form.field == .user { _ = form.user.popLast() } else { _ = form.password.popLast() }
        case .char(let c):
            if form.field == .user {
                if form.user.count < 64 { form.user.append(c) }
            } else if form.password.count < 1024 {
                form.password.append(c)
            }
        default:
            break
        }
        return []
    }

    // MARK: Signed in

    static func workingKey(_ state: inout WorkstationState, _ key: Key) -> [Effect] {
        if key == .ctrl("c") {
            // In a dialog with unsaved input, Ctrl-C asks before anything typed is lost.
            if case .dialog(let dialog) = state.mode { return DialogReducer.interrupt(&state, dialog) }
            return [.quit]
        }
        state.session?.touch(at: state.now)
        switch state.mode {
        case .dialog(let dialog):
            return DialogReducer.key(&state, dialog, key)
        case .help(let pane, let offset):
            if [.escape, .char("?"), .char("q"), .enter, .f1].contains(key) {
                state.mode = .normal
            } else {
                let (box, lines) = state.helpBox(pane)
                if let next = box.scroll(key, from: offset, lineCount: lines.count) {
                    state.mode = .help(pane, offset: next)
                }
            }
            return []
        case .messages(let offset):
            if [.escape, .char("q"), .enter].contains(key) {
                state.mode = .normal
            } else {
                let (box, lines) = state.messageBox
                if let next = box.scroll(key, from: offset, lineCount: lines.count) {
                    state.mode = .messages(offset: next)
                }
            }
            return []
        case .record(let seq, let offset):
            return recordKey(&state, key, seq: seq, offset: offset)
        case .sortMenu:
            if case .char(let c) = key, let column = QueueSortColumn.allCases.first(where: { $0.key == c }) {
                state.sortColumn = column
                state.mode = .normal
                state.refilterQueue()
                state.message = "Sorted by \(column.rawValue)."
            } else if key == .escape {
                state.mode = .normal
            }
            return []
        case .search(let pane, let query, let origin):
            return searchKey(&state, key, pane: pane, query: query, origin: origin)
        case .filter(let pane, let text):
            return filterKey(&state, key, pane: pane, text: text)
        case .command(let text):
            return commandKey(&state, key, text: text)
        case .prompt(let prompt, let text):
            return promptKey(&state, key, prompt: prompt, text: text)
        case .trends(let view):
            return trendsKey(&state, key, view)
        case .board(let view):
            return boardKey(&state, key, view)
        case .scorecard(let view):
            return scorecardKey(&state, key, view)
        case .normal:
            break
        }
        guard let command = KeyMap.command(for: key, in: state.focus, map: state.preferences.keyBindings) else {
            return []
        }
        state.message = nil
        return run(&state, command)
    }

    static func run(_ state: inout WorkstationState, _ command: Command) -> [Effect] {
        let pane = state.focus
        let page = pageRows(state, pane)
        switch command {
        case .moveDown: move(&state, pane, by: 1)
        case .moveUp: move(&state, pane, by: -1)
        case .top: move(&state, pane, to: 0)
        case .bottom: move(&state, pane, to: Int.max / 2)
        case .pageDown: move(&state, pane, by: page)
        case .pageUp: move(&state, pane, by: -page)
        case .halfPageDown: move(&state, pane, by: max(1, page / 2))
        case .halfPageUp: move(&state, pane, by: -max(1, page / 2))
        case .nextPane: focus(&state, Pane(rawValue: (pane.rawValue + 1) % Pane.allCases.count)!)
        case .previousPane:
            focus(&state, Pane(rawValue: (pane.rawValue + Pane.allCases.count - 1) % Pane.allCases.count)!)
        case .focusQueue: focus(&state, .queue)
        case .focusExceptions: focus(&state, .exceptions)
        case .focusDetail: focus(&state, .detail)
        case .focusAudit: focus(&state, .audit)
        case .drillDown:
            switch pane {
            case .queue: focus(&state, .exceptions)
            case .exceptions: focus(&state, .detail)
            case .detail: if !state.preferences.plain { state.zoomed = state.zoomed == nil ? pane : nil }
            case .audit:
                guard let seq = state.selectedAuditSeq else {
                    state.message = "No record selected."
                    return []
                }
                openRecord(&state, seq: seq)
            }
        case .zoom:
            if state.preferences.plain {
                state.message = "Plain mode shows one pane at a time: Tab and 1–4 switch."
                return []
            }
            state.zoomed = state.zoomed == nil ? pane : nil
            for pane in Pane.allCases where pane.isList { keepVisible(&state, pane) }
        case .auditScope:
            state.setAuditScope(state.auditScope == .all ? .batch : .all)
            state.message =
                state.auditScope == .all
                ? "Audit trail: every record of the journal (a: this batch's)."
                : "Audit trail: the selected batch's records (a: all)."
        case .back:
            if state.zoomed != nil {
                state.zoomed = nil
            } else if let filter = state.filters[pane], !filter.isEmpty {
                setFilter(&state, pane, "")
            } else {
                switch pane {
                case .queue: break
                case .exceptions, .audit: state.focus = .queue
                case .detail: state.focus = .exceptions
                }
            }
            for pane in Pane.allCases where pane.isList { keepVisible(&state, pane) }
        case .search:
            state.mode = .search(pane, query: "", origin: state.cursor(pane).selected)
        case .searchNext, .searchPrevious:
            guard let query = state.lastSearch, !query.isEmpty else {
                state.message = "No search yet: press / to search."
                return []
            }
            let forward = command == .searchNext
            let start = state.cursor(pane).selected + (forward ? 1 : -1)
            if let hit = findMatch(state, pane, query, from: start, forward: forward) {
                move(&state, pane, to: hit)
            } else {
                state.message = "No match for “\(query)”."
            }
        case .filter:
            state.mode = .filter(pane, text: state.filters[pane] ?? "")
        case .sort:
            state.mode = .sortMenu
        case .reverseSort:
            state.sortReversed.toggle()
            state.refilterQueue()
        case .help:
            state.mode = .help(pane, offset: 0)
        case .commandLine:
            state.mode = .command("")
        case .redraw:
            return [.redraw]
        case .copyID:
            guard let id = selectedID(state) else {
                state.message = "Nothing selected to copy."
                return []
            }
            guard state.preferences.copyToClipboard else {
                state.message = "Copying is off: clipboard = \"osc52\" in config.toml turns it on."
                return []
            }
            state.message = "Sent \(id.kind) \(id.value) to the terminal's clipboard (OSC 52)."
            return [.copy(id.value)]
        case .reload:
            state.message = "Reloaded."
            return [.reload]
        case .quit:
            return [.quit]
        case .justify, .retest, .openDeviation, .approveDeviation, .certify, .reject, .hold, .reviewAuditTrail,
            .investigateOOS,
            .fullReview:
            return DialogReducer.open(&state, command)
        case .trends:
            do throws(TrendError) {
                state.mode = .trends(try TrendView.forSelection(state))
            } catch {
                state.message = "No trend chart: \(error.message)."
            }
        case .board:
            openBoard(&state, .all)
        case .oversight:
            state.mode = .scorecard(ScorecardView.open(state.desk, now: state.now))
        }
        return []
    }

    // MARK: Copy and mouse

    /// The id of what is selected in the focused pane: the batch in the queue, the exception in the exception
    /// list, the deviation of the exception in the detail pane (else the exception, else the batch), the
    /// record's seq in the audit trail.
    public static func selectedID(_ state: WorkstationState) -> (kind: String, value: String)? {
        switch state.focus {
        case .queue:
            return state.selectedBatchID.map { ("batch", $0) }
        case .exceptions:
            return state.selectedException.map { ("exception", $0.id) }
        case .detail:
            if let exception = state.selectedException {
                if let deviation = state.desk.release.dispositions[exception.id]?.last?.deviation {
                    return ("deviation", deviation)
                }
                return ("exception", exception.id)
            }
            return state.selectedBatchID.map { ("batch", $0) }
        case .audit:
            return state.selectedAuditSeq.map { ("record", String($0)) }
        }
    }

    /// Rows one turn of the wheel moves.
    public static let wheelRows = 3

    /// A click selects the row under it and focuses its pane; the wheel scrolls what is under it (or the box
    /// shown over the panes). Ignored when the mouse is off, and while typing or in a dialog.
    static func mouse(_ state: inout WorkstationState, _ event: MouseEvent) -> [Effect] {
        guard state.preferences.mouse, !state.size.isTooSmall else { return [] }
        let wheel: Int?
        switch event.action {
        case .wheelUp: wheel = -wheelRows
        case .wheelDown: wheel = wheelRows
        case .press(button: 0): wheel = nil
        default: return []
        }
        switch state.mode {
        case .normal:
            break
        case .help, .messages, .record, .trends, .board, .scorecard:
            guard let wheel else { return [] }
            let key: Key = wheel < 0 ? .up : .down
            var effects: [Effect] = []
            for _ in 0..<abs(wheel) { effects += workingKey(&state, key) }
            return effects
        default:
            return []
        }
        let layout = state.layout
        guard
            let (pane, rect) = layout.panes.first(where: { _, r in
                event.x >= r.x && event.x < r.x + r.width && event.y >= r.y && event.y < r.y + r.height
            })
        else { return [] }
        state.session?.touch(at: state.now)
        if let wheel {
            move(&state, pane, by: wheel)
            return []
        }
        if state.focus != pane { focus(&state, pane) }
        guard pane.isList else { return [] }
        let top = layout.listTop(pane)
        let row = event.y - top
        guard row >= 0, row < layout.listRows(pane), event.x > rect.x, event.x < rect.x + rect.width - 1 else {
            return []
        }
        let index = state.cursor(pane).offset + row
        if index < state.rowCount(pane) { move(&state, pane, to: index) }
        return []
    }

    // MARK: The record view

    /// Shows record `seq` in full, its raw line escaped once here rather than at every frame.
    static func openRecord(_ state: inout WorkstationState, seq: Int64) {
        state.mode = .record(seq: seq, offset: 0)
        state.recordText = RecordView.record(state, seq: seq).map {
            RecordView.text(of: $0, asciiOnly: !state.preferences.unicode)
        }
    }

    static func recordKey(_ state: inout WorkstationState, _ key: Key, seq: Int64, offset: Int) -> [Effect] {
        let page = max(1, state.size.height - 6)
        let maxOffset = RecordView.maxOffset(state, seq: seq)
        var next = offset
        switch key {
        case .escape, .char("q"), .enter:
            state.mode = .normal
            state.recordText = nil
            return []
        case .char("j"), .down: next += 1
        case .char("k"), .up: next -= 1
        case .pageDown, .ctrl("d"), .char(" "): next += page
        case .pageUp, .ctrl("u"): next -= page
        case .char("g"), .home: next = 0
        case .char("G"), .end: next = maxOffset
        case .char("n"), .char("p"):
            // The next or previous record of the pane, without closing the view.
            let delta = key == .char("n") ? 1 : -1
            move(&state, .audit, by: delta)
            if let seq = state.selectedAuditSeq { openRecord(&state, seq: seq) }
            return []
        default:
            return []
        }
        state.mode = .record(seq: seq, offset: max(0, min(next, maxOffset)))
        return []
    }

    // MARK: The deviation board

    static func openBoard(_ state: inout WorkstationState, _ section: BoardView.Section) {
        guard let user = state.user?.id else { return }
        state.mode = .board(BoardView.open(state.desk, user: user, section: section))
    }

    static func boardKey(_ state: inout WorkstationState, _ key: Key, _ view: BoardView) -> [Effect] {
        var view = view
        let rows = BoardLayout(size: state.size).listRows
        let at = view.cursor.selected
        switch key {
        case .escape, .char("q"):
            state.mode = .normal
            return []
        case .tab, .backTab, .char("m"):
            view = BoardView.open(state.desk, user: view.user, section: view.section == .all ? .mine : .all)
        case .char("j"), .down: view.move(to: at + 1, rows: rows)
        case .char("k"), .up: view.move(to: at - 1, rows: rows)
        case .pageDown, .ctrl("d"), .char(" "): view.move(to: at + rows, rows: rows)
        case .pageUp, .ctrl("u"): view.move(to: at - rows, rows: rows)
        case .char("g"), .home: view.move(to: 0, rows: rows)
        case .char("G"), .end: view.move(to: view.items.count - 1, rows: rows)
        case .enter:
            guard let item = view.selectedItem, let batch = item.batch else {
                state.message = "Select a deviation or a batch: Enter shows its batch."
                return []
            }
            guard state.selectBatch(batch) else {
                state.message = "\(batch) is not in the queue (infused batches are history)."
                return []
            }
            state.mode = .normal
            if case .deviation(let row, _) = item, let d = state.desk.release.deviations[row.id],
                let index = state.exceptionRows.firstIndex(where: { d.exceptions.contains($0.id) })
            {
                // The deviation's content is in the detail pane of the exception it was opened from.
                focus(&state, .exceptions)
                move(&state, .exceptions, to: index)
                focus(&state, .detail)
                state.message = "\(row.id) on \(batch): its exception and content in the detail pane."
            } else {
                focus(&state, .queue)
                state.message = "Selected \(batch)."
            }
            return []
        default:
            return []
        }
        state.mode = .board(view)
        return []
    }

    // MARK: The trend view

    static func trendsKey(_ state: inout WorkstationState, _ key: Key, _ view: TrendView) -> [Effect] {
        let back = view.back
        var view = view
        let layout = TrendLayout(size: state.size)
        let lineCount = view.signalLines(width: layout.inner.width, unicode: state.preferences.unicode).count
        switch key {
        case .escape, .char("q"):
            // Opened from the scorecard: back to it, with figures as of now.
            state.mode = back.map { .scorecard($0.refreshed(state.desk, now: state.now)) } ?? .normal
            return []
        case .left, .char("h"):
            view = view.nextAttribute(state.desk, by: -1)
            view.offset = 0
        case .right, .char("l"):
            view = view.nextAttribute(state.desk, by: 1)
            view.offset = 0
        case .tab:
            guard let next = view.nextSite(state.desk) else {
                state.message = "\(view.product) is made at no other site to compare."
                return []
            }
            view = next
            view.offset = 0
        case .char("j"), .down: view.offset += 1
        case .char("k"), .up: view.offset -= 1
        case .pageDown, .ctrl("d"), .char(" "): view.offset += layout.signalRows
        case .pageUp, .ctrl("u"): view.offset -= layout.signalRows
        case .char("g"), .home: view.offset = 0
        case .char("G"), .end: view.offset = Int.max / 2
        default:
            return []
        }
        view.offset = max(0, min(view.offset, layout.maxOffset(lineCount)))
        view.back = back
        state.mode = .trends(view)
        return []
    }

    // MARK: The scorecard view

    static func scorecardKey(_ state: inout WorkstationState, _ key: Key, _ view: ScorecardView) -> [Effect] {
        var view = view
        let layout = ScorecardLayout(size: state.size)
        let lineCount = view.lines().count
        let sites = view.card.sites.count
        switch key {
        case .escape, .char("q"):
            state.mode = .normal
            return []
        case .left, .char("h"), .backTab:
            if sites > 0 { view.selected = (view.selected + sites - 1) % sites }
        case .right, .char("l"), .tab:
            if sites > 0 { view.selected = (view.selected + 1) % sites }
        case .enter, .char("t"):
            do throws(TrendError) {
                state.mode = .trends(try view.trendView(state.desk))
            } catch {
                state.message = "No trend chart: \(error.message)."
            }
            return []
        case .char("j"), .down: view.offset += 1
        case .char("k"), .up: view.offset -= 1
        case .pageDown, .ctrl("d"), .char(" "): view.offset += layout.rows
        case .pageUp, .ctrl("u"): view.offset -= layout.rows
        case .char("g"), .home: view.offset = 0
        case .char("G"), .end: view.offset = Int.max / 2
        default:
            return []
        }
        view.offset = max(0, min(view.offset, layout.maxOffset(lineCount)))
        state.mode = .scorecard(view)
        return []
    }

    /// `:trends` (the selected batch), `:trends ATTRIBUTE` (of the selected batch's product) or
    /// `:trends PRODUCT SITE ATTRIBUTE`.
    static func openTrends(_ state: inout WorkstationState, _ argument: String) {
        let words = argument.split(separator: " ").map(String.init)
        do throws(TrendError) {
            switch words.count {
            case 0:
                state.mode = .trends(try TrendView.forSelection(state))
            case 1:
                guard let batchID = state.selectedBatchID, let batch = state.desk.batches[batchID]?.batch else {
                    throw TrendError("batch", "select a batch first (or :trends PRODUCT SITE ATTRIBUTE)")
                }
                state.mode = .trends(
                    try TrendView.open(
                        state.desk, product: batch.product, site: batch.site, attribute: words[0], batch: batchID))
            case 3:
                let selected = state.selectedBatchID.flatMap { state.desk.batches[$0]?.batch }
                let marked = selected.flatMap { $0.product == words[0] && $0.site == words[1] ? $0.id : nil }
                state.mode = .trends(
                    try TrendView.open(
                        state.desk, product: words[0], site: words[1], attribute: words[2], batch: marked))
            default:
                throw TrendError("trends", "give nothing, an attribute, or a product, a site and an attribute")
            }
        } catch {
            state.message = "No trend chart: \(error.description)."
        }
    }

    // MARK: Text fields

    static func searchKey(_ state: inout WorkstationState, _ key: Key, pane: Pane, query: String, origin: Int)
        -> [Effect]
    {
        var query = query
        switch key {
        case .escape:
            state.mode = .normal
            move(&state, pane, to: origin)
            return []
        case .enter:
            state.mode = .normal
            state.lastSearch = query.isEmpty ? state.lastSearch : query
            if !query.isEmpty && findMatch(state, pane, query, from: origin, forward: true) == nil {
                state.message = "No match for “\(query)”."
            }
            return []
        case .backspace:
            _ = query.popLast()
        case .char(let c):
            query.append(c)
        default:
            return []
        }
        state.mode = .search(pane, query: query, origin: origin)
        // While typing, the selection shows the first match from where the search began, or stays there.
        move(&state, pane, to: findMatch(state, pane, query, from: origin, forward: true) ?? origin)
        return []
    }

    static func filterKey(_ state: inout WorkstationState, _ key: Key, pane: Pane, text: String) -> [Effect] {
        var text = text
        switch key {
        case .escape:
            state.mode = .normal
            setFilter(&state, pane, "")
            return []
        case .enter:
            state.mode = .normal
            return []
        case .backspace:
            _ = text.popLast()
        case .char(let c):
            text.append(c)
        default:
            return []
        }
        state.mode = .filter(pane, text: text)
        setFilter(&state, pane, text)
        return []
    }

    static func commandKey(_ state: inout WorkstationState, _ key: Key, text: String) -> [Effect] {
        var text = text
        switch key {
        case .escape:
            state.mode = .normal
            return []
        case .tab:
            let word = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            if !text.contains(" ") {
                let candidates = lineCommands.filter { $0.hasPrefix(word) }
                if candidates.count == 1 {
                    text = candidates[0] + " "
                } else if !candidates.isEmpty {
                    state.message = candidates.joined(separator: "  ")
                }
            } else if word == "sort" {
                let rest = String(text.dropFirst(5))
                let candidates = QueueSortColumn.allCases.map(\.rawValue).filter { $0.hasPrefix(rest) }
                if candidates.count == 1 {
                    text = "sort " + candidates[0]
                } else if !candidates.isEmpty {
                    state.message = candidates.joined(separator: "  ")
                }
            }
        case .backspace:
            _ = text.popLast()
        case .char(let c):
            text.append(c)
        case .enter:
            state.mode = .normal
            return execute(&state, text)
        default:
            return []
        }
        state.mode = .command(text)
        return []
    }

    /// Active QA users whose id starts with `prefix`, for completion of `:assign`.
    static func assignees(_ state: WorkstationState, prefix: String) -> [String] {
        state.desk.users.values.filter { $0.roles.contains(.qa) && !$0.isLocked && $0.id.hasPrefix(prefix) }.map(\.id)
            .sorted()
    }

    static func promptKey(_ state: inout WorkstationState, _ key: Key, prompt: Prompt, text: String) -> [Effect] {
        var text = text
        switch key {
        case .escape:
            state.mode = .normal
            return []
        case .enter:
            state.mode = .normal
            let answer = text.trimmingSpaces
            switch prompt {
            case .assignee(let batch):
                if answer.isEmpty {
                    state.message = "Not assigned: no user id given."
                    return []
                }
                return answer == "-" ? [.unassign(batch: batch)] : [.assign(batch: batch, to: answer)]
            }
        case .tab:
            if case .assignee = prompt {
                let candidates = assignees(state, prefix: text)
                if candidates.count == 1 {
                    text = candidates[0]
                } else if !candidates.isEmpty {
                    state.message = candidates.joined(separator: "  ")
                }
            }
        case .backspace:
            _ = text.popLast()
        case .char(let c):
            if text.count < 64 { text.append(c) }
        default:
            return []
        }
        state.mode = .prompt(prompt, text: text)
        return []
    }

    static func execute(_ state: inout WorkstationState, _ line: String) -> [Effect] {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard let name = parts.first else { return [] }
        let argument = parts.count > 1 ? parts[1].trimmingSpaces : ""
        switch name {
        case "q", "quit": return [.quit]
        case "help": state.mode = .help(state.focus, offset: 0)
        case "messages":
            // Newest at the bottom, shown first.
            let (box, lines) = state.messageBox
            state.mode = .messages(offset: box.maxOffset(lines.count))
        case "reload": return run(&state, .reload)
        case "queue": focus(&state, .queue)
        case "exceptions": focus(&state, .exceptions)
        case "detail": focus(&state, .detail)
        case "audit": focus(&state, .audit)
        case "trends": openTrends(&state, argument)
        case "board", "deviations":
            switch argument {
            case "": openBoard(&state, .all)
            case "mine": openBoard(&state, .mine)
            default: state.message = ":\(name) takes nothing, or mine (your own work)."
            }
        case "oversight", "scorecard": state.mode = .scorecard(ScorecardView.open(state.desk, now: state.now))
        case "assign", "unassign":
            guard let batch = state.selectedBatchID else {
                state.message = "Select a batch first."
                return []
            }
            if state.readOnly {
                state.message = "Read-only: nothing can be written (integrity alarm or --readonly)."
                return []
            }
            if name == "unassign" || argument == "-" { return [.unassign(batch: batch)] }
            if argument.isEmpty {
                state.mode = .prompt(.assignee(batch: batch), text: "")
                return []
            }
            return [.assign(batch: batch, to: argument)]
        case "filter":
            if state.focus.isList { setFilter(&state, state.focus, argument) }
        case "sort":
            if let column = QueueSortColumn(rawValue: argument) {
                state.sortColumn = column
                state.refilterQueue()
            } else {
                state.message =
                    "Sort by one of: " + QueueSortColumn.allCases.map(\.rawValue).joined(separator: ", ") + "."
            }
        default:
            state.message = "Unknown command “\(name)”; Tab completes, :help lists the keys."
        }
        return []
    }

    // MARK: Helpers

    static func pageRows(_ state: WorkstationState, _ pane: Pane) -> Int {
        max(1, state.layout.listRows(pane))
    }

    static func focus(_ state: inout WorkstationState, _ pane: Pane) {
        state.focus = pane
        if state.zoomed != nil { state.zoomed = pane }
        keepVisible(&state, pane)
    }

    static func keepVisible(_ state: inout WorkstationState, _ pane: Pane) {
        guard pane.isList else { return }
        var c = state.cursor(pane)
        c.keepVisible(count: state.rowCount(pane), rows: state.layout.listRows(pane))
        state.cursors[pane] = c
    }

    static func move(_ state: inout WorkstationState, _ pane: Pane, by delta: Int) {
        if pane == .detail {
            var c = state.cursor(.detail)
            c.offset = max(0, min(c.offset + delta, DetailContent.maxOffset(state)))
            state.cursors[.detail] = c
            return
        }
        move(&state, pane, to: state.cursor(pane).selected + delta)
    }

    static func move(_ state: inout WorkstationState, _ pane: Pane, to index: Int) {
        if pane == .detail {
            var c = state.cursor(.detail)
            c.offset = max(0, min(index, DetailContent.maxOffset(state)))
            state.cursors[.detail] = c
            return
        }
        var c = state.cursor(pane)
        c.select(index, count: state.rowCount(pane), rows: state.layout.listRows(pane))
        state.cursors[pane] = c
        if pane == .queue { state.syncSelectedBatch() }
        if pane == .exceptions { state.cursors[.detail] = ListCursor() }
    }

    static func setFilter(_ state: inout WorkstationState, _ pane: Pane, _ text: String) {
        state.filters[pane] = text.isEmpty ? nil : text
        if pane == .queue {
            state.refilterQueue()
        } else if pane == .audit {
            state.rebuildAudit(follow: true)
        } else {
            var c = state.cursor(pane)
            c.select(pane == .audit ? Int.max / 2 : 0, count: state.rowCount(pane), rows: state.layout.listRows(pane))
            state.cursors[pane] = c
        }
    }

    /// The first row at or after `start` (before, when not `forward`) whose text contains `query`, wrapping.
    static func findMatch(_ state: WorkstationState, _ pane: Pane, _ query: String, from start: Int, forward: Bool)
        -> Int?
    {
        let count = state.rowCount(pane)
        guard count > 0, !query.isEmpty else { return nil }
        let needle = query.lowercased()
        if pane == .queue && forward {
            return state.firstQueueMatch(needle, from: ((start % count) + count) % count)
        }
        let text: (Int) -> String
        switch pane {
        case .exceptions:
            let rows = state.exceptionRows.map { WorkstationState.searchText(of: $0).lowercased() }
            text = { rows[$0] }
        case .audit:
            // Rows are texted one at a time, from the start: a search over a million records stops at its match.
            text = { state.auditRecord($0).map { WorkstationState.searchText(of: $0).lowercased() } ?? "" }
        default:
            text = { state.rowText(pane, $0) }
        }
        var index = ((start % count) + count) % count
        for _ in 0..<count {
            if text(index).contains(needle) { return index }
            index = forward ? (index + 1) % count : (index + count - 1) % count
        }
        return nil
    }
}
