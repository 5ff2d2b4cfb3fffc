import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The bottom line: who is signed in, the keys that matter now, and the last message, or the text being
/// typed into a search, filter or command. Everything on it fits the width or ends with `…`; `:messages`
/// shows messages in full.
enum StatusLine {
    /// Typed text with its cursor, showing the end of what was typed when it is wider than `columns`.
    static func input(_ prefix: String, _ text: String, columns: Int, buffer: CellBuffer) -> String {
        let whole = prefix + text + "▏"
        guard buffer.width(of: whole) > columns, columns > 2 else { return whole }
        var tail = ""
        for ch in (text + "▏").reversed() {
            let next = String(ch) + tail
            if buffer.width(of: prefix + "…" + next) > columns { break }
            tail = next
        }
        return prefix + "…" + tail
    }

    /// Typed text on the left, and a hint on the right when there is room for both.
    static func typing(_ shown: String, hint: String, in rect: Rect, into buffer: inout CellBuffer, hintRole: StyleRole)
    {
        let used = buffer.putFitted(shown, x: 0, y: rect.y, columns: rect.width, .input)
        buffer.cursor = CellPoint(x: max(0, used - 1), y: rect.y)
        let room = rect.width - used - 2
        guard room > 0 else { return }
        let fitted = buffer.fitted(hint, to: room)
        buffer.put(fitted, x: rect.width - buffer.width(of: fitted) - 1, y: rect.y, hintRole)
    }

    static func draw(_ state: WorkstationState, in rect: Rect, into buffer: inout CellBuffer) {
        buffer.fill(rect, .statusLine)
        let y = rect.y
        let inputColumns = max(1, rect.width * 2 / 3)
        switch state.mode {
        case .search(let pane, let query, _):
            let matches = state.rowCount(pane)
            let shown = input("/", query, columns: inputColumns, buffer: buffer)
            typing(
                shown, hint: "Enter keep · Esc cancel · \(matches) rows in \(pane.name)", in: rect, into: &buffer,
                hintRole: .statusLine)
            return
        case .filter(let pane, let text):
            let shown = input("filter: ", text, columns: inputColumns, buffer: buffer)
            typing(
                shown, hint: "\(state.rowCount(pane)) shown · Enter keep · Esc clear", in: rect, into: &buffer,
                hintRole: .statusLine)
            return
        case .command(let text):
            let shown = input(":", text, columns: state.message == nil ? rect.width : inputColumns, buffer: buffer)
            typing(shown, hint: state.message ?? "", in: rect, into: &buffer, hintRole: .message)
            return
        case .prompt(let prompt, let text):
            let shown = input(prompt.question, text, columns: inputColumns, buffer: buffer)
            typing(
                shown, hint: state.message ?? "Enter confirms · Tab completes · Esc cancels", in: rect, into: &buffer,
                hintRole: state.message == nil ? .statusLine : .message)
            return
        default:
            break
        }
        var x = 0
        func badge(_ text: String, _ role: StyleRole) {
            x += buffer.putFitted(text, x: x, y: y, columns: rect.width - x, role)
        }
        if let user = state.user {
            let roles = user.roles.sorted().map { $0.rawValue.uppercased() }.joined(separator: "+")
            badge(" \(roles) \(user.id) ", .statusUser)
        }
        if state.readOnly { badge(" read-only ", .alarm) }
        if state.chain.connection != nil { badge(" ⚠ store offline, reconnecting ", .alarm) }
        if state.user != nil, !state.chain.signaturesVerified, state.chain.alarm == nil {
            // The whole file and every signature (and a snapshot's state) are still being verified.
            badge(" verifying · no signing yet ", .dim)
        }
        if let user = state.user, user.roles.contains(.supervisor) || user.roles.contains(.admin) {
            // 21 CFR 11.300: locked accounts are shown to supervisors (the records are in the audit trail).
            let locked = state.desk.users.values.filter(\.isLocked).count
            if locked > 0 { badge(" ⚠ \(locked) account(s) locked ", .major) }
        }
        x += 1
        var hints: [(String, String)] = []
        for binding in KeyMap.bindings(in: state.focus, map: state.preferences.keyBindings) {
            guard let hint = binding.hint, let key = binding.keys.first else { continue }
            hints.append((key.label, hint))
        }
        let messageWidth = state.message.map { buffer.width(of: $0) + 2 } ?? 0
        for (key, word) in hints {
            let need = buffer.width(of: key) + buffer.width(of: word) + 3
            if x + need > rect.width - messageWidth { break }
            x += buffer.put(key, x: x, y: y, .statusKey)
            x += buffer.put(" " + word + "  ", x: x, y: y, .statusLine)
        }
        if let message = state.message, x < rect.width - 1 {
            let fitted = buffer.fitted(message, to: rect.width - x - 1)
            buffer.put(fitted, x: rect.width - buffer.width(of: fitted) - 1, y: y, .message)
        }
    }
}

