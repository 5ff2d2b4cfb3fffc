import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The batch queue: one row per batch, most urgent first (or as sorted), with counts and the patient clock.
enum QueuePane {
    struct Column {
        var name: String
        var width: Int
        var sort: QueueSortColumn?
    }

    static func title(_ state: WorkstationState) -> [(String, StyleRole)] {
        let arrow = state.sortReversed ? "▲" : "▼"
        var parts: [(String, StyleRole)] = [
            ("Queue (\(state.visibleQueue.count))", .title), (" · sort: \(state.sortColumn.rawValue) \(arrow)", .dim),
        ]
        if let filter = state.filters[.queue], !filter.isEmpty {
            parts.append((" · filter: \(filter) (\(state.visibleQueue.count)/\(state.queueRows.count))", .match))
        }
        return parts
    }

    /// Columns that fit `width`, in display order: the widest preset that fits.
    static func columns(width: Int) -> [Column] {
        let batch = Column(name: "Batch", width: 13, sort: .batch)
        let status = Column(name: "Status", width: 18, sort: .status)
        let product = Column(name: "Product", width: 7, sort: .product)
        let site = Column(name: "Site", width: 7, sort: .site)
        let coi = Column(name: "CoI", width: 11, sort: nil)
        let open = Column(name: "Open", width: 11, sort: .exceptions)
        let tests = Column(name: "Tests", width: 5, sort: nil)
        let due = Column(name: "Due", width: 6, sort: .urgency)
        // The narrowest preset's Due column is 5 wide, so the at-risk mark fits it as `◷risk`.
        let presets: [[Column]] = [
            [batch, status, product, site, coi, open, tests, due],
            [batch, status, product, site, open, tests, due],
            [batch, status, product, site, open, due],
            [batch, status, product, open, due],
            [batch, status, open, due],
            [
                Column(name: "Batch", width: 12, sort: .batch), Column(name: "State", width: 9, sort: .status),
                Column(name: "Open", width: 7, sort: .exceptions), Column(name: "Due", width: 5, sort: .urgency),
            ],
        ]
        for preset in presets where 2 + preset.reduce(0, { $0 + $1.width + 1 }) <= width + 1 { return preset }
        return [Column(name: "Batch", width: 12, sort: .batch), Column(name: "Due", width: 4, sort: .urgency)]
    }

    static func draw(_ state: WorkstationState, in rect: Rect, focused: Bool, into buffer: inout CellBuffer) {
        let inner = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.innerWidth, height: rect.innerHeight)
        guard inner.height > 0 else { return }
        let cols = columns(width: inner.width)
        var x = inner.x + 2
        for col in cols {
            var name = col.name
            if col.sort == state.sortColumn { name += state.sortReversed ? "▲" : "▼" }
            buffer.putCell(name, x: x, y: inner.y, columns: col.width, .header)
            x += col.width + 1
        }
        let rows = inner.height - 1
        let cursor = state.cursor(.queue)
        if state.visibleQueue.isEmpty {
            let text =
                state.filters[.queue] != nil
                ? "No batch matches the filter (Esc clears it)." : "No batches in the queue."
            buffer.put(text, x: inner.x + 2, y: inner.y + 1, maxWidth: inner.width - 2, .dim)
            return
        }
        let area = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: rows)
        ListRows.draw(count: state.visibleQueue.count, cursor: cursor, in: area, focused: focused, into: &buffer) {
            index, y, start, buffer in
            let entry = state.queueRow(index)
            var x = start
            for col in cols {
                switch col.name {
                case "Batch": buffer.putCell(entry.id, x: x, y: y, columns: col.width, .text)
                case "Status":
                    buffer.putCell(entry.status.label, x: x, y: y, columns: col.width, StyleRole.of(entry.status))
                case "State":
                    buffer.putCell(
                        Glyphs.shortStatus(entry.status), x: x, y: y, columns: col.width, StyleRole.of(entry.status))
                case "Product": buffer.putCell(entry.product, x: x, y: y, columns: col.width, .text)
                case "Site": buffer.putCell(entry.site, x: x, y: y, columns: col.width, .text)
                case "CoI": buffer.putCell(entry.coi ?? "—", x: x, y: y, columns: col.width, .dim)
                case "Open": drawCounts(entry, x: x, y: y, width: col.width, into: &buffer)
                case "Tests":
                    buffer.putCell(
                        entry.pendingTests > 0 ? "⧗\(entry.pendingTests)" : "", x: x, y: y, columns: col.width, .soon)
                default:
                    if ReleaseForecast.forecast(state.desk, batch: entry.id, now: state.now)?.isAtRisk == true {
                        // The earliest certification leaves less than the margin before the planned infusion.
                        let mark = col.width >= 6 ? riskMark : riskMarkNarrow
                        buffer.putCell(mark, x: x, y: y, columns: col.width, .overdue)
                    } else {
                        let hours =
                            (entry.deadline.millisecondsSinceEpoch - state.now.millisecondsSinceEpoch) / 3_600_000
                        let role: StyleRole = hours < 0 ? .overdue : hours < 48 ? .soon : .text
                        buffer.putCell(Clock.cell(hours: hours), x: x, y: y, columns: col.width, role)
                    }
                }
                x += col.width + 1
            }
        }
    }

    /// A batch at risk of missing its planned infusion (`ReleaseForecast`): glyph and word, so colour never
    /// carries it alone; `@ risk` outside UTF-8.
    static let riskMark = "◷ risk"
    static let riskMarkNarrow = "◷risk"

    static func drawCounts(_ entry: QueueEntry, x: Int, y: Int, width: Int, into buffer: inout CellBuffer) {
        var cx = x
        let end = x + width
        for severity in Severity.allCases.reversed() {
            let n = entry.open[severity, default: 0]
            guard n > 0 else { continue }
            cx += buffer.put(
                "\(Glyphs.severityGlyph(severity))\(n) ", x: cx, y: y, maxWidth: end - cx, StyleRole.of(severity))
        }
        if cx == x { buffer.put("–", x: x, y: y, maxWidth: width, .dim) }
    }
}
