/// A problem in a key-bindings file: the file, the line, the action and what is wrong. The description has
/// the form of every other configuration error ("configuration: FILE:LINE: FIELD: reason").
public struct KeyMapFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Problem: Error, Equatable, Sendable {
        public var line: Int?
        public var field: String?
        public var reason: String
    }

    public var file: String
    /// Every problem found, in line order (at least one).
    public var problems: [Problem]

    public init(file: String, problems: [Problem]) {
        self.file = file
        self.problems = problems
    }

    init(file: String, line: Int?, field: String?, reason: String) {
        self.init(file: file, problems: [Problem(line: line, field: field, reason: reason)])
    }

    public var description: String {
        problems.map { problem in
            "configuration: " + file + (problem.line.map { ":\($0)" } ?? "") + ": "
                + (problem.field.map { "\($0): " } ?? "") + problem.reason
        }.joined(separator: "\n")
    }
}

/// `keys.toml`: other keys for the workstation's actions, one line each, in TOML:
///
/// ```toml
/// moveDown = ["j", "Down"]     # an action and its keys; they replace the built-in keys of that action
/// certify = "K"
/// ```
///
/// Action names are `Command`'s (`docs/keys.md` lists them); keys are a character (`j`, `K`, `/`), `Space`,
/// `Ctrl-X`, or a named key (`Up`, `Down`, `Left`, `Right`, `Home`, `End`, `PgUp`, `PgDn`, `Enter`, `Esc`,
/// `Tab`, `Shift-Tab`, `Backspace`, `Del`, `F1`). The bindings are checked whole before the workstation
/// starts: an unknown action or key, an action given twice, two actions on one key in a pane where both
/// apply, or an action that changes data or signs on anything but an upper-case letter is refused, naming
/// the line (and, for two actions on one key, both bindings).
public struct KeyMapFile: Equatable, Sendable {
    /// One line of the file: an action and its keys.
    public struct Entry: Equatable, Sendable {
        public var command: Command
        public var keys: [Key]
        public var line: Int
    }

    public var file: String
    public var entries: [Entry]

    /// The key map with the file's bindings, checked; `file` names the file in messages.
    public static func load(_ text: String, file: String, over map: [KeyBinding] = KeyMap.bindings)
        throws(KeyMapFileError) -> [KeyBinding]
    {
        try parse(text, file: file).apply(to: map)
    }

