import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The audit trail: the selected batch's records or every record, one readable line each.
enum AuditPane {
    static func title(_ state: WorkstationState) -> [(String, StyleRole)] {
        var parts: [(String, StyleRole)] = []
        let all = state.auditScopeCount
        switch state.auditScope {
        case .all: parts.append(("Audit trail · all records (\(all))", .title))
        case .batch:
            if let id = state.selectedBatchID {
                parts.append(("Audit trail · \(id) (\(all))", .title))
            } else {
                parts.append(("Audit trail", .title))
            }
        }
        if let problem = state.auditFilterProblem {
            parts.append((" · filter not applied: \(problem)", .chainAlarm))
        } else if let filter = state.filters[.audit], !filter.isEmpty {
            parts.append((" · filter: \(filter) (\(state.auditIndex.count)/\(all))", .match))
        }
        if state.auditScope == .batch, let id = state.selectedBatchID {
            let review = ReleaseRules.auditTrailStatus(id, in: state.desk)
            if let r = review.review {
                parts.append(
                    review.isCurrent
                        ? (" · reviewed ✓ #\(r.throughSeq)", .chainOK)
                        : (" · review stale (+\(review.unreviewed))", .match))
            } else {
                parts.append((" · not reviewed", .dim))
            }
        }
        let short = String(state.chain.headHash.prefix(8))
        if state.chain.alarm != nil {
            parts.append((" · chain ‼ ALARM", .chainAlarm))
        } else {
            parts.append((" · chain verified ✓ \(short)…", .chainOK))
        }
        return parts
    }

    static func draw(_ state: WorkstationState, in rect: Rect, focused: Bool, into buffer: inout CellBuffer) {
        let inner = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.innerWidth, height: rect.innerHeight)
        let count = state.auditIndex.count
        guard count > 0 else {
            var text = state.filters[.audit] != nil ? "No record matches the filter (Esc clears it)." : "No records."
            if let problem = state.auditFilterProblem { text = "Filter: \(problem)" }
            buffer.put(text, x: inner.x + 2, y: inner.y, maxWidth: inner.width - 2, .dim)
            return
        }
        ListRows.draw(count: count, cursor: state.cursor(.audit), in: inner, focused: focused, into: &buffer) {
            index, y, start, buffer in
            var x = start
            x += buffer.putCell("#\(state.auditSeq(index))", x: x, y: y, columns: 8, .dim) + 1
            let record: Record
            switch state.auditRow(index) {
            case .success(let read): record = read
            case .failure(let problem):
                buffer.putCell(problem.reason, x: x, y: y, columns: max(0, inner.x + inner.width - x), .critical)
                return
            }
            x += buffer.putCell(Clock.format(record.at), x: x, y: y, columns: 17, .dim) + 1
            x += buffer.putCell(record.actor, x: x, y: y, columns: 10, .label) + 1
            x += buffer.putCell(record.kind, x: x, y: y, columns: 22, .text) + 1
            buffer.putCell(AuditText.summary(record), x: x, y: y, columns: max(0, inner.x + inner.width - x), .text)
        }
    }
}

/// One record in full over the panes: readable fields, then the raw canonical line.
enum RecordOverlay {
    static func draw(seq: Int64, offset: Int, state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let inner = Screen.dialog(
            width: state.size.width - 2, height: state.size.height - 2,
            title: "Record #\(seq) · Esc closes · n/p next/previous",
            in: state.size, box: box, into: &buffer)
        let rows = max(1, inner.height - 1)
        let page = RecordView.page(state, seq: seq, width: inner.width, offset: offset, rows: rows)
        for (row, line) in page.lines.enumerated() {
            var x = inner.x
            for segment in line.segments {
                x += buffer.put(
                    segment.text, x: x, y: inner.y + row, maxWidth: inner.x + inner.width - x,
                    StyleRole.of(segment.style))
            }
        }
        let start = page.first
        let footer =
            page.total > rows
            ? "\(start + 1)–\(min(page.total, start + rows))/\(page.total) · j/k scroll" : "j/k scroll"
        buffer.put(footer, x: inner.x, y: inner.y + inner.height - 1, maxWidth: inner.width, .dim)
    }
}

/// The integrity alarm across the top: it cannot be missed, and it says what the administrator needs.
enum AlarmBanner {
    static func draw(_ state: WorkstationState, in rect: Rect, into buffer: inout CellBuffer) {
        guard let alarm = state.chain.alarm else { return }
        buffer.fill(rect, .alarm)
        buffer.putFitted(
            "‼ INTEGRITY ALARM ‼ read-only · every signature refused · tell the administrator · the journal was changed or damaged",
            x: 0, y: rect.y, columns: rect.width, .alarm)
        if rect.height > 1 {
            buffer.putFitted("‼ " + alarm + " (releasedesk verify)", x: 0, y: rect.y + 1, columns: rect.width, .alarm)
        }
    }
}
