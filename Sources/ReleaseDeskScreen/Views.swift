import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The bottom line: who is signed in, the keys that matter now, and the last message, or the text being
/// typed into a search, filter or command.
enum StatusLine {
    static func draw(_ state: WorkstationState, in rect: Rect, into buffer: inout CellBuffer) {
        buffer.fill(rect, .statusLine)
        let y = rect.y
        switch state.mode {
        case .search(let pane, let query, _):
            let matches = state.rowCount(pane)
            buffer.put("/" + query + "▏", x: 0, y: y, maxWidth: rect.width, .input)
            let hint = "Enter keep · Esc cancel · \(matches) rows in \(pane.name)"
            buffer.put(hint, x: max(0, rect.width - DisplayWidth.of(hint) - 1), y: y, .statusLine)
            return
        case .filter(let pane, let text):
            let shown = state.rowCount(pane)
            buffer.put("filter: " + text + "▏", x: 0, y: y, maxWidth: rect.width, .input)
            let hint = "\(shown) shown · Enter keep · Esc clear"
            buffer.put(hint, x: max(0, rect.width - DisplayWidth.of(hint) - 1), y: y, .statusLine)
            return
        case .command(let text):
            buffer.put(":" + text + "▏", x: 0, y: y, maxWidth: rect.width, .input)
            if let message = state.message {
                buffer.put(message, x: max(0, rect.width - DisplayWidth.of(message) - 1), y: y, .message)
            }
            return
        default:
            break
        }
        var x = 0
        if let user = state.user {
            let roles = user.roles.sorted().map { $0.rawValue.uppercased() }.joined(separator: "+")
            x += buffer.put(" \(roles) \(user.id) ", x: x, y: y, .statusUser)
        }
        if state.readOnly { x += buffer.put(" read-only ", x: x, y: y, .alarm) }
        if state.chain.connection != nil { x += buffer.put(" ⚠ store offline, reconnecting ", x: x, y: y, .alarm) }
        if state.user != nil, !state.chain.signaturesVerified, state.chain.alarm == nil {
            // The whole file and every signature (and a snapshot's state) are still being verified.
            x += buffer.put(" verifying · no signing yet ", x: x, y: y, .dim)
        }
        if let user = state.user, user.roles.contains(.supervisor) || user.roles.contains(.admin) {
            // 21 CFR 11.300: locked accounts are shown to supervisors (the records are in the audit trail).
            let locked = state.desk.users.values.filter(\.isLocked).count
            if locked > 0 { x += buffer.put(" ⚠ \(locked) account(s) locked ", x: x, y: y, .major) }
        }
        x += 1
        var hints: [(String, String)] = []
        for binding in KeyMap.bindings(in: state.focus) {
            guard let hint = binding.hint, let key = binding.keys.first else { continue }
            hints.append((key.label, hint))
        }
        let messageWidth = state.message.map { DisplayWidth.of($0) + 2 } ?? 0
        for (key, word) in hints {
            let need = DisplayWidth.of(key) + DisplayWidth.of(word) + 3
            if x + need > rect.width - messageWidth { break }
            x += buffer.put(key, x: x, y: y, .statusKey)
            x += buffer.put(" " + word + "  ", x: x, y: y, .statusLine)
        }
        if let message = state.message {
            let start = max(x, rect.width - DisplayWidth.of(message) - 1)
            buffer.put(message, x: start, y: y, maxWidth: rect.width - start, .message)
        }
    }
}

/// `?`: the keys of the focused pane, generated from the key map.
enum HelpView {
    static func draw(_ pane: Pane, state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let bindings = KeyMap.bindings(in: pane)
        let inner = Screen.dialog(
            width: 72, height: bindings.count + 4, title: "Keys · \(pane.name) (Esc closes)", in: state.size, box: box,
            into: &buffer)
        for (row, binding) in bindings.enumerated() where row < inner.height - 1 {
            let keys = binding.keys.map(\.label).joined(separator: " ")
            buffer.putCell(keys, x: inner.x, y: inner.y + row, columns: 16, .statusKey)
            buffer.putCell(
                binding.summary, x: inner.x + 17, y: inner.y + row, columns: max(0, inner.width - 17), .dialog)
        }
        buffer.put(
            "Upper-case keys change data; a signature is never a lower-case or Ctrl key.", x: inner.x,
            y: inner.y + inner.height - 1, maxWidth: inner.width, .dialog)
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
            buffer.put(value + (active ? "▏" : ""), x: boxX, y: y, maxWidth: width, .input)
            if active { buffer.put("▶", x: inner.x + 9, y: y, .selection) }
            y += 2
        }
        field("User id", form.user, active: form.field == .user)
        field("Password", String(repeating: "•", count: form.password.count), active: form.field == .password)
        if let message = form.message {
            buffer.put(message, x: inner.x, y: y, maxWidth: inner.width, form.busy ? .dim : .critical)
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
