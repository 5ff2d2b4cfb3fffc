/// What a key asks the workstation to do.
public enum Command: String, CaseIterable, Sendable {
    case moveDown, moveUp, top, bottom, pageDown, pageUp, halfPageDown, halfPageUp
    case nextPane, previousPane, focusQueue, focusExceptions, focusDetail, focusAudit
    case drillDown, back, zoom, auditScope
    case search, searchNext, searchPrevious, filter, sort, reverseSort
    case help, commandLine, redraw, reload, quit, copyID
    case justify, retest, openDeviation, approveDeviation, certify, reject, hold, reviewAuditTrail
    case investigateOOS, fullReview
    case trends, board, oversight
}

/// One line of the key map: keys, the command, where it applies and how help describes it.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var command: Command
    /// Panes where the binding applies; empty means every pane.
    public var panes: Set<Pane>
    /// One line for help and documentation.
    public var summary: String
    /// A short word for the status line, when the key matters enough to be shown there.
    public var hint: String?
    /// Whether the command changes data (journaled); such keys are upper case.
    public var changesData: Bool
    /// Whether the command asks for an electronic signature; such keys are upper case and never Ctrl.
    public var signs: Bool

    public init(
        _ keys: [Key], _ command: Command, panes: Set<Pane> = [], _ summary: String, hint: String? = nil,
        changesData: Bool = false, signs: Bool = false
    ) {
        self.keys = keys
        self.command = command
        self.panes = panes
        self.summary = summary
        self.hint = hint
        self.changesData = changesData
        self.signs = signs
    }

    public func applies(in pane: Pane) -> Bool { panes.isEmpty || panes.contains(pane) }
}

