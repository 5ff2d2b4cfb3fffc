import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The scorecard view over the panes: the period, the sites as columns (the selected one marked), one row per
/// figure with the month-by-month sparklines and the rules' record below, and the keys in the last row.
enum ScorecardOverlay {
    static func draw(_ view: ScorecardView, state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let layout = ScorecardLayout(size: state.size)
        buffer.fill(layout.box, .text)
        Screen.drawBox(
            layout.box, focused: true, title: [("Oversight · site and CMO scorecards", .title), (" (Esc back)", .dim)],
            box: box, into: &buffer)
        let inner = layout.inner
        let card = view.card
        let first = card.months.first ?? ""
        let last = card.months.last ?? ""
        buffer.putFitted(
            "\(first) – \(last) · batches by manufacture start · \(card.sites.count) sites · now "
                + String(card.now.description.prefix(16)),
            x: inner.x, y: inner.y, columns: inner.width, .heading)
        guard !card.sites.isEmpty else {
            buffer.putFitted("No site in this journal.", x: inner.x, y: inner.y + 2, columns: inner.width, .dim)
            return
        }
        let count = card.sites.count
        let columnWidth = max(4, (inner.width - layout.labelWidth) / count)
        func x(_ i: Int) -> Int { inner.x + layout.labelWidth + i * columnWidth }
        // Site names, the selected one marked.
        let namesY = inner.y + 1
        for (i, site) in card.sites.enumerated() {
            let chosen = i == view.selected
            let name = site.site + (site.kind == "cmo" ? " (CMO)" : "") + (chosen ? " ◀" : "")
            buffer.putFitted(name, x: x(i), y: namesY, columns: columnWidth - 1, chosen ? .selection : .label)
        }
        let lines = view.lines(unicode: buffer.unicode)
        let offset = max(0, min(view.offset, layout.maxOffset(lines.count)))
        for row in 0..<layout.rows {
            let index = offset + row
            guard index < lines.count else { break }
            let line = lines[index]
            let y = namesY + 1 + row
            if line.heading {
                buffer.putFitted(line.label, x: inner.x, y: y, columns: inner.width, .heading)
                continue
            }
            buffer.putFitted(line.label, x: inner.x, y: y, columns: layout.labelWidth - 1, .label)
            for (i, cell) in line.cells.enumerated() {
                buffer.putFitted(cell, x: x(i), y: y, columns: columnWidth - 1, Self.role(line.label, cell))
            }
        }
        let footerY = inner.y + inner.height - 1
        var footer = "← → site · Enter chart of its drifting attribute · j/k scroll · Esc back"
        if lines.count > layout.rows {
            footer += " · \(offset + 1)–\(min(lines.count, offset + layout.rows)) of \(lines.count)"
        }
        buffer.putFitted(footer, x: inner.x, y: footerY, columns: inner.width, .dim)
        buffer.cursor = CellPoint(x: x(view.selected), y: namesY)
    }

    /// Suspension and drift stand out; everything else is plain text.
    static func role(_ label: String, _ cell: String) -> StyleRole {
        if label == "status", cell.contains("suspended") { return .critical }
        if label == "drifting attribute", cell != "none" { return .major }
        return .text
    }
}
