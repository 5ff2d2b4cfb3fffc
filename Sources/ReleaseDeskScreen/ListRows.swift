import ReleaseDeskWorkstation

/// The rows of a virtual list: only the visible ones are drawn, with the selection marker and highlight.
enum ListRows {
    /// Calls `draw(index, y, x)` for each visible row (`x` is where the row's text starts), then marks and
    /// highlights the selected one.
    static func draw(
        count: Int, cursor: ListCursor, in area: Rect, focused: Bool, into buffer: inout CellBuffer,
        _ draw: (_ index: Int, _ y: Int, _ x: Int, _ buffer: inout CellBuffer) -> Void
    ) {
        for row in 0..<area.height {
            let index = cursor.offset + row
            guard index < count else { break }
            let y = area.y + row
            let selected = index == cursor.selected
            if selected { buffer.put("▶", x: area.x, y: y, focused ? .selection : .selectionUnfocused) }
            draw(index, y, area.x + 2, &buffer)
            if selected && focused { buffer.cursor = CellPoint(x: area.x, y: y) }
            if selected {
                buffer.paint(
                    Rect(x: area.x, y: y, width: area.width, height: 1), focused ? .selection : .selectionUnfocused)
            }
        }
    }
}