/// A box over the panes with lines that scroll: help, the message log.
enum ScrollView {
    static func draw(
        _ lines: [StyledLine], box: ScrollBox, offset: Int, title: String, footer: String, state: WorkstationState,
        into buffer: inout CellBuffer, chars: BoxChars
    ) {
        let inner = Screen.dialog(
            width: box.width, height: box.height, title: title, in: state.size, box: chars, into: &buffer)
        let offset = max(0, min(offset, box.maxOffset(lines.count)))
        buffer.cursor = CellPoint(x: inner.x, y: inner.y)
        for row in 0..<box.rows {
            let index = offset + row
            guard index < lines.count else { break }
            var x = inner.x
            let end = inner.x + inner.width
            for segment in lines[index].segments {
                let role: StyleRole
                switch segment.style {
                case .label: role = .statusKey
                case .plain: role = .dialog
                default: role = StyleRole.of(segment.style)
                }
                x += buffer.put(segment.text, x: x, y: inner.y + row, maxWidth: end - x, role)
            }
        }
        let position = box.position(offset: offset, lineCount: lines.count)
        let hint = lines.count > box.rows ? footer + " · " + position : footer
        buffer.putCell(hint, x: inner.x, y: inner.y + inner.height - 1, columns: inner.width, .dim)
    }
}

/// `?`: the keys of the focused pane (the session's key map), the filter syntaxes and the command line.
enum HelpView {
    static func draw(_ pane: Pane, offset: Int, state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let (scroll, lines) = state.helpBox(pane)
        ScrollView.draw(
            lines, box: scroll, offset: offset, title: "Keys · \(pane.name) (Esc closes)",
            footer: "j/k ↑↓ PgUp/PgDn Home/End scroll", state: state, into: &buffer, chars: box)
    }
}

/// `:messages`: the last messages of the status line, in full.
enum MessagesView {
    static func draw(offset: Int, state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let (scroll, lines) = state.messageBox
        ScrollView.draw(
            lines, box: scroll, offset: offset, title: "Messages (Esc closes)",
            footer: "j/k ↑↓ PgUp/PgDn Home/End scroll", state: state, into: &buffer, chars: box)
    }
}

/// `s`: choose the column to sort the queue by.
enum SortMenuView {
    static func draw(_ state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let columns = QueueSortColumn.allCases
        let inner = Screen.dialog(
            width: 34, height: columns.count + 3, title: "Sort the queue by", in: state.size, box: box, into: &buffer)
        for (row, column) in columns.enumerated() where row < inner.height {
            let mark = column == state.sortColumn ? " ◀" : ""
            buffer.put(String(column.key), x: inner.x, y: inner.y + row, .statusKey)
            buffer.put(
                "  " + column.rawValue + mark, x: inner.x + 1, y: inner.y + row, maxWidth: inner.width - 1, .dialog)
        }
        buffer.put("Esc cancels · S reverses", x: inner.x, y: inner.y + inner.height - 1, maxWidth: inner.width, .dim)
    }
}

/// The sign-in form: nothing from the journal shows before it succeeds.
enum SignInView {
    static func draw(_ state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let form = state.signIn
        let height = 12 + (form.demoUsers.isEmpty ? 0 : form.demoUsers.count + 2)
        let title = state.locked ? "ReleaseDesk · locked" : "ReleaseDesk · sign in"
        let inner = Screen.dialog(width: 64, height: height, title: title, in: state.size, box: box, into: &buffer)
        var y = inner.y
        buffer.put("Journal: " + state.journalName, x: inner.x, y: y, maxWidth: inner.width, .dim)
        y += 2
        func field(_ label: String, _ value: String, active: Bool) {
            buffer.put(label, x: inner.x, y: y, .label)
            let boxX = inner.x + 11
            let width = max(1, inner.width - 11)
            buffer.fill(Rect(x: boxX, y: y, width: width, height: 1), .input)
            let used = buffer.put(value + (active ? "▏" : ""), x: boxX, y: y, maxWidth: width, .input)
            if active { buffer.cursor = CellPoint(x: boxX + max(0, used - 1), y: y) }
            if active { buffer.put("▶", x: inner.x + 9, y: y, .selection) }
            y += 2
        }
        field("User id", form.user, active: form.field == .user)
        field("Password", String(repeating: "•", count: form.password.count), active: form.field == .password)
        if let message = form.message {
            buffer.putFitted(message, x: inner.x, y: y, columns: inner.width, form.busy ? .dim : .critical)
        }
        y += 2
        buffer.put("Enter next/sign in · Tab switch field · Ctrl-C quit", x: inner.x, y: y, maxWidth: inner.width, .dim)
        y += 1
        if !form.demoUsers.isEmpty {
            y += 1
            buffer.put("Demo users (user id · roles · password):", x: inner.x, y: y, maxWidth: inner.width, .heading)
            y += 1
            for user in form.demoUsers {
                buffer.put(
                    "  \(user.id) · \(user.roles) · \(user.password)", x: inner.x, y: y, maxWidth: inner.width, .text)
                y += 1
            }
        }
    }
}

/// Below the minimum size: a centred message; `q` still quits.
enum TooSmallView {
    static func draw(_ state: WorkstationState, into buffer: inout CellBuffer) {
        let lines = [
            "ReleaseDesk needs at least \(Size.minimum.width)×\(Size.minimum.height).",
            "This terminal is \(state.size.width)×\(state.size.height).",
            "Enlarge it, or press q to quit.",
        ]
        let top = max(0, (state.size.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            let w = DisplayWidth.of(line)
            buffer.put(
                line, x: max(0, (state.size.width - w) / 2), y: top + i, maxWidth: state.size.width,
                i == 0 ? .heading : .text)
        }
    }
}
