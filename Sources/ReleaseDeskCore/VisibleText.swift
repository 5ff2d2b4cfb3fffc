extension DisplayText {
    /// Whether `text` carries something a reader can see: at least one scalar that is not white space, not a
    /// control or invisible formatting character, not a combining mark on its own, not a variation selector and
    /// not one of the blank "filler" letters (Hangul fillers, the braille blank). A reason made only of such
    /// characters says nothing and is refused.
    public static func hasVisibleText(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isVisible)
    }

    static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        if isHidden(scalar) { return false }
        switch scalar.value {
        case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800: return false
        case 0xFE00...0xFE0F, 0xE0100...0xE01EF, 0x180B...0x180F: return false
        default: break
        }
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format, .nonspacingMark, .enclosingMark,
            .spacingMark, .unassigned, .surrogate:
            return false
        default:
            return !scalar.properties.isWhitespace
        }
    }
}
