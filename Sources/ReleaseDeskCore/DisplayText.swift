/// Makes untrusted text safe to show: on screen, on stdout and stderr, in exports and in logs.
///
/// The journal keeps the bytes exactly; only what is shown is changed. Escape sequences, C0 controls
/// other than newline and tab, DEL, C1 controls, bidirectional overrides and zero-width characters become
/// visible placeholders (`␛`, `⟨U+202E⟩`), so a reviewer sees that they were there.
public enum DisplayText {
    /// How line ends and tabs are shown.
    public enum Layout: Sendable {
        /// Newline and tab are kept (multi-line text, a detail view).
        case multiline
        /// Newline and tab become `␤` and `␉` (a table cell, a one-line field).
        case singleLine
    }

    /// `text` with every hidden or controlling character replaced by a visible placeholder.
    public static func sanitize(_ text: String, layout: Layout = .singleLine) -> String {
        var needsWork = false
        for scalar in text.unicodeScalars where isHidden(scalar) || scalar == "\n" || scalar == "\t" {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where layout == .multiline, "\t" where layout == .multiline:
                out.append(scalar)
            case "\n": out.append(contentsOf: "␤".unicodeScalars)
            case "\t": out.append(contentsOf: "␉".unicodeScalars)
            default:
                if isHidden(scalar) {
                    out.append(contentsOf: placeholder(for: scalar).unicodeScalars)
                } else {
                    out.append(scalar)
                }
            }
        }
        return String(out)
    }

    /// Sanitises bytes that may not be valid UTF-8: each invalid byte becomes `⟨0xNN⟩`.
    public static func sanitize(bytes: [UInt8], layout: Layout = .singleLine) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return sanitize(text, layout: layout) }
        var out = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            // A fresh decoder at every scalar: after an error, resume at the very next byte.
            var decoder = UTF8()
            var iterator = bytes[index...].makeIterator()
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                out.append(scalar)
                index += UTF8.width(scalar)
            case .emptyInput:
                index = bytes.count
            case .error:
                out.append(contentsOf: ("⟨0x" + hex2(bytes[index]) + "⟩").unicodeScalars)
                index += 1
            }
        }
        return sanitize(String(out), layout: layout)
    }

    /// Whether `scalar` would control the terminal or be invisible: C0 (newline and tab included), DEL, C1,
    /// bidirectional controls, zero-width and other invisible formatting characters, line and paragraph
    /// separators.
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        switch v {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0xFEFF: return true
        case 0xFFF9...0xFFFB, 0x180E, 0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0: return true
        case 0xE0000...0xE007F: return true  // tag characters
        // Prepended concatenation marks are format characters that are drawn (Arabic number signs and the like).
        case 0x0600...0x0605, 0x06DD, 0x070F, 0x0890...0x0891, 0x08E2, 0x110BD, 0x110CD: return false
        // Every other invisible formatting character (general category Cf): Egyptian hieroglyph and shorthand
        // format controls, musical beam and slur marks, and those added in later Unicode versions.
        case 0x0600...: return scalar.properties.generalCategory == .format
        default: return false
        }
    }

    /// The visible stand-in for a hidden scalar: `␛` for ESC, a Control Picture for other C0 and DEL,
    /// `⟨U+XXXX⟩` for the rest.
    public static func placeholder(for scalar: Unicode.Scalar) -> String {
        let v = scalar.value
        switch v {
        case 0x1B: return "␛"
        case 0x00...0x1F: return String(Unicode.Scalar(0x2400 + v)!)
        case 0x7F: return "␡"
        default:
            var hex = String(v, radix: 16, uppercase: true)
            while hex.count < 4 { hex = "0" + hex }
            return "⟨U+\(hex)⟩"
        }
    }

    /// ASCII-only form of `text` for terminals whose locale is not UTF-8: non-ASCII becomes `?`,
    /// placeholders become `<ESC>`, `<U+202E>` and so on.
    public static func asciiFallback(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x80 && !isHidden(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar == "\n" || scalar == "\t" {
                out.unicodeScalars.append(scalar)
            } else if scalar.value == 0x1B || scalar == "␛" {
                out += "<ESC>"
            } else if isHidden(scalar) {
                out += "<U+" + String(scalar.value, radix: 16, uppercase: true) + ">"
            } else {
                out += "?"
            }
        }
        return out
    }

    static func hex2(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }
}
