import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The selected exception explained, and the batch with its clocks.
enum DetailPane {
    static func title(_ state: WorkstationState) -> [(String, StyleRole)] {
        if let exception = state.selectedException { return [("Detail · \(exception.rule) · \(exception.id)", .title)] }
        if let id = state.selectedBatchID { return [("Detail · \(id)", .title)] }
        return [("Detail", .title)]
    }

    static func draw(_ state: WorkstationState, in rect: Rect, into buffer: inout CellBuffer) {
        let inner = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.innerWidth, height: rect.innerHeight)
        let lines = DetailContent.lines(state, width: inner.width - 2)
        let offset = min(state.cursor(.detail).offset, max(0, lines.count - inner.height))
        for row in 0..<inner.height {
            let index = offset + row
            guard index < lines.count else { break }
            var x = inner.x + 1
            let end = inner.x + inner.width - 1
            for segment in lines[index].segments {
                x += buffer.put(segment.text, x: x, y: inner.y + row, maxWidth: end - x, StyleRole.of(segment.style))
            }
        }
        if lines.count > inner.height {
            let more = "\(offset + 1)–\(min(lines.count, offset + inner.height))/\(lines.count)"
            buffer.put(more, x: rect.x + rect.width - 2 - DisplayWidth.of(more), y: rect.y + rect.height - 1, .dim)
        }
    }
}
