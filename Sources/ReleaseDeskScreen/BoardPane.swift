import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The deviation board over the panes: a summary line, the column header, the rows (every open deviation,
/// overdue first, or the user's own work) and the keys in the last row.
enum BoardOverlay {
    struct Column {
        var name: String
        var width: Int
    }

    /// Wide enough for the stage in full, the due clock in words, the extensions and the title.
    static func isWide(_ width: Int) -> Bool { width >= 110 }

    static func columns(_ section: BoardView.Section, width: Int) -> [Column] {
        let wide = isWide(width)
        let step = section == .mine ? "Your step" : "Stage"
        if wide {
            let stage = section == .mine ? 23 : 17
            return [
                Column(name: "Deviation", width: 9), Column(name: "Class", width: 10),
                Column(name: step, width: stage), Column(name: "Owner", width: 10), Column(name: "Batch", width: 13),
                Column(name: "Due", width: 19), Column(name: "Extensions", width: 21),
                Column(name: "Title", width: max(1, width - 2 - 9 - 10 - stage - 10 - 13 - 19 - 21 - 7)),
            ]
        }
        return [
            Column(name: "Deviation", width: 9), Column(name: "Class", width: 10), Column(name: step, width: 11),
            Column(name: "Owner", width: 9), Column(name: "Batch", width: 13), Column(name: "Due", width: 12),
            Column(name: "Ext", width: max(1, width - 2 - 9 - 10 - 11 - 9 - 13 - 12 - 6)),
        ]
    }

    static func draw(_ view: BoardView, state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let layout = BoardLayout(size: state.size)
        buffer.fill(layout.box, .text)
        let title = view.section == .all ? "Deviation board" : "My work · \(view.user)"
        Screen.drawBox(
            layout.box, focused: true, title: [(title, .title), (" (Esc back)", .dim)], box: box, into: &buffer)
        let inner = layout.inner
        let overdue = view.overdueCount(at: state.now)
        let summary: String
        switch view.section {
        case .all:
            summary =
                "\(view.openCount) open · \(overdue) overdue · owner: who opened it · Tab: my work"
        case .mine:
            summary = "\(view.openCount) open in all · \(overdue) of yours overdue · Tab: the whole board"
        }
        buffer.putFitted(summary, x: inner.x, y: inner.y, columns: inner.width, overdue > 0 ? .overdue : .heading)
        let cols = columns(view.section, width: inner.width)
        var x = inner.x + 2
        for col in cols {
            buffer.putCell(col.name, x: x, y: inner.y + 1, columns: col.width, .header)
            x += col.width + 1
        }
        let area = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: layout.listRows)
        if view.items.isEmpty {
            buffer.put("No open deviation.", x: area.x + 2, y: area.y, maxWidth: area.width - 2, .dim)
        }
        ListRows.draw(count: view.items.count, cursor: view.cursor, in: area, focused: true, into: &buffer) {
            index, y, start, buffer in
            switch view.items[index] {
            case .heading(let text):
                buffer.putFitted(text, x: start, y: y, columns: area.width - 2, .heading)
            case .deviation(let row, let steps):
                drawDeviation(
                    row, steps: steps, section: view.section, cols: cols, now: state.now, x: start, y: y,
                    into: &buffer)
            case .batch(let entry):
                drawBatch(entry, state: state, x: start, y: y, width: area.width - 2, into: &buffer)
            }
        }
        let footer = "j/k move · Enter select the batch · Tab all / my work · Esc back"
        let count = view.items.count
        let position = count > layout.listRows ? " · \(view.cursor.selected + 1)/\(count)" : ""
        buffer.putFitted(footer + position, x: inner.x, y: inner.y + inner.height - 1, columns: inner.width, .dim)
    }

    /// `open`, `investig.`, `to approve` where the column is narrow.
    static func stage(_ stage: DeviationStage, wide: Bool) -> String {
        if wide { return stage.rawValue }
        switch stage {
        case .open: return "open"
        case .investigation: return "investig."
        case .awaitingApproval: return "to approve"
        case .closed: return "closed"
        }
    }

    /// `in 3d`, `in 19h`, `overdue 5h` where the column is narrow.
    static func shortClock(_ row: DeviationBoard.Row, now: Timestamp) -> String {
        let ms = row.remainingMilliseconds(at: now)
        if ms < 0 { return "overdue " + Clock.cell(hours: (-ms + 3_599_999) / 3_600_000) }
        return "in " + Clock.cell(hours: ms / 3_600_000)
    }

    static func drawDeviation(
        _ row: DeviationBoard.Row, steps: [DeviationBoard.Step], section: BoardView.Section, cols: [Column],
        now: Timestamp, x start: Int, y: Int, into buffer: inout CellBuffer
    ) {
        let wide = cols.count == 8
        let overdue = row.isOverdue(at: now)
        let hours = row.remainingMilliseconds(at: now) / 3_600_000
        var x = start
        for col in cols {
            let text: String
            var role: StyleRole = .text
            switch col.name {
            case "Deviation": text = row.id
            case "Class":
                text = Glyphs.severity(row.classification)
                role = StyleRole.of(row.classification)
            case "Stage": text = stage(row.stage, wide: wide)
            case "Your step": text = steps.map { wide ? $0.words : shortStep($0) }.joined(separator: ", ")
            case "Owner": text = row.owner
            case "Batch": text = row.batches.joined(separator: " ")
            case "Due":
                text = wide ? DeviationBoard.clockText(row, at: now) : shortClock(row, now: now)
                role = overdue ? .overdue : hours < 48 ? .soon : .text
            case "Extensions", "Ext":
                text = extensions(row, wide: wide)
                role = row.pendingExtension != nil ? .soon : .dim
            default: text = row.title
            }
            buffer.putCell(text, x: x, y: y, columns: col.width, role)
            x += col.width + 1
        }
    }

    /// `1 approved, 1 waiting` (wide) or `1+1?` (narrow): approved extensions, and one waiting for approval.
    static func extensions(_ row: DeviationBoard.Row, wide: Bool) -> String {
        let approved = row.extensions.filter(\.isApproved).count
        let waiting = row.pendingExtension != nil
        if row.extensions.isEmpty { return wide ? "none" : "–" }
        if wide {
            if approved == 0 { return "1 waiting" }
            return "\(approved) approved" + (waiting ? ", 1 waiting" : "")
        }
        return "\(approved)" + (waiting ? "+1?" : "")
    }

    static func shortStep(_ step: DeviationBoard.Step) -> String {
        switch step {
        case .approval: return "approve"
        case .classificationApproval: return "classify"
        case .investigation: return "investigate"
        case .finalApproval: return "final appr."
        case .extensionApproval: return "extension"
        }
    }

    /// A batch assigned to the user: id, status, product, site and the patient clock (or the at-risk mark).
    static func drawBatch(
        _ entry: QueueEntry, state: WorkstationState, x: Int, y: Int, width: Int,
        into buffer: inout CellBuffer
    ) {
        var cx = x
        buffer.putCell(entry.id, x: cx, y: y, columns: 13, .text)
        cx += 14
        buffer.putCell(entry.status.label, x: cx, y: y, columns: 20, StyleRole.of(entry.status))
        cx += 21
        buffer.putCell("\(entry.product) · \(entry.site)", x: cx, y: y, columns: 20, .dim)
        cx += 21
        let hours = (entry.deadline.millisecondsSinceEpoch - state.now.millisecondsSinceEpoch) / 3_600_000
        let risk = ReleaseForecast.forecast(state.desk, batch: entry.id, now: state.now)?.isAtRisk == true
        let text = risk ? QueuePane.riskMark : "due " + Clock.cell(hours: hours)
        buffer.putCell(text, x: cx, y: y, columns: max(0, x + width - cx), risk || hours < 0 ? .overdue : .text)
    }
}
