import ReleaseDeskCore
import ReleaseDeskWorkstation

/// One terminal cell: its text (a character with any combining marks; empty for the right half of a wide
/// character) and its role.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var role: StyleRole

    public init(_ text: String = " ", _ role: StyleRole = .text) {
        self.text = text
        self.role = role
    }
}

/// A cell's column and row.
public struct CellPoint: Equatable, Sendable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// A grid of cells: what one frame shows. Everything written is sanitised first, so no path from data can
/// put a control character on the terminal; outside UTF-8 locales it is written in ASCII.
public struct CellBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Whether non-ASCII may be shown.
    public let unicode: Bool
    /// Where the terminal's cursor is left after the frame: the selected row of the focused pane, or where
    /// text is typed (screen readers and magnifiers follow it); nil leaves it where it is.
    public var cursor: CellPoint?

    public init(width: Int, height: Int, unicode: Bool = true) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.unicode = unicode
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Fills a rectangle with spaces of `role`.
    public mutating func fill(_ rect: Rect, _ role: StyleRole) {
        forEachCell(in: rect) { $0 = Cell(" ", role) }
    }

    /// Runs `body` on every cell of `rect` that lies inside the buffer.
    private mutating func forEachCell(in rect: Rect, _ body: (inout Cell) -> Void) {
        let x0 = max(0, rect.x)
        let x1 = min(width, rect.x + rect.width)
        let y0 = max(0, rect.y)
        let y1 = min(height, rect.y + rect.height)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 { body(&cells[y * width + x]) }
        }
    }

    /// Writes `text` at (`x`, `y`) in `role`, clipped to `maxWidth` columns (and the buffer); returns the
    /// columns used. Wide characters take two cells; combining marks join the cell before them.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, maxWidth: Int = Int.max, _ role: StyleRole) -> Int {
        guard y >= 0, y < height, x < width, maxWidth > 0 else { return 0 }
        var safe = DisplayText.sanitize(text)
        if !unicode { safe = Self.ascii(safe) }
        let limit = min(width, x + min(maxWidth, width))
        var col = x
        var last = -1
        for scalar in safe.unicodeScalars {
            let w = DisplayWidth.of(scalar)
            if w == 0 {
                if last >= 0 { cells[y * width + last].text.unicodeScalars.append(scalar) }
                continue
            }
            if col + w > limit { break }
            if col >= 0 {
                cells[y * width + col] = Cell(String(scalar), role)
                if w == 2 { cells[y * width + col + 1] = Cell("", role) }
                last = col
            }
            col += w
        }
        // A wide character cut at the edge must not leave half a character behind.
        return col - x
    }

    /// Writes `text` padded or truncated (with `…`) to exactly `columns` columns.
    @discardableResult
    public mutating func putCell(_ text: String, x: Int, y: Int, columns: Int, _ role: StyleRole) -> Int {
        guard columns > 0 else { return 0 }
        let fitted = fitted(text, to: columns)
        put(
            fitted + String(repeating: " ", count: max(0, columns - DisplayWidth.of(fitted))), x: x, y: y,
            maxWidth: columns, role)
        return columns
    }

    /// Writes `text` in at most `columns` columns: whole when it fits, else cut and ended with `…` (`...`
    /// outside UTF-8 locales). Returns the columns used.
    @discardableResult
    public mutating func putFitted(_ text: String, x: Int, y: Int, columns: Int, _ role: StyleRole) -> Int {
        guard columns > 0 else { return 0 }
        return put(fitted(text, to: columns), x: x, y: y, maxWidth: columns, role)
    }

    /// `text` as it will be shown (sanitised, in ASCII when needed), cut to `columns` with an ellipsis that
    /// fits inside them.
    public func fitted(_ text: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        let safe = unicode ? DisplayText.sanitize(text) : Self.ascii(DisplayText.sanitize(text))
        if DisplayWidth.of(safe) <= columns { return safe }
        if unicode { return DisplayWidth.truncate(safe, to: columns) }
        guard columns > 3 else { return String(safe.prefix(columns)) }
        return String(DisplayWidth.truncate(safe, to: columns - 2).dropLast()) + "..."
    }

    /// The columns `text` takes once shown (sanitised, in ASCII when needed).
    public func width(of text: String) -> Int {
        DisplayWidth.of(unicode ? DisplayText.sanitize(text) : Self.ascii(DisplayText.sanitize(text)))
    }

    /// ASCII stand-ins for the glyphs the panes use; any other non-ASCII character is written as its code
    /// point (`\u5c71`), never as a bare `?`.
    static let asciiGlyphs: [Character: String] = [
        "‼": "!!", "⚠": "!", "•": "-", "✔": "OK", "✓": "ok", "⚑": "F", "◎": "o", "…": "...", "⚙": "*", "▶": ">",
        "▼": "v", "▲": "^", "→": "->", "←": "<-", "↑": "Up", "↓": "Down", "·": "-", "⧗": "~", "▏": "|", "─": "-",
        "│": "|", "–": "-", "—": "-", "◀": "<", "✘": "X", "⏸": "||", "“": "\"", "”": "\"", "‘": "'", "’": "'",
        "×": "x", "⊘": "(/)", "≥": ">=", "≤": "<=", "◷": "@",
    ]

    /// `text` in ASCII: known glyphs by their stand-ins; hidden and control characters as
    /// `DisplayText.asciiFallback` names them; every other character as its code point, `\uXXXX` (or
    /// `\UXXXXXXXX` beyond the basic plane), as JSON and most languages write it.
    public static func ascii(_ text: String) -> String {
        var out = ""
        for ch in text {
            if let stand = asciiGlyphs[ch] {
                out += stand
                continue
            }
            for scalar in ch.unicodeScalars {
                if scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F {
                    out.unicodeScalars.append(scalar)
                    continue
                }
                let named = DisplayText.asciiFallback(String(scalar))
                out += named == "?" ? codePoint(scalar) : named
            }
        }
        return out
    }

    /// `\u5c71` for U+5C71, `\U0001f600` beyond U+FFFF.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        if scalar.value > 0xFFFF { return "\\U" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex }
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Sets the role of cells without changing their text.
    public mutating func paint(_ rect: Rect, _ role: StyleRole) {
        forEachCell(in: rect) { $0.role = role }
    }

    /// The screen as text, one line per row (right halves of wide characters omitted), trailing spaces kept.
    public var lines: [String] {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width { line += cells[y * width + x].text }
            return line
        }
    }
}
