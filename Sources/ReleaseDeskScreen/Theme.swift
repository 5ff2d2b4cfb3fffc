/// A colour as a theme names it.
public enum ThemeColor: Equatable, Sendable, Hashable {
    /// The terminal's own foreground or background.
    case `default`
    /// One of the 16 ANSI colours (0–15).
    case ansi(Int)
    /// A 24-bit colour, shown as the nearest colour the terminal has.
    case rgb(UInt8, UInt8, UInt8)

    /// ANSI names in the style of helix themes.
    public static let names: [String: Int] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "light-gray": 7,
        "gray": 8, "light-red": 9, "light-green": 10, "light-yellow": 11, "light-blue": 12, "light-magenta": 13,
        "light-cyan": 14, "white": 15,
    ]

    /// Parses `#rrggbb`, an ANSI name or `default`.
    public static func parse(_ text: String) -> ThemeColor? {
        if text == "default" { return .default }
        if let n = names[text] { return .ansi(n) }
        let chars = Array(text.utf8)
        guard chars.count == 7, chars[0] == UInt8(ascii: "#") else { return nil }
        var values: [UInt8] = []
        for i in stride(from: 1, to: 7, by: 2) {
            guard let v = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            values.append(v)
        }
        return .rgb(values[0], values[1], values[2])
    }

    public var name: String {
        switch self {
        case .default: return "default"
        case .ansi(let n): return Self.names.first { $0.value == n }!.key
        case .rgb(let r, let g, let b):
            return "#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }
}

/// Text attributes that need no colour.
public struct Modifiers: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let bold = Modifiers(rawValue: 1)
    public static let dim = Modifiers(rawValue: 2)
    public static let italic = Modifiers(rawValue: 4)
    public static let underlined = Modifiers(rawValue: 8)
    public static let reversed = Modifiers(rawValue: 16)

    public static let names: [(String, Modifiers)] = [
        ("bold", .bold), ("dim", .dim), ("italic", .italic), ("underlined", .underlined), ("reversed", .reversed),
    ]
}

/// How one role looks.
public struct Style: Equatable, Sendable, Hashable {
    public var fg: ThemeColor
    public var bg: ThemeColor
    public var modifiers: Modifiers

    public init(fg: ThemeColor = .default, bg: ThemeColor = .default, modifiers: Modifiers = []) {
        self.fg = fg
        self.bg = bg
        self.modifiers = modifiers
    }

    /// The style without colour (for `NO_COLOR` and terminals without colour).
    public var withoutColor: Style { Style(fg: .default, bg: .default, modifiers: modifiers) }

    public var description: String {
        var parts: [String] = []
        if fg != .default { parts.append("fg=" + fg.name) }
        if bg != .default { parts.append("bg=" + bg.name) }
        for (name, m) in Modifiers.names where modifiers.contains(m) { parts.append(name) }
        return parts.isEmpty ? "plain" : parts.joined(separator: " ")
    }
}

/// A resolved theme: a style for every role.
public struct Theme: Equatable, Sendable {
    public var name: String
    public var styles: [StyleRole: Style]

    public init(name: String, styles: [StyleRole: Style]) {
        self.name = name
        self.styles = styles
    }

    public func style(_ role: StyleRole) -> Style { styles[role] ?? Style() }

    /// This theme with colour removed (modifiers remain), the focused selection in reverse video.
    public var withoutColor: Theme {
        Theme(name: name, styles: styles.mapValues(\.withoutColor)).withVisibleSelection
    }

    /// This theme with the focused pane's selected row in reverse video when the theme gives it no colour of
    /// its own (a theme without colours, or colour removed); the selection of other panes is then underlined
    /// rather than reversed, so the focused one stands out.
    public var withVisibleSelection: Theme {
        var copy = self
        var selection = style(.selection)
        guard selection.bg == .default, !selection.modifiers.contains(.reversed) else { return self }
        selection.modifiers.insert(.reversed)
        copy.styles[.selection] = selection
        var unfocused = style(.selectionUnfocused)
        if unfocused.bg == .default, unfocused.modifiers.contains(.reversed) {
            unfocused.modifiers.remove(.reversed)
            unfocused.modifiers.insert(.underlined)
            copy.styles[.selectionUnfocused] = unfocused
        }
        return copy
    }

    /// Roles the theme leaves undefined.
    public var missingRoles: [StyleRole] { StyleRole.allCases.filter { styles[$0] == nil } }
}
