import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The exceptions of the selected batch, each with its rule, its state (open, justified, re-test requested,
/// deviation, invalidated, confirmed) and what was observed.
enum ExceptionsPane {
    static func title(_ state: WorkstationState) -> [(String, StyleRole)] {
        guard let id = state.selectedBatchID else { return [("Exceptions", .title)] }
        let exceptions = state.desk.batches[id]?.review?.exceptions ?? []
        let all = exceptions.count
        let open = exceptions.filter { state.desk.exceptionState($0, of: id) == .open }.count
        var parts: [(String, StyleRole)] = [("Exceptions · \(id) (\(all), \(open) open)", .title)]
        if let filter = state.filters[.exceptions], !filter.isEmpty {
            parts.append((" · filter: \(filter) (\(state.exceptionRows.count)/\(all))", .match))
        }
        return parts
    }

    static func draw(_ state: WorkstationState, in rect: Rect, focused: Bool, into buffer: inout CellBuffer) {
        let inner = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.innerWidth, height: rect.innerHeight)
        let rows = state.exceptionRows
        guard !rows.isEmpty else {
            let text: String
            if state.selectedBatchID == nil {
                text = "Select a batch in the queue."
            } else if state.filters[.exceptions] != nil {
                text = "No exception matches the filter (Esc clears it)."
            } else if let entry = state.selectedQueueEntry, entry.status == .awaitingReview {
                text = "Not reviewed since its last data arrived."
            } else {
                text = "No exceptions."
            }
            buffer.put(text, x: inner.x + 2, y: inner.y, maxWidth: inner.width - 2, .dim)
            return
        }
        ListRows.draw(count: rows.count, cursor: state.cursor(.exceptions), in: inner, focused: focused, into: &buffer)
        {
            index, y, start, buffer in
            let exception = rows[index]
            var x = start
            x +=
                buffer.putCell(
                    Glyphs.severity(exception.severity), x: x, y: y, columns: 10, StyleRole.of(exception.severity)) + 1
            x += buffer.putCell(exception.rule, x: x, y: y, columns: 7, .label) + 1
            if let batch = state.selectedBatchID {
                let standing = state.desk.exceptionState(exception, of: batch)
                let role: StyleRole =
                    standing == .open || standing == .confirmed ? StyleRole.of(exception.severity) : .dim
                x += buffer.putCell(standing.label, x: x, y: y, columns: 14, role) + 1
            }
            let text = exception.title + " — " + exception.observed
            buffer.putCell(text, x: x, y: y, columns: max(0, inner.x + inner.width - x), .text)
        }
    }
}
