/// A theme file that cannot be used: the file, the line, and what is wrong.
public struct ThemeError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}

/// Reads themes: TOML files in the style of helix themes (documented in `docs/themes.md`).
///
/// The accepted form is the part of TOML that themes need, read line by line so that every error names its
/// line: comments, `inherits = "name"`, role keys (bare or quoted) with a colour string or an inline table
/// `{ fg = "…", bg = "…", modifiers = ["bold", …] }`, and a `[palette]` table of named colours
/// (`#rrggbb` or ANSI names). Anything else — an unknown role, an unknown field, a second definition — is
/// an error.
public enum ThemeLoader {
    /// Loads theme `name`, following `inherits`; `read` returns a theme file's text and the name to show
    /// for it, or `nil` when there is no such theme.
    public static func load(_ name: String, read: (String) throws -> (text: String, file: String)?) throws -> Theme {
        var chain: [String] = []
        return try load(name, read: read, chain: &chain)
    }

    static func load(_ name: String, read: (String) throws -> (text: String, file: String)?, chain: inout [String])
        throws -> Theme
    {
        guard let source = try read(name) else {
            throw ThemeError(file: name, line: 0, reason: "no such theme")
        }
        if chain.contains(name) {
            throw ThemeError(
                file: source.file, line: 0, reason: "inherits itself (\((chain + [name]).joined(separator: " → ")))")
        }
        chain.append(name)
        let parsed = try parse(source.text, file: source.file)
        var styles: [StyleRole: Style] = [:]
        var palette: [String: ThemeColor] = [:]
        if let parent = parsed.inherits {
            let base = try load(parent.value, read: read, chain: &chain)
            styles = base.styles
            palette = try parsedPalette(parent.value, read: read)
        }
        for item in parsed.palette {
            let (key, entry) = (item.key, (value: item.value, line: item.line))
            guard let color = ThemeColor.parse(entry.value) else {
                throw ThemeError(
                    file: source.file, line: entry.line,
                    reason: "palette colour \(key) = \"\(entry.value)\" is not #rrggbb or an ANSI name")
            }
            palette[key] = color
        }
        func color(_ text: String, line: Int) throws -> ThemeColor {
            if let c = palette[text] ?? ThemeColor.parse(text) { return c }
            throw ThemeError(
                file: source.file, line: line,
                reason: "unknown colour \"\(text)\" (not in [palette], not #rrggbb, not an ANSI name)")
        }
        for entry in parsed.roles {
            var style = Style()
            if let fg = entry.fg { style.fg = try color(fg, line: entry.line) }
            if let bg = entry.bg { style.bg = try color(bg, line: entry.line) }
            style.modifiers = entry.modifiers
            styles[entry.role] = style
        }
        return Theme(name: name, styles: styles)
    }

    /// The palette of theme `name` with its ancestors', so a child can use its parent's colour names.
    static func parsedPalette(_ name: String, read: (String) throws -> (text: String, file: String)?) throws
        -> [String: ThemeColor]
    {
        var result: [String: ThemeColor] = [:]
        var seen: Set<String> = []
        var next: String? = name
        var layers: [[String: ThemeColor]] = []
        while let current = next, !seen.contains(current), let source = try read(current) {
            seen.insert(current)
            let parsed = try parse(source.text, file: source.file)
            var layer: [String: ThemeColor] = [:]
            for item in parsed.palette { layer[item.key] = ThemeColor.parse(item.value) }
            layers.append(layer)
            next = parsed.inherits?.value
        }
        for layer in layers.reversed() { result.merge(layer) { $1 } }
        return result
    }

    // MARK: Parsing

    struct RoleEntry {
        var role: StyleRole
        var fg: String?
        var bg: String?
        var modifiers: Modifiers
        var line: Int
    }

    struct Parsed {
        var inherits: (value: String, line: Int)?
        var palette: [(key: String, value: String, line: Int)] = []
        var roles: [RoleEntry] = []
    }

    enum Value {
        case string(String)
        case array([String])
        case table([(key: String, value: Value)])
    }

