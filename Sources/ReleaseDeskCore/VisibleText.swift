extension DisplayText {
    /// Whether `text` holds at least one character a reader can see: a letter, digit, punctuation mark or
    /// symbol.
    ///
    /// Text made only of white space (every `Zs`, `Zl`, `Zp` and `Cc`), format characters (`Cf`: zero-width
    /// spaces and joiners, bidirectional controls, tags), combining marks without a base (`Mn`, `Mc`, `Me`,
    /// variation selectors among them), default-ignorable fillers (U+115F, U+1160, U+3164, U+FFA0), the blank
    /// braille pattern U+2800, private-use, surrogate and unassigned code points says nothing, and a reason,
    /// comment or title made of it is refused. The stored text is never changed by this check.
    public static func hasVisibleText(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isVisible)
    }

    /// Whether `scalar` draws something on its own (see `hasVisibleText`).
    public static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return v > 0x20 && v < 0x7F }
        if v == 0x2800 { return false }  // braille pattern blank: a symbol that draws nothing
        let properties = scalar.properties
        if properties.isDefaultIgnorableCodePoint || properties.isWhitespace { return false }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}
