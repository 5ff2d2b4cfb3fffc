import CNCursesShim
import ReleaseDeskScreen
import ReleaseDeskWorkstation

/// The terminal through ncursesw. The only code that calls curses; every call happens on the main actor.
@MainActor
public final class NcursesTerminal: TerminalBackend {
    /// Why the terminal cannot be used.
    public enum Unusable: Error, CustomStringConvertible {
        case unknownTerminal, cannotAddressCursor, cannotStart

        public var description: String {
            switch self {
            case .unknownTerminal: return "the terminal type (TERM) is not set or not known to this system"
            case .cannotAddressCursor: return "this terminal (TERM=dumb or similar) cannot move the cursor"
            case .cannotStart: return "the terminal could not be initialised"
            }
        }
    }

    private let theme: Theme
    public let colorMode: ColorMode
    private var pairs: [Style: Int32] = [:]
    private var nextPair: Int32 = 1
    private let maxPairs: Int32
    private var running = true

    /// Checks the terminal, then enters curses mode; `noColor` removes colour (attributes remain; the
    /// focused selection is then reverse video), `mouse` asks the terminal for mouse reports, `showCursor`
    /// leaves the cursor visible (`--plain`: a screen reader follows it from row to row).
    public init(theme: Theme, noColor: Bool, mouse: Bool = false, showCursor: Bool = false) throws(Unusable) {
        try Self.check()
        guard rd_start() == 0 else { throw .cannotStart }
        let mode = noColor ? ColorMode.none : ColorMode.forTerminal(colors: Int(rd_colors()))
        colorMode = mode
        self.theme = mode == .none ? theme.withoutColor : theme.withVisibleSelection
        maxPairs = rd_color_pairs()
        if mouse { rd_mouse(1) }
        if showCursor { rd_cursor_visible(1) }
    }

    /// Checks that the terminal named by `TERM` is known and can address the cursor.
    public nonisolated static func check() throws(Unusable) {
        switch rd_check_terminal() {
        case 0: return
        case -2: throw .cannotAddressCursor
        default: throw .unknownTerminal
        }
    }

    /// The signal (SIGTERM, SIGHUP) that asked the program to end, or 0.
    public static var pendingSignal: Int32 { rd_pending_signal() }

    public var size: Size { Size(width: Int(rd_cols()), height: Int(rd_lines())) }

    public func draw(_ runs: [StyledRun]) {
        var text: [wchar_t] = []
        for run in runs {
            text.removeAll(keepingCapacity: true)
            for cell in run.cells {
                for scalar in cell.unicodeScalars { text.append(wchar_t(bitPattern: scalar.value)) }
            }
            let style = theme.style(run.role)
            text.withUnsafeBufferPointer { p in
                rd_put(
                    Int32(run.y), Int32(run.x), p.baseAddress, Int32(p.count), pair(for: style),
                    attributes(style.modifiers))
            }
        }
        rd_refresh()
    }

    private func attributes(_ m: Modifiers) -> Int32 {
        var a: Int32 = 0
        if m.contains(.bold) { a |= Int32(RD_ATTR_BOLD) }
        if m.contains(.dim) { a |= Int32(RD_ATTR_DIM) }
        if m.contains(.italic) { a |= Int32(RD_ATTR_ITALIC) }
        if m.contains(.underlined) { a |= Int32(RD_ATTR_UNDERLINE) }
        if m.contains(.reversed) { a |= Int32(RD_ATTR_REVERSE) }
        return a
    }

    private func pair(for style: Style) -> Int32 {
        guard colorMode != .none, style.fg != .default || style.bg != .default else { return 0 }
        let key = Style(fg: style.fg, bg: style.bg)
        if let known = pairs[key] { return known }
        guard nextPair < maxPairs else { return 0 }
        let number = nextPair
        nextPair += 1
        _ = rd_define_pair(number, Int32(colorMode.number(for: style.fg)), Int32(colorMode.number(for: style.bg)))
        pairs[key] = number
        return number
    }

    /// Keys with escape sequences taken whole.
    private var keys = KeyStream()

    /// How long to wait for the next byte of an escape sequence (the library has already waited ESCDELAY
    /// for the first one, so the rest of a real sequence is in its buffer).
    private static let sequenceGapMilliseconds: Int32 = 25

    public func readKey(timeoutMilliseconds: Int) -> Key? {
        keys.next { inSequence in
            self.readRaw(inSequence ? Self.sequenceGapMilliseconds : Int32(timeoutMilliseconds))
        }
    }

    private func readRaw(_ timeout: Int32) -> KeyStream.Input? {
        var value: Int32 = 0
        switch rd_read_key(timeout, &value) {
        case Int32(RD_KEY_CHAR):
            return .scalar(UInt32(bitPattern: value))
        case Int32(RD_KEY_SPECIAL):
            switch value {
            case Int32(RD_SPECIAL_UP): return .key(.up)
            case Int32(RD_SPECIAL_DOWN): return .key(.down)
            case Int32(RD_SPECIAL_LEFT): return .key(.left)
            case Int32(RD_SPECIAL_RIGHT): return .key(.right)
            case Int32(RD_SPECIAL_HOME): return .key(.home)
            case Int32(RD_SPECIAL_END): return .key(.end)
            case Int32(RD_SPECIAL_PAGE_UP): return .key(.pageUp)
            case Int32(RD_SPECIAL_PAGE_DOWN): return .key(.pageDown)
            case Int32(RD_SPECIAL_BACK_TAB): return .key(.backTab)
            case Int32(RD_SPECIAL_ENTER): return .key(.enter)
            case Int32(RD_SPECIAL_BACKSPACE): return .key(.backspace)
            case Int32(RD_SPECIAL_DELETE): return .key(.delete)
            case Int32(RD_SPECIAL_F1): return .key(.f1)
            default: return .key(nil)  // resize and unknown keys: the caller reads the size again
            }
        default:
            return nil
        }
    }

    public func placeCursor(_ point: CellPoint?) {
        guard let point else { return }
        rd_move_cursor(Int32(point.y), Int32(point.x))
    }

    public func copyToClipboard(_ text: String) {
        guard let sequence = OSC52.sequence(for: text) else { return }
        let bytes = Array(sequence.utf8)
        bytes.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { rd_write_raw($0.baseAddress, Int32($0.count)) }
        }
    }

    public func redrawAll() {
        rd_clear_all()
    }

    public func stop() {
        guard running else { return }
        running = false
        rd_stop()
    }
}
