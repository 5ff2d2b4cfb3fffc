import ReleaseDeskCore
import ReleaseDeskScreen

/// What `DisplayText.sanitize` and `CellBuffer.put` promise for any text: nothing that controls a terminal
/// or hides text gets through. Checked against this list, written independently of the sanitiser's own:
/// C0 controls (newline and tab only in multi-line layout), DEL, C1 controls, bidirectional controls,
/// zero-width characters, line and paragraph separators, and every other invisible formatting character
/// (general category Cf, except the prepended concatenation marks, which are visible).
public enum SanitizerProperty {
    /// Whether `scalar` may not reach a terminal.
    public static func isForbidden(_ scalar: Unicode.Scalar, multiline: Bool = false) -> Bool {
        let v = scalar.value
        switch v {
        case 0x0A, 0x09: return !multiline
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x20...0x7E: return false  // printable ASCII, without a table look-up
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidi
        case 0x200B...0x200D, 0x2060, 0xFEFF, 0x180E: return true  // zero-width
        case 0x2028, 0x2029: return true
        case 0x0600...0x0605, 0x06DD, 0x070F, 0x0890...0x0891, 0x08E2, 0x110BD, 0x110CD: return false
        default: return scalar.properties.generalCategory == .format
        }
    }

    static func firstForbidden(_ text: String, multiline: Bool = false) -> String? {
        guard let s = text.unicodeScalars.first(where: { isForbidden($0, multiline: multiline) }) else { return nil }
        return "U+" + String(s.value, radix: 16, uppercase: true)
    }

    /// The text an input stands for. Inputs whose first byte is odd are read as scalars, three bytes each
    /// (modulo the code space, surrogates skipped), so that every plane is reached as easily as ASCII; the
    /// others are UTF-8, invalid sequences replaced.
    public static func text(of data: [UInt8]) -> String {
        guard let first = data.first, first & 1 == 1 else { return String(decoding: data, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var i = 1
        while i + 2 < data.count {
            let v = (UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])) % 0x11_0000
            if let scalar = Unicode.Scalar(v) { scalars.append(scalar) }
            i += 3
        }
        return String(scalars)
    }

    /// Scalars that start a formula in a spreadsheet, full-width forms included.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}"]

    /// The cells of one RFC 4180 row, read unit by unit (code points, or graphemes).
    static func csvCells<U: Equatable>(_ units: [U], quote: U, comma: U) -> [[U]] {
        var cells: [[U]] = []
        var cell: [U] = []
        var quoted = false
        var i = 0
        while i < units.count {
            let u = units[i]
            if quoted {
                if u == quote {
                    if i + 1 < units.count && units[i + 1] == quote {
                        cell.append(u)
                        i += 2
                        continue
                    }
                    quoted = false
                } else {
                    cell.append(u)
                }
            } else if u == quote && cell.isEmpty {
                quoted = true
            } else if u == comma {
                cells.append(cell)
                cell = []
            } else {
                cell.append(u)
            }
            i += 1
        }
        cells.append(cell)
        return cells
    }