/// The key map of the workstation, as data: the reducer looks keys up here, `?` help and `docs/keys.md`
/// are generated from it, and a test checks it for conflicts.
public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        KeyBinding([.char("j"), .down], .moveDown, "move down"),
        KeyBinding([.char("k"), .up], .moveUp, "move up"),
        KeyBinding([.char("g"), .home], .top, "first row"),
        KeyBinding([.char("G"), .end], .bottom, "last row"),
        KeyBinding([.pageDown], .pageDown, "page down"),
        KeyBinding([.pageUp], .pageUp, "page up"),
        KeyBinding([.ctrl("d")], .halfPageDown, "half a page down"),
        KeyBinding([.ctrl("u")], .halfPageUp, "half a page up"),
        KeyBinding([.tab], .nextPane, "next pane", hint: "pane"),
        KeyBinding([.backTab], .previousPane, "previous pane"),
        KeyBinding([.char("1")], .focusQueue, "go to the batch queue"),
        KeyBinding([.char("2")], .focusExceptions, "go to the exception list"),
        KeyBinding([.char("3")], .focusDetail, "go to the detail pane"),
        KeyBinding([.char("4")], .focusAudit, "go to the audit trail"),
        KeyBinding([.enter], .drillDown, panes: [.queue, .exceptions], "open the selected item", hint: "open"),
        KeyBinding([.enter], .drillDown, panes: [.detail], "zoom the pane (again: back)", hint: "zoom"),
        KeyBinding(
            [.enter], .drillDown, panes: [.audit], "open the record: readable fields and the raw canonical line",
            hint: "record"),
        KeyBinding([.char("z")], .zoom, "zoom the pane (again: back)"),
        KeyBinding(
            [.char("t")], .trends, panes: [.queue, .exceptions, .detail],
            "trend chart of the batch's QC result: the selected exception's attribute, else the first trended one"),
        KeyBinding(
            [.char("b")], .board,
            "deviation board: every open deviation, overdue first; Tab there: your own work; Enter selects the batch"),
        KeyBinding(
            [.char("o")], .oversight,
            "site and CMO scorecards side by side, twelve months; Enter: the chart of a site's drifting attribute"),
        KeyBinding(
            [.char("a")], .auditScope, panes: [.audit], "all records, or the selected batch's trail", hint: "all/batch"),
        KeyBinding([.escape], .back, "back: close, clear the filter, unzoom, previous pane (never quits)"),
        KeyBinding(
            [.char("/")], .search, panes: [.queue, .exceptions, .audit], "search (incremental)", hint: "search"),
        KeyBinding([.char("n")], .searchNext, panes: [.queue, .exceptions, .audit], "next match"),
        KeyBinding([.char("N")], .searchPrevious, panes: [.queue, .exceptions, .audit], "previous match"),
        KeyBinding(
            [.char("f"), .char("\\")], .filter, panes: [.queue, .exceptions, .audit], "filter the list (Esc clears)",
            hint: "filter"),
        KeyBinding([.char("s")], .sort, panes: [.queue], "sort by a column", hint: "sort"),
        KeyBinding([.char("S")], .reverseSort, panes: [.queue], "reverse the sort"),
        KeyBinding([.char("?"), .f1], .help, "help for this pane", hint: "help"),
        KeyBinding([.char(":")], .commandLine, "command line (Tab completes)"),
        KeyBinding([.ctrl("l")], .redraw, "redraw the screen"),
        KeyBinding([.char("R")], .reload, "reload: read new journal records now"),
        KeyBinding(
            [.char("y")], .copyID,
            "copy the selected id (batch, exception, deviation, record) to the clipboard (clipboard = \"osc52\")"),
        KeyBinding([.char("q"), .ctrl("c")], .quit, "quit", hint: "quit"),
        KeyBinding(
            [.char("J")], .justify, panes: [.exceptions, .detail], "justify the exception (QA, signed)",
            hint: "justify", signs: true),
        KeyBinding(
            [.char("T")], .retest, panes: [.exceptions, .detail], "request a re-test (QA, signed)", signs: true),
        KeyBinding(
            [.char("D")], .openDeviation, panes: [.exceptions, .detail],
            "open a deviation from the exception (QA, signed)",
            hint: "deviation", signs: true),
        KeyBinding(
            [.char("A")], .approveDeviation, panes: [.exceptions, .detail],
            "approve the exception's deviation: next step (QA, signed)",
            signs: true),
        KeyBinding(
            [.char("I")], .investigateOOS, panes: [.exceptions, .detail],
            "sign the laboratory investigation of an OOS result: invalidated (with its cause) or confirmed (QA, signed)",
            signs: true),
        KeyBinding(
            [.char("F")], .fullReview, "sign the full review of a batch chosen by quiet-batch sampling (QA, signed)",
            signs: true),
        KeyBinding([.char("C")], .certify, "certify the batch for release (QP, signed)", hint: "certify", signs: true),
        KeyBinding([.char("X")], .reject, "reject the batch (QP, signed)", signs: true),
        KeyBinding([.char("H")], .hold, "hold, or release from hold (QP, signed)", signs: true),
        KeyBinding(
            [.char("V")], .reviewAuditTrail,
            "mark the batch's audit trail reviewed (supervisor or independent QA, signed)",
            hint: "reviewed", signs: true),
    ]

    /// The command `key` runs in `pane`, if any.
    public static func command(for key: Key, in pane: Pane, map: [KeyBinding] = bindings) -> Command? {
        for binding in map where binding.applies(in: pane) && binding.keys.contains(key) {
            return binding.command
        }
        return nil
    }

    /// The bindings that apply in `pane`, in map order.
    public static func bindings(in pane: Pane, map: [KeyBinding] = bindings) -> [KeyBinding] {
        map.filter { $0.applies(in: pane) }
    }

    /// Commands that change data or ask for a signature: only an upper-case letter may run them.
    public static let guardedCommands: Set<Command> = Set(
        bindings.filter { $0.changesData || $0.signs }.map(\.command))

    /// Whether `key` may run a command that changes data or signs: an upper-case letter, never a lower-case
    /// or Ctrl key (a slip of the finger must not open a signature).
    public static func mayGuard(_ key: Key) -> Bool {
        if case .char(let c) = key, c.isUppercase { return true }
        return false
    }

    /// Two commands on one key in a pane where both apply.
    public struct Clash: Equatable, Sendable {
        public var key: Key
        public var pane: Pane
        public var first: Command
        public var second: Command
    }

    /// Every key bound to two commands in a pane where both apply, each pair once (the first pane named).
    public static func clashes(in map: [KeyBinding]) -> [Clash] {
        var found: [Clash] = []
        for pane in Pane.allCases {
            var seen: [Key: Command] = [:]
            for binding in map where binding.applies(in: pane) {
                for key in binding.keys {
                    if let earlier = seen[key], earlier != binding.command,
                        !found.contains(where: { $0.key == key && $0.first == earlier && $0.second == binding.command })
                    {
                        found.append(Clash(key: key, pane: pane, first: earlier, second: binding.command))
                    }
                    seen[key] = binding.command
                }
            }
        }
        return found
    }

    /// Every way the map contradicts itself: a key bound twice where both apply, or a changing or signing
    /// action on a lower-case or Ctrl key. Empty when the map is sound.
    public static func conflicts(in map: [KeyBinding] = bindings) -> [String] {
        var problems: [String] = []
        for pane in Pane.allCases {
            var seen: [Key: Command] = [:]
            for binding in map where binding.applies(in: pane) {
                for key in binding.keys {
                    if let earlier = seen[key], earlier != binding.command {
                        problems.append(
                            "\(key.label) in \(pane.name): \(earlier.rawValue) and \(binding.command.rawValue)")
                    }
                    seen[key] = binding.command
                }
            }
        }
        for binding in map where binding.changesData || binding.signs {
            for key in binding.keys where !mayGuard(key) {
                problems.append(
                    "\(binding.command.rawValue) changes data but is bound to \(key.label) (upper case only)")
            }
        }
        return problems
    }

    /// The key documentation, generated from the map (kept in `docs/keys.md`).
    public static func markdown() -> String {
        var out = "# Keys of the workstation\n\n"
        out += "Generated from the key map (`KeyMap.bindings`); `?` in any pane shows the part that applies there.\n\n"
        out +=
            "`keys.toml` beside `config.toml` binds other keys: `action = \"key\"` or `action = [\"key\", …]`, with\n"
        out += "the action names below (`docs/keys-file.md`).\n\n"
        out += "| keys | action | name | panes |\n| --- | --- | --- | --- |\n"
        for binding in bindings {
            let keys = binding.keys.map { "`" + ($0.label == "`" ? "backtick" : $0.label) + "`" }.joined(
                separator: ", ")
            let panes =
                binding.panes.isEmpty
                ? "all" : Pane.allCases.filter { binding.panes.contains($0) }.map(\.name).joined(separator: ", ")
            out += "| \(keys) | \(binding.summary) | `\(binding.command.rawValue)` | \(panes) |\n"
        }
        out +=
            "\nIn a text field (search, filter, command line, sign-in) keys type text; Enter confirms, Esc cancels.\n"
        out += "In a signed dialog with typed input, Esc and Ctrl-C first ask \"Discard what you typed? y/n\".\n"
        return out
    }
}
