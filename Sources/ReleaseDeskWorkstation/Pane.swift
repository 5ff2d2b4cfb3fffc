/// The four panes of the workstation, in focus order.
public enum Pane: Int, CaseIterable, Sendable, Hashable {
    case queue, exceptions, detail, audit

    /// The pane's name in titles and help.
    public var name: String {
        switch self {
        case .queue: return "Queue"
        case .exceptions: return "Exceptions"
        case .detail: return "Detail"
        case .audit: return "Audit trail"
        }
    }

    /// Whether the pane is a list with a selection (the detail pane scrolls instead).
    public var isList: Bool { self != .detail }
}

/// A width and a height in terminal cells.
public struct Size: Equatable, Sendable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The smallest terminal the workstation lays out in.
    public static let minimum = Size(width: 80, height: 24)

    public var isTooSmall: Bool { width < Self.minimum.width || height < Self.minimum.height }
}

/// A rectangle of cells.
public struct Rect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Rows inside the border.
    public var innerHeight: Int { max(0, height - 2) }
    /// Columns inside the border.
    public var innerWidth: Int { max(0, width - 2) }
}

/// Where each pane goes for a terminal size: the queue top left, exceptions and detail stacked on the
/// right, the audit trail across the bottom, the status line on the last row. A zoomed pane takes all
/// rows above the status line.
public struct Layout: Equatable, Sendable {
    public var panes: [Pane: Rect]
    public var statusLine: Rect

    /// The integrity-alarm banner across the top, when there is one.
    public var banner: Rect?

    public init(size: Size, zoomed: Pane?, banner: Bool = false) {
        let bannerRows = banner ? 2 : 0
        self.banner = banner ? Rect(x: 0, y: 0, width: size.width, height: bannerRows) : nil
        let body = max(0, size.height - 1 - bannerRows)
        let y0 = bannerRows
        statusLine = Rect(x: 0, y: y0 + body, width: size.width, height: 1)
        if let zoomed {
            panes = [zoomed: Rect(x: 0, y: y0, width: size.width, height: body)]
            return
        }
        let top = max(4, body * 3 / 5)
        let left = size.width / 2
        let upperRight = top / 2
        panes = [
            .queue: Rect(x: 0, y: y0, width: left, height: top),
            .exceptions: Rect(x: left, y: y0, width: size.width - left, height: upperRight),
            .detail: Rect(x: left, y: y0 + upperRight, width: size.width - left, height: top - upperRight),
            .audit: Rect(x: 0, y: y0 + top, width: size.width, height: body - top),
        ]
    }

    /// The screen row of the first list row of `pane` (inside the border, below the queue's header).
    public func listTop(_ pane: Pane) -> Int {
        guard let rect = panes[pane] else { return 0 }
        return rect.y + 1 + (pane == .queue ? 1 : 0)
    }

    /// Rows of list content in `pane` (the queue has a header row inside its border).
    public func listRows(_ pane: Pane) -> Int {
        guard let rect = panes[pane] else { return 0 }
        return max(1, rect.innerHeight - (pane == .queue ? 1 : 0))
    }
}
