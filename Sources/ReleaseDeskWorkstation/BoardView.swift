import ReleaseDeskCore

/// The deviation board (`b`, `:board`, `:deviations`): every open deviation, overdue first, or the signed-in
/// user's own work (Tab switches). Its rows are computed when it opens and when the journal changes; the due
/// clocks are drawn from the state's time.
public struct BoardView: Equatable, Sendable {
    /// Which list the board shows.
    public enum Section: String, Sendable, CaseIterable {
        /// Every open deviation, in board order.
        case all
        /// The deviations waiting for the user, then the batches assigned to them.
        case mine
    }

    /// One line of the board.
    public enum Item: Equatable, Sendable {
        /// A heading of the "my work" list (not selectable for anything).
        case heading(String)
        /// A deviation, with the steps waiting for the user in "my work" (empty in the whole board).
        case deviation(DeviationBoard.Row, steps: [DeviationBoard.Step])
        /// A batch assigned to the user.
        case batch(QueueEntry)

        /// The batch Enter selects.
        public var batch: String? {
            switch self {
            case .heading: return nil
            case .deviation(let row, _): return row.batches.first
            case .batch(let entry): return entry.id
            }
        }
    }

    public var section: Section
    /// The signed-in user whose work "my work" shows.
    public var user: String
    public var items: [Item]
    /// Open deviations, and how many of them are overdue at the time the board was made.
    public var openCount: Int
    public var cursor = ListCursor()

    public static func open(_ desk: DeskState, user: String, section: Section) -> BoardView {
        var items: [Item] = []
        let rows = DeviationBoard.rows(desk)
        switch section {
        case .all:
            items = rows.map { .deviation($0, steps: []) }
        case .mine:
            let work = DeviationBoard.work(for: user, in: desk)
            items.append(.heading("Deviations waiting for you (\(work.deviations.count))"))
            items += work.deviations.map { .deviation($0.row, steps: $0.steps) }
            items.append(.heading("Batches assigned to you (\(work.batches.count))"))
            items += work.batches.map { .batch($0) }
        }
        var view = BoardView(section: section, user: user, items: items, openCount: rows.count)
        if section == .mine, items.count > 1, case .heading = items[0] { view.cursor.selected = 1 }
        return view
    }

    /// The same board on a new state, the selection kept on the same row when it is still there.
    public func refreshed(_ desk: DeskState, rows: Int) -> BoardView {
        var next = BoardView.open(desk, user: user, section: section)
        let selected = cursor.selected < items.count ? items[cursor.selected] : nil
        let index =
            selected.flatMap { item in next.items.firstIndex { Self.sameRow($0, item) } } ?? cursor.selected
        next.cursor = cursor
        next.cursor.select(index, count: next.items.count, rows: rows)
        return next
    }

    static func sameRow(_ a: Item, _ b: Item) -> Bool {
        switch (a, b) {
        case (.deviation(let x, _), .deviation(let y, _)): return x.id == y.id
        case (.batch(let x), .batch(let y)): return x.id == y.id
        case (.heading(let x), .heading(let y)): return x.split(separator: "(").first == y.split(separator: "(").first
        default: return false
        }
    }

    public var selectedItem: Item? { cursor.selected < items.count ? items[cursor.selected] : nil }

    /// Overdue deviations among the rows at `now`.
    public func overdueCount(at now: Timestamp) -> Int {
        items.reduce(0) { n, item in
            if case .deviation(let row, _) = item, row.isOverdue(at: now) { return n + 1 }
            return n
        }
    }

    /// Moves the selection within `rows` visible rows.
    mutating func move(to index: Int, rows: Int) {
        cursor.select(index, count: items.count, rows: rows)
    }
}

/// Where the parts of the board go on a terminal of `size`; the reducer and the screen use the same numbers.
public struct BoardLayout: Equatable, Sendable {
    /// The box over the panes (the status line stays visible).
    public var box: Rect
    /// Inside the border.
    public var inner: Rect
    /// Rows of the list (a summary line and the column header above it, the keys below).
    public var listRows: Int

    public init(size: Size) {
        box = Rect(x: 0, y: 0, width: size.width, height: max(4, size.height - 1))
        inner = Rect(x: 2, y: 1, width: max(1, box.width - 4), height: max(1, box.height - 2))
        listRows = max(1, inner.height - 3)
    }
}