    /// Reads the text of a key-bindings file. Every line is read before an error is thrown, so all problems
    /// are named at once.
    public static func parse(_ text: String, file: String) throws(KeyMapFileError) -> KeyMapFile {
        var entries: [Entry] = []
        var problems: [KeyMapFileError.Problem] = []
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let content = raw.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty || content.hasPrefix("#") { continue }
            if content.hasPrefix("[") {
                problems.append(
                    .init(
                        line: number, field: nil,
                        reason: "tables are not used: write one action = \"key\" line per action"))
                continue
            }
            guard let eq = content.firstIndex(of: "=") else {
                problems.append(.init(line: number, field: nil, reason: "expected action = \"key\" or [\"key\", …]"))
                continue
            }
            var name = String(content[..<eq])
            while name.last == " " || name.last == "\t" { name.removeLast() }
            if name.count >= 2, name.first == "\"", name.last == "\"" { name = String(name.dropFirst().dropLast()) }
            guard let command = Command(rawValue: name) else {
                problems.append(
                    .init(line: number, field: name, reason: "unknown action (the names are listed in docs/keys.md)"))
                continue
            }
            if let earlier = entries.first(where: { $0.command == command }) {
                problems.append(.init(line: number, field: name, reason: "given twice (first on line \(earlier.line))"))
                continue
            }
            let names: [String]
            do throws(KeyMapFileError.Problem) {
                names = try values(content[content.index(after: eq)...], line: number, field: name)
            } catch {
                problems.append(error)
                continue
            }
            var keys: [Key] = []
            var bad = false
            for keyName in names {
                do throws(KeyNameProblem) {
                    let key = try keyFromName(keyName)
                    if !keys.contains(key) { keys.append(key) }
                } catch {
                    problems.append(.init(line: number, field: name, reason: error.reason))
                    bad = true
                }
            }
            if bad { continue }
            if keys.isEmpty {
                problems.append(.init(line: number, field: name, reason: "an action needs at least one key"))
                continue
            }
            if KeyMap.guardedCommands.contains(command) {
                let refused = keys.filter { !KeyMap.mayGuard($0) }
                if !refused.isEmpty {
                    problems.append(
                        .init(
                            line: number, field: name,
                            reason: "changes data or signs, so only an upper-case letter may run it, not "
                                + refused.map { "\"\($0.label)\"" }.joined(separator: ", ")))
                    continue
                }
            }
            if keys.contains(.ctrl("c")) && command != .quit {
                problems.append(.init(line: number, field: name, reason: "Ctrl-C always quits; choose another key"))
                continue
            }
            entries.append(Entry(command: command, keys: keys, line: number))
        }
        if !problems.isEmpty { throw KeyMapFileError(file: file, problems: problems) }
        return KeyMapFile(file: file, entries: entries)
    }

    /// `map` with each action of the file on the file's keys instead of its own, checked for two actions on
    /// one key where both apply.
    public func apply(to map: [KeyBinding] = KeyMap.bindings) throws(KeyMapFileError) -> [KeyBinding] {
        var result = map
        for entry in entries {
            for index in result.indices where result[index].command == entry.command {
                result[index].keys = entry.keys
            }
        }
        let lines = Dictionary(entries.map { ($0.command, $0.line) }, uniquingKeysWith: { a, _ in a })
        func describe(_ command: Command, _ key: Key) -> String {
            let binding = "\(command.rawValue) = \"\(key.label)\""
            if let line = lines[command] { return binding + " (line \(line))" }
            return binding + " (built in; bind \(command.rawValue) to another key in this file)"
        }
        let problems = KeyMap.clashes(in: result).map { clash -> KeyMapFileError.Problem in
            // The line named first is the file's: the later of the two when both are in it.
            let (mine, other) =
                (lines[clash.second] ?? 0) >= (lines[clash.first] ?? 0)
                ? (clash.second, clash.first) : (clash.first, clash.second)
            return KeyMapFileError.Problem(
                line: lines[mine], field: mine.rawValue,
                reason:
                    "\(describe(mine, clash.key)) and \(describe(other, clash.key)) are on the same key in the \(clash.pane.name) pane"
            )
        }
        if !problems.isEmpty {
            throw KeyMapFileError(
                file: file,
                problems: problems.sorted { ($0.line ?? 0, $0.field ?? "") < ($1.line ?? 0, $1.field ?? "") })
        }
        return result
    }

    /// The strings after `=`: one string, or an array of strings, then nothing but a comment.
    static func values(_ rest: Substring, line: Int, field: String) throws(KeyMapFileError.Problem) -> [String] {
        var scanner = Substring(rest)
        func skipSpace() { scanner = scanner.drop { $0 == " " || $0 == "\t" } }
        func fail(_ reason: String) -> KeyMapFileError.Problem { .init(line: line, field: field, reason: reason) }
        func string() throws(KeyMapFileError.Problem) -> String {
            guard let quote = scanner.first, quote == "\"" || quote == "'" else {
                throw fail("a key must be a string in quotes, e.g. \"K\" or \"Ctrl-R\"")
            }
            scanner = scanner.dropFirst()
            var out = ""
            while let c = scanner.first {
                scanner = scanner.dropFirst()
                if c == quote { return out }
                if c == "\\" && quote == "\"" {
                    guard let escaped = scanner.first, escaped == "\\" || escaped == "\"" else {
                        throw fail("only \\\\ and \\\" are escapes here")
                    }
                    scanner = scanner.dropFirst()
                    out.append(escaped)
                } else {
                    out.append(c)
                }
            }
            throw fail("the string is not closed")
        }
        skipSpace()
        var result: [String] = []
        if scanner.first == "[" {
            scanner = scanner.dropFirst()
            skipSpace()
            while scanner.first != "]" {
                result.append(try string())
                skipSpace()
                if scanner.first == "," {
                    scanner = scanner.dropFirst()
                    skipSpace()
                } else if scanner.first != "]" {
                    throw fail("expected , or ] in the list of keys")
                }
            }
            scanner = scanner.dropFirst()
        } else {
            result.append(try string())
        }
        skipSpace()
        guard scanner.isEmpty || scanner.hasPrefix("#") else { throw fail("unexpected text after the value") }
        return result
    }

    /// Named keys, by their lower-cased names.
    static let namedKeys: [String: Key] = [
        "space": .char(" "), "up": .up, "↑": .up, "down": .down, "↓": .down, "left": .left, "←": .left,
        "right": .right, "→": .right, "home": .home, "end": .end, "pgup": .pageUp, "pageup": .pageUp,
        "pgdn": .pageDown, "pagedown": .pageDown, "enter": .enter, "return": .enter, "esc": .escape,
        "escape": .escape, "tab": .tab, "shift-tab": .backTab, "backtab": .backTab, "backspace": .backspace,
        "del": .delete, "delete": .delete, "f1": .f1,
    ]

    /// Why a name is not a key.
    public struct KeyNameProblem: Error, Equatable, Sendable {
        public var reason: String
    }

    /// The key `name` stands for; throws why it is none.
    public static func keyFromName(_ name: String) throws(KeyNameProblem) -> Key {
        let lower = name.lowercased()
        if let key = namedKeys[lower] { return key }
        if name.count == 1, let c = name.first {
            guard let scalar = c.unicodeScalars.first, scalar.value >= 0x21, scalar.value != 0x7F,
                !(0x80...0x9F).contains(scalar.value)
            else {
                throw KeyNameProblem(reason: "\"\(name)\" is not a key (a space is \"Space\")")
            }
            return .char(c)
        }
        if lower.hasPrefix("ctrl-") || lower.hasPrefix("c-") || lower.hasPrefix("^") {
            let letter = lower.drop { $0 != "-" && $0 != "^" }.dropFirst()
            guard letter.count == 1, let c = letter.first, c.isASCII, c.isLetter else {
                throw KeyNameProblem(reason: "unknown key \"\(name)\" (Ctrl goes with a letter: \"Ctrl-R\")")
            }
            // These arrive as other keys: Ctrl-H is Backspace, Ctrl-I Tab, Ctrl-J and Ctrl-M Enter.
            let arrivesAs: [Character: String] = ["h": "Backspace", "i": "Tab", "j": "Enter", "m": "Enter"]
            if let other = arrivesAs[c] {
                throw KeyNameProblem(reason: "\"\(name)\" arrives as \(other); bind \"\(other)\" or another key")
            }
            return .ctrl(c)
        }
        throw KeyNameProblem(
            reason:
                "unknown key \"\(name)\" (a character, Space, Ctrl-X, Up, Down, Left, Right, Home, End, PgUp, PgDn, "
                + "Enter, Esc, Tab, Shift-Tab, Backspace, Del or F1)")
    }
}
