import ReleaseDeskCore

/// A box drawn over the panes that scrolls (help, the message log): its size for a terminal and how far it
/// can scroll. The reducer and the screen use the same numbers.
public struct ScrollBox: Equatable, Sendable {
    /// Outer width and height of the box.
    public var width: Int
    public var height: Int
    /// Columns of text inside the border.
    public var textWidth: Int
    /// Rows of scrolling text; the last row inside the border says where one is and how to move.
    public var rows: Int

    /// The box for `lineCount` lines on a terminal of `size`, at most `maxWidth` wide.
    public init(lineCount: Int, size: Size, maxWidth: Int = 76) {
        width = max(10, min(maxWidth, size.width - 2))
        height = max(4, min(lineCount + 3, size.height - 2))
        textWidth = width - 4
        rows = max(1, height - 3)
    }

    /// The largest offset for `lineCount` lines.
    public func maxOffset(_ lineCount: Int) -> Int { max(0, lineCount - rows) }

    /// The offset after `key` from `offset` (nil: the key does not scroll).
    public func scroll(_ key: Key, from offset: Int, lineCount: Int) -> Int? {
        var next = offset
        switch key {
        case .char("j"), .down: next += 1
        case .char("k"), .up: next -= 1
        case .pageDown, .ctrl("d"), .char(" "): next += rows
        case .pageUp, .ctrl("u"): next -= rows
        case .char("g"), .home: next = 0
        case .char("G"), .end: next = Int.max / 2
        default: return nil
        }
        return max(0, min(next, maxOffset(lineCount)))
    }

    /// "lines a–b of n", for the box's last row.
    public func position(offset: Int, lineCount: Int) -> String {
        lineCount <= rows ? "" : "\(offset + 1)–\(min(lineCount, offset + rows)) of \(lineCount)"
    }
}

/// What `?` shows: the keys of the pane (from the session's key map), then the filter and search syntaxes and
/// the command line, as lines that fit the help box. A pure function of the pane, the key map and the width.
public enum HelpContent {
    /// Columns of the keys column.
    public static let keyColumns = 16

    public static func lines(_ pane: Pane, map: [KeyBinding], width: Int) -> [StyledLine] {
        var out: [StyledLine] = []
        for binding in KeyMap.bindings(in: pane, map: map) {
            let keys = DisplayWidth.pad(
                DisplayWidth.truncate(binding.keys.map(\.label).joined(separator: " "), to: keyColumns),
                to: keyColumns)
            let summary = DisplayWidth.truncate(binding.summary, to: max(1, width - keyColumns - 1))
            out.append(StyledLine([(.label, keys), (.plain, " " + summary)]))
        }
        func blank() { out.append(StyledLine([(.plain, "")])) }
        func heading(_ text: String) {
            blank()
            out.append(StyledLine([(.heading, DisplayWidth.truncate(text, to: width))]))
        }
        func text(_ words: String, indent: Int = 0) {
            let pad = String(repeating: " ", count: indent)
            for line in Wrap.lines(words, width: max(1, width - indent)) {
                out.append(StyledLine([(.plain, pad + line)]))
            }
        }
        func entry(_ syntax: String, _ meaning: String) {
            let column = 18
            let wrapped = Wrap.lines(meaning, width: max(1, width - column))
            for (i, line) in wrapped.enumerated() {
                let left =
                    i == 0
                    ? DisplayWidth.pad(DisplayWidth.truncate(syntax, to: column - 1), to: column)
                    : String(
                        repeating: " ", count: column)
                out.append(StyledLine([(.label, left), (.plain, line)]))
            }
        }
        blank()
        text("Upper-case keys change data; a signature is never a lower-case or Ctrl key.")
        heading("Filter the audit trail (f in the audit pane)")
        entry("actor:ID", "records by this user id (also by:ID)")
        entry("kind:KIND", "records of this kind; kind:deviation.* a whole family")
        entry("batch:ID", "records about this batch")
        entry("since:DATE", "records at or after DATE (also from:)")
        entry("until:DATE", "records up to DATE, that whole day included (also to:)")
        entry("word …", "records whose user, kind or summary contain every word")
        text(
            "DATE is YYYY-MM-DD, or with a time: YYYY-MM-DDTHH:MM, …THH:MM:SS or …THH:MM:SS.mmm, all UTC, with or "
                + "without a final Z; until: includes the whole minute, second or millisecond given.", indent: 2)
        heading("Filter the queue and the exceptions (f)")
        text(
            "The text as typed, found anywhere in the row, case ignored: in the queue the batch id, product, site, "
                + "chain of identity, status and assignee; in the exceptions the rule, severity, title, observed "
                + "value, limit and explanation. There are no field: prefixes here. Esc clears the filter.")
        heading("Search (/)")
        text("Moves to the next row containing the text as you type; Enter keeps it, n and N repeat it.")
        heading("Command line (:)")
        entry(":assign [USER]", "assign the selected batch (no user: asks, Tab completes)")
        entry(":unassign", "remove its assignment (also :assign -)")
        entry(":messages", "the last \(WorkstationState.messageLogLimit) messages in full")
        entry(
            ":trends [ATTR]",
            "trend charts of the selected batch (or :trends PRODUCT SITE ATTRIBUTE); ← → attribute, Tab site")
        entry(
            ":board [mine]",
            "the deviation board (also :deviations); mine: your own work; Tab switches, Enter selects the batch")
        entry(
            ":oversight",
            "site and CMO scorecards (also :scorecard, o); ← → site, Enter the chart of its drifting attribute")
        entry(":sort COLUMN", QueueSortColumn.allCases.map(\.rawValue).joined(separator: ", "))
        entry(":filter TEXT", "filter the focused list")
        entry(":queue …", ":exceptions, :detail, :audit focus a pane")
        entry(":reload :quit", "read new records now; quit")
        heading("In this help")
        text("j k ↑ ↓ PgUp PgDn Home End scroll; Esc, q or ? closes.")
        return out
    }
}

/// What `:messages` shows: every message the status line showed this session (the last
/// `WorkstationState.messageLogLimit`), in full, newest last, each wrapped to the width.
public enum MessageLogContent {
    public static func lines(_ state: WorkstationState, width: Int) -> [StyledLine] {
        if state.messageLog.isEmpty { return [StyledLine([(.dim, "No messages yet.")])] }
        var out: [StyledLine] = []
        for (i, message) in state.messageLog.enumerated() {
            let number = DisplayWidth.pad("\(i + 1).", to: 4)
            for (j, line) in Wrap.lines(DisplayText.sanitize(message), width: max(1, width - 4)).enumerated() {
                out.append(StyledLine([(.dim, j == 0 ? number : "    "), (.plain, line)]))
            }
        }
        return out
    }
}

extension WorkstationState {
    /// The help box for `pane` on this terminal and its lines.
    public func helpBox(_ pane: Pane) -> (box: ScrollBox, lines: [StyledLine]) {
        let width = ScrollBox(lineCount: 0, size: size).textWidth
        let lines = HelpContent.lines(pane, map: preferences.keyBindings, width: width)
        return (ScrollBox(lineCount: lines.count, size: size), lines)
    }

    /// The message-log box on this terminal and its lines.
    public var messageBox: (box: ScrollBox, lines: [StyledLine]) {
        let width = ScrollBox(lineCount: 0, size: size, maxWidth: size.width - 2).textWidth
        let lines = MessageLogContent.lines(self, width: width)
        return (ScrollBox(lineCount: lines.count, size: size, maxWidth: size.width - 2), lines)
    }
}
