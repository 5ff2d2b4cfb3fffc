import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The audit trail of the selected batch, one readable line per journal record.
enum AuditPane {
    static func title(_ state: WorkstationState) -> [(String, StyleRole)] {
        var parts: [(String, StyleRole)] = []
        if let id = state.selectedBatchID {
            let all = state.desk.batches[id]?.recordSeqs.count ?? 0
            parts.append(("Audit trail · \(id) (\(all))", .title))
            if let filter = state.filters[.audit], !filter.isEmpty {
                parts.append((" · filter: \(filter) (\(state.auditRows.count)/\(all))", .match))
            }
        } else {
            parts.append(("Audit trail", .title))
        }
        let short = String(state.chain.headHash.prefix(8))
        if state.chain.alarm != nil {
            parts.append((" · chain ‼ ALARM", .chainAlarm))
        } else {
            parts.append((" · chain ✓ \(short)…", .chainOK))
        }
        return parts
    }

    static func draw(_ state: WorkstationState, in rect: Rect, focused: Bool, into buffer: inout CellBuffer) {
        let inner = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.innerWidth, height: rect.innerHeight)
        let rows = state.auditRows
        guard !rows.isEmpty else {
            let text = state.filters[.audit] != nil ? "No record matches the filter (Esc clears it)." : "No records."
            buffer.put(text, x: inner.x + 2, y: inner.y, maxWidth: inner.width - 2, .dim)
            return
        }
        ListRows.draw(count: rows.count, cursor: state.cursor(.audit), in: inner, focused: focused, into: &buffer) {
            index, y, start, buffer in
            let record = rows[index]
            var x = start
            x += buffer.putCell("#\(record.seq)", x: x, y: y, columns: 7, .dim) + 1
            x += buffer.putCell(Clock.format(record.at), x: x, y: y, columns: 17, .dim) + 1
            x += buffer.putCell(record.actor, x: x, y: y, columns: 10, .label) + 1
            x += buffer.putCell(record.kind, x: x, y: y, columns: 22, .text) + 1
            buffer.putCell(AuditText.summary(record), x: x, y: y, columns: max(0, inner.x + inner.width - x), .text)
        }
    }
}