    /// `AuditText.csvField` for any text: between two other cells it reads back as one cell whether split
    /// into code points or into graphemes (both give the same text), holds nothing hidden, and does not start
    /// a formula (after leading spaces).
    static func csvViolations(_ text: String) -> [String] {
        var found: [String] = []
        let field = AuditText.csvField(text)
        let row = "a," + field + ",z"
        let byScalar = csvCells(Array(row.unicodeScalars), quote: "\"", comma: ",")
        let byGrapheme = csvCells(Array(row), quote: Character("\""), comma: Character(","))
        if byScalar.count != 3 { found.append("csvField gave \(byScalar.count - 2) cells read by code point") }
        if byGrapheme.count != 3 { found.append("csvField gave \(byGrapheme.count - 2) cells read by grapheme") }
        if byScalar.count == 3 && byGrapheme.count == 3 {
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: byScalar[1])
            let cell = String(scalars)
            if cell != String(byGrapheme[1]) { found.append("csvField reads differently by code point and by grapheme") }
            if let lead = cell.unicodeScalars.first(where: { $0 != " " && $0 != "\u{3000}" }), formulaStarts.contains(lead) {
                found.append("csvField lets a formula start through")
            }
            if let bad = firstForbidden(cell, multiline: true) { found.append("csvField let \(bad) through") }
        }
        return found
    }

    /// `DisplayWidth` for any text: a scalar is 0, 1 or 2 columns, a text is the sum of its scalars, `pad` gives
    /// exactly the columns asked for and `truncate` never more.
    static func widthViolations(_ text: String, columns: Int) -> [String] {
        var found: [String] = []
        var sum = 0
        for scalar in text.unicodeScalars {
            let w = DisplayWidth.of(scalar)
            if w < 0 || w > 2 { found.append("DisplayWidth.of(U+\(String(scalar.value, radix: 16))) is \(w)") }
            sum += w
        }
        if DisplayWidth.of(text) != sum { found.append("DisplayWidth.of(text) is not the sum of its scalars") }
        let shown = DisplayText.sanitize(text)
        if DisplayWidth.of(DisplayWidth.pad(shown, to: columns)) != columns { found.append("pad(to: \(columns)) missed") }
        if DisplayWidth.of(DisplayWidth.truncate(shown, to: columns)) > columns { found.append("truncate(to: \(columns)) overran") }
        return found
    }

    /// The properties the input breaks (empty when all hold). The first four bytes choose the cell buffer's
    /// size, position and clip; the text is `text(of:)`, and the raw bytes go through `sanitize(bytes:)`.
    public static func violations(_ data: [UInt8]) -> [String] {
        var found: [String] = []
        let text = text(of: data)
        let valid = String(validating: data, as: UTF8.self) != nil
        for layout in [DisplayText.Layout.singleLine, .multiline] {
            let multiline = layout == .multiline
            let shown = DisplayText.sanitize(text, layout: layout)
            if let bad = firstForbidden(shown, multiline: multiline) { found.append("sanitize(\(layout)) let \(bad) through") }
            if DisplayText.sanitize(shown, layout: layout) != shown { found.append("sanitize(\(layout)) is not idempotent") }
            let fromBytes = DisplayText.sanitize(bytes: data, layout: layout)
            if let bad = firstForbidden(fromBytes, multiline: multiline) {
                found.append("sanitize(bytes:, \(layout)) let \(bad) through")
            }
            if valid && fromBytes != DisplayText.sanitize(String(decoding: data, as: UTF8.self), layout: layout) {
                found.append("sanitize(bytes:) and sanitize differ on valid UTF-8")
            }
            let ascii = DisplayText.asciiFallback(shown)
            if ascii.unicodeScalars.contains(where: { $0.value >= 0x7F || isForbidden($0, multiline: multiline) }) {
                found.append("asciiFallback(\(layout)) left a non-ASCII or control character")
            }
        }
        found += csvViolations(text)
        found += widthViolations(text, columns: Int((data.first ?? 0) % 40))
        let p = data + [0, 0, 0, 0]
        let width = Int(p[0] % 48)
        let height = Int(p[1] % 4)
        let x = Int(p[2] % 64) - 8
        let maxWidth = Int(p[3] % 40) - 2
        for unicode in [true, false] {
            var buffer = CellBuffer(width: width, height: height, unicode: unicode)
            let used = buffer.put(text, x: x, y: height / 2, maxWidth: maxWidth, .text)
            if used < 0 || used > max(0, maxWidth) || used > width {
                found.append("put used \(used) columns (width \(width), x \(x), maxWidth \(maxWidth))")
            }
            buffer.putCell(text, x: x / 2, y: height - 1, columns: maxWidth, .text)
            if buffer.cells.count != width * height { found.append("the buffer changed size") }
            for cell in buffer.cells {
                if let bad = firstForbidden(cell.text) { found.append("a cell holds \(bad)") }
                if !unicode && cell.text.unicodeScalars.contains(where: { $0.value >= 0x80 }) {
                    found.append("an ASCII buffer holds non-ASCII")
                }
            }
        }
        return found
    }
}
