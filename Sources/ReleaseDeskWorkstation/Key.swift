/// A key press, as the terminal backend reports it.
public enum Key: Hashable, Sendable {
    /// A printable character.
    case char(Character)
    /// Ctrl with a letter (lower case).
    case ctrl(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case enter, escape, tab, backTab, backspace, delete, f1
    /// A mouse report (xterm SGR mode): a click, a release or a turn of the wheel.
    case mouse(MouseEvent)

    /// How the key is written in help and documentation.
    public var label: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "Ctrl-" + String(c).uppercased()
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .delete: return "Del"
        case .f1: return "F1"
        case .mouse(let event): return event.label
        }
    }

    /// The key a terminal sends for the Unicode scalar `value` (control characters become named keys).
    public static func fromScalar(_ value: UInt32) -> Key? {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(value + 96)!))
        case 0, 28...31: return nil
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .char(Character(scalar))
        }
    }
}

/// What the mouse did, at a cell (0-based column and row), as an xterm SGR report says it.
public struct MouseEvent: Hashable, Sendable {
    public enum Action: Hashable, Sendable {
        /// A button went down: 0 left, 1 middle, 2 right.
        case press(button: Int)
        /// A button came up.
        case release(button: Int)
        case wheelUp, wheelDown
    }

    public var action: Action
    public var x: Int
    public var y: Int

    public init(_ action: Action, x: Int, y: Int) {
        self.action = action
        self.x = x
        self.y = y
    }

    var label: String {
        switch action {
        case .press(let button): return "Click\(button == 0 ? "" : String(button + 1))"
        case .release: return "Release"
        case .wheelUp: return "Wheel-Up"
        case .wheelDown: return "Wheel-Down"
        }
    }

    /// The event an SGR report (`Esc [ < b ; x ; y M` or `m`) describes: `parameters` is what lies between
    /// `[` and the final byte (`<b;x;y`), `pressed` whether the final byte is `M`. Nil for a report this
    /// program does not use (motion, modifiers, extra buttons) or a malformed one.
    public static func sgr(_ parameters: String, pressed: Bool) -> MouseEvent? {
        guard parameters.first == "<" else { return nil }
        let fields = parameters.dropFirst().split(separator: ";", omittingEmptySubsequences: false)
        guard fields.count == 3, let code = Int(fields[0]), let column = Int(fields[1]), let row = Int(fields[2]),
            column >= 1, row >= 1, code >= 0
        else { return nil }
        // Values 4, 8 and 16 are Shift, Meta and Ctrl, 32 motion, 64 the wheel, 128 and above extra buttons.
        guard code & 0b0011_1100 == 0, code < 128 else { return nil }
        let action: Action
        if code & 64 != 0 {
            switch code & 3 {
            case 0: action = .wheelUp
            case 1: action = .wheelDown
            default: return nil
            }
        } else {
            guard code & 3 != 3 else { return nil }
            action = pressed ? .press(button: code & 3) : .release(button: code & 3)
        }
        return MouseEvent(action, x: column - 1, y: row - 1)
    }
}
