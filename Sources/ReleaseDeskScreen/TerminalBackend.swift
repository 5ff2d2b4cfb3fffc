import ReleaseDeskCore
import ReleaseDeskWorkstation

/// How many colours the terminal can show.
public enum ColorMode: Sendable, Equatable {
    case none, basic8, basic16, indexed256

    /// The mode for a terminal reporting `colors` colours.
    public static func forTerminal(colors: Int) -> ColorMode {
        colors >= 256 ? .indexed256 : colors >= 16 ? .basic16 : colors >= 8 ? .basic8 : .none
    }

    /// The terminal colour number for `color` (-1: the terminal's default).
    public func number(for color: ThemeColor) -> Int {
        switch (self, color) {
        case (.none, _), (_, .default): return -1
        case (.basic8, .ansi(let n)): return n % 8
        case (_, .ansi(let n)): return n
        case (.indexed256, .rgb(let r, let g, let b)): return Self.nearest256(Int(r), Int(g), Int(b))
        case (.basic16, .rgb(let r, let g, let b)): return Self.nearestBasic(Int(r), Int(g), Int(b), count: 16)
        case (.basic8, .rgb(let r, let g, let b)): return Self.nearestBasic(Int(r), Int(g), Int(b), count: 8)
        }
    }

    /// The xterm palette's 16 basic colours.
    static let basic: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
        (255, 255, 255),
    ]

    static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0
        let dg = a.1 - b.1
        let db = a.2 - b.2
        return dr * dr + dg * dg + db * db
    }

    static func nearestBasic(_ r: Int, _ g: Int, _ b: Int, count: Int) -> Int {
        (0..<count).min { distance(basic[$0], (r, g, b)) < distance(basic[$1], (r, g, b)) }!
    }

    /// Nearest of the 6×6×6 cube (16–231) and the grey ramp (232–255).
    static func nearest256(_ r: Int, _ g: Int, _ b: Int) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func level(_ v: Int) -> Int { (0..<6).min { abs(levels[$0] - v) < abs(levels[$1] - v) }! }
        let (cr, cg, cb) = (level(r), level(g), level(b))
        let cube = 16 + 36 * cr + 6 * cg + cb
        let cubeDistance = distance((levels[cr], levels[cg], levels[cb]), (r, g, b))
        let grey = min(23, max(0, ((r + g + b) / 3 - 8 + 5) / 10))
        let greyValue = 8 + 10 * grey
        let greyDistance = distance((greyValue, greyValue, greyValue), (r, g, b))
        return greyDistance < cubeDistance ? 232 + grey : cube
    }
}

/// The clipboard through the terminal: OSC 52 (`Esc ] 52 ; c ; BASE64 BEL`), which xterm, tmux (with
/// `set-clipboard`), kitty, iTerm2 and others honour. Only ids are copied, kept to printable ASCII (no space,
/// no control) and at most `maximumLength` characters, and sent in base64, so nothing in it can end the
/// sequence or act as a control.
public enum OSC52 {
    public static let maximumLength = 256

    /// The sequence that puts `text` on the clipboard, or nil when nothing printable is left of it.
    public static func sequence(for text: String) -> String? {
        let printable = text.unicodeScalars.filter { $0.value >= 0x21 && $0.value < 0x7F }
        guard !printable.isEmpty else { return nil }
        let bytes = printable.prefix(maximumLength).map { UInt8($0.value) }
        return "\u{1B}]52;c;" + base64(bytes) + "\u{07}"
    }

    /// RFC 4648 base64 with padding.
    public static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (i, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * i) }
            for i in 0..<4 {
                out.append(i <= chunk.count ? alphabet[(value >> (18 - 6 * i)) & 63] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What the workstation needs from a terminal. The ncurses backend is one; `MemoryTerminal` is another.
@MainActor
public protocol TerminalBackend: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// Puts `runs` on the screen (the rows that changed since the last frame, from `FrameDiffer`); every
    /// other cell stays as it is.
    func draw(_ runs: [StyledRun])
    /// The next key, waiting at most `timeoutMilliseconds`; `nil` when none came.
    func readKey(timeoutMilliseconds: Int) -> Key?
    /// Leaves the terminal's cursor at `point` (nil: where it is) once the frame is drawn.
    func placeCursor(_ point: CellPoint?)
    /// Puts `text` on the system clipboard through the terminal (OSC 52), when it can.
    func copyToClipboard(_ text: String)
    /// Repaints everything on the next draw.
    func redrawAll()
    /// Gives the terminal back as it was.
    func stop()
}

/// A terminal in memory: keys come from a list, what was drawn is kept as a grid of cells. For tests and
/// measurements.
@MainActor
public final class MemoryTerminal: TerminalBackend {
    public var size: Size {
        didSet { grid = CellBuffer(width: size.width, height: size.height) }
    }
    public var keys: [Key]
    /// The screen as the terminal shows it: every run drawn so far, put in place.
    public private(set) var grid: CellBuffer
    /// How many cells each frame sent (a frame that changed nothing sends none).
    public private(set) var cellsSent: [Int] = []
    public private(set) var stopped = false
    public private(set) var redraws = 0
    /// Where the cursor was left after the last frame.
    public private(set) var cursor: CellPoint?
    /// What was copied to the clipboard, in order.
    public private(set) var copied: [String] = []

    public init(size: Size, keys: [Key] = []) {
        self.size = size
        self.keys = keys
        grid = CellBuffer(width: size.width, height: size.height)
    }

    public func draw(_ runs: [StyledRun]) {
        var sent = 0
        for run in runs where run.y >= 0 && run.y < grid.height {
            for (i, text) in run.cells.enumerated() where run.x + i >= 0 && run.x + i < grid.width {
                grid[run.x + i, run.y] = Cell(text, run.role)
                sent += 1
            }
        }
        cellsSent.append(sent)
    }

    public func readKey(timeoutMilliseconds: Int) -> Key? { keys.isEmpty ? nil : keys.removeFirst() }

    public func placeCursor(_ point: CellPoint?) {
        if let point { cursor = point }
    }

    public func copyToClipboard(_ text: String) { copied.append(text) }

    public func redrawAll() {
        redraws += 1
        grid = CellBuffer(width: size.width, height: size.height)
    }

    public func stop() { stopped = true }

    /// The screen as text, one line per row.
    public var screen: [String] { grid.lines }
}
