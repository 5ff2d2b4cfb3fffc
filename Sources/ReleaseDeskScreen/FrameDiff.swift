import ReleaseDeskWorkstation

/// Cells of one row that share a style role, to be put on the terminal from column `x` of row `y`.
public struct StyledRun: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var role: StyleRole
    /// The text of each cell, in order (empty for the right half of a wide character).
    public var cells: [String]

    public init(x: Int, y: Int, role: StyleRole, cells: [String]) {
        self.x = x
        self.y = y
        self.role = role
        self.cells = cells
    }

    /// What the terminal is sent for the run.
    public var text: String { cells.joined() }
}

/// What a terminal must be sent to go from the last frame to the next: every row that changed, whole, as
/// runs of one style role. The first frame, a frame of another size, and the first frame after
/// `invalidate()` send every row.
public struct FrameDiffer: Sendable {
    private var previous: CellBuffer?

    public init() {}

    /// The runs that turn the screen left by the last frame into `buffer`; remembers `buffer` as the last frame.
    public mutating func runs(to buffer: CellBuffer) -> [StyledRun] {
        let reuse = previous.map { $0.width == buffer.width && $0.height == buffer.height } ?? false
        var runs: [StyledRun] = []
        for y in 0..<buffer.height {
            let start = y * buffer.width
            let end = start + buffer.width
            if reuse, let previous, previous.cells[start..<end] == buffer.cells[start..<end] { continue }
            var x = 0
            while x < buffer.width {
                let role = buffer.cells[start + x].role
                var cells: [String] = []
                var runEnd = x
                while runEnd < buffer.width, buffer.cells[start + runEnd].role == role {
                    cells.append(buffer.cells[start + runEnd].text)
                    runEnd += 1
                }
                runs.append(StyledRun(x: x, y: y, role: role, cells: cells))
                x = runEnd
            }
        }
        previous = buffer
        return runs
    }

    /// Forgets the last frame: the next one is sent whole (after the terminal was cleared).
    public mutating func invalidate() {
        previous = nil
    }
}