    static func parse(_ text: String, file: String) throws -> Parsed {
        var parsed = Parsed()
        var section = ""
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            func fail(_ reason: String) -> ThemeError { ThemeError(file: file, line: lineNumber, reason: reason) }
            var scanner = Scanner(Array(rawLine.utf8))
            scanner.skipSpaces()
            if scanner.atEndOrComment { continue }
            if scanner.peek == UInt8(ascii: "[") {
                scanner.index += 1
                let name = try scanner.key(fail)
                scanner.skipSpaces()
                guard scanner.take(UInt8(ascii: "]")) else { throw fail("expected ] after the table name") }
                scanner.skipSpaces()
                guard scanner.atEndOrComment else { throw fail("unexpected text after [\(name)]") }
                guard name == "palette" else { throw fail("unknown table [\(name)] (only [palette] is allowed)") }
                guard section != "palette" && !seen.contains("[palette]") else { throw fail("[palette] appears twice") }
                seen.insert("[palette]")
                section = "palette"
                continue
            }
            let key = try scanner.key(fail)
            scanner.skipSpaces()
            guard scanner.take(UInt8(ascii: "=")) else { throw fail("expected = after \(key)") }
            scanner.skipSpaces()
            let value = try scanner.value(fail)
            scanner.skipSpaces()
            guard scanner.atEndOrComment else { throw fail("unexpected text after the value of \(key)") }
            let qualified = section + "." + key
            guard !seen.contains(qualified) else { throw fail("\(key) is defined twice") }
            seen.insert(qualified)
            if section == "palette" {
                guard case .string(let s) = value else { throw fail("palette colour \(key) must be a string") }
                parsed.palette.append((key, s, lineNumber))
                continue
            }
            if key == "inherits" {
                guard case .string(let s) = value else { throw fail("inherits must be a string") }
                parsed.inherits = (s, lineNumber)
                continue
            }
            guard let role = StyleRole(rawValue: key) else { throw fail("unknown key \"\(key)\" (not a style role)") }
            var entry = RoleEntry(role: role, modifiers: [], line: lineNumber)
            switch value {
            case .string(let s):
                entry.fg = s
            case .array:
                throw fail("\(key) must be a colour or a table { fg, bg, modifiers }")
            case .table(let fields):
                var fieldSeen: Set<String> = []
                for (name, v) in fields {
                    guard !fieldSeen.contains(name) else { throw fail("\(key).\(name) is defined twice") }
                    fieldSeen.insert(name)
                    switch (name, v) {
                    case ("fg", .string(let s)): entry.fg = s
                    case ("bg", .string(let s)): entry.bg = s
                    case ("modifiers", .array(let names)):
                        for n in names {
                            guard let m = Modifiers.names.first(where: { $0.0 == n })?.1 else {
                                throw fail("unknown modifier \"\(n)\" (bold, dim, italic, underlined, reversed)")
                            }
                            entry.modifiers.insert(m)
                        }
                    case ("fg", _), ("bg", _): throw fail("\(key).\(name) must be a string")
                    case ("modifiers", _): throw fail("\(key).modifiers must be an array of strings")
                    default: throw fail("unknown key \"\(name)\" in \(key) (fg, bg, modifiers)")
                    }
                }
            }
            parsed.roles.append(entry)
        }
        return parsed
    }

    struct Scanner {
        var bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.last == UInt8(ascii: "\r") { self.bytes.removeLast() }
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
        var atEndOrComment: Bool { peek == nil || peek == UInt8(ascii: "#") }

        mutating func skipSpaces() {
            while let c = peek, c == 0x20 || c == 0x09 { index += 1 }
        }

        mutating func take(_ c: UInt8) -> Bool {
            guard peek == c else { return false }
            index += 1
            return true
        }

        mutating func key(_ fail: (String) -> ThemeError) throws -> String {
            skipSpaces()
            if peek == UInt8(ascii: "\"") { return try string(fail) }
            let start = index
            while let c = peek,
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D
                    || c == 0x5F
                    || c == 0x2E
            {
                index += 1
            }
            guard index > start else { throw fail("expected a key") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string(_ fail: (String) -> ThemeError) throws -> String {
            guard take(UInt8(ascii: "\"")) else { throw fail("expected a string") }
            let start = index
            while let c = peek, c != UInt8(ascii: "\"") {
                if c == UInt8(ascii: "\\") || c < 0x20 {
                    throw fail("escapes and control characters are not allowed in theme strings")
                }
                index += 1
            }
            guard peek != nil else { throw fail("unterminated string") }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            index += 1
            return text
        }

        mutating func value(_ fail: (String) -> ThemeError) throws -> Value {
            switch peek {
            case UInt8(ascii: "\""):
                return .string(try string(fail))
            case UInt8(ascii: "["):
                index += 1
                var items: [String] = []
                skipSpaces()
                while !take(UInt8(ascii: "]")) {
                    items.append(try string(fail))
                    skipSpaces()
                    if take(UInt8(ascii: ",")) {
                        skipSpaces()
                    } else if peek != UInt8(ascii: "]") {
                        throw fail("expected , or ] in the array")
                    }
                }
                return .array(items)
            case UInt8(ascii: "{"):
                index += 1
                var fields: [(String, Value)] = []
                skipSpaces()
                while !take(UInt8(ascii: "}")) {
                    let k = try key(fail)
                    skipSpaces()
                    guard take(UInt8(ascii: "=")) else { throw fail("expected = after \(k)") }
                    skipSpaces()
                    fields.append((k, try value(fail)))
                    skipSpaces()
                    if take(UInt8(ascii: ",")) {
                        skipSpaces()
                    } else if peek != UInt8(ascii: "}") {
                        throw fail("expected , or } in the inline table")
                    }
                }
                return .table(fields)
            default:
                throw fail("expected a string, an array or an inline table")
            }
        }
    }
}
