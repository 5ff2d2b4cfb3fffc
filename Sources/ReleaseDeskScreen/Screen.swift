import ReleaseDeskCore
import ReleaseDeskWorkstation

/// Draws a frame. `render` is a pure function of the state and the options: no terminal, no clock.
public enum Screen {
    public static func render(_ state: WorkstationState, unicode: Bool = true) -> CellBuffer {
        var buffer = CellBuffer(width: state.size.width, height: state.size.height, unicode: unicode)
        let box = BoxChars(unicode: unicode, plain: state.preferences.plain)
        if state.size.isTooSmall {
            TooSmallView.draw(state, into: &buffer)
            return buffer
        }
        if state.user == nil || state.locked {
            SignInView.draw(state, into: &buffer, box: box)
            return buffer
        }
        let layout = state.layout
        for (pane, rect) in layout.panes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let focused = state.focus == pane
            var title: [(String, StyleRole)]
            switch pane {
            case .queue:
                title = plainTitle(pane, state) + QueuePane.title(state)
                drawBox(rect, focused: focused, title: title, box: box, into: &buffer)
                QueuePane.draw(state, in: rect, focused: focused, into: &buffer)
            case .exceptions:
                title = plainTitle(pane, state) + ExceptionsPane.title(state)
                drawBox(rect, focused: focused, title: title, box: box, into: &buffer)
                ExceptionsPane.draw(state, in: rect, focused: focused, into: &buffer)
            case .detail:
                title = plainTitle(pane, state) + DetailPane.title(state)
                drawBox(rect, focused: focused, title: title, box: box, into: &buffer)
                DetailPane.draw(state, in: rect, into: &buffer)
                if focused { buffer.cursor = CellPoint(x: rect.x + 2, y: rect.y + 1) }
            case .audit:
                title = plainTitle(pane, state) + AuditPane.title(state)
                drawBox(rect, focused: focused, title: title, box: box, into: &buffer)
                AuditPane.draw(state, in: rect, focused: focused, into: &buffer)
            }
        }
        if let banner = layout.banner { AlarmBanner.draw(state, in: banner, into: &buffer) }
        StatusLine.draw(state, in: layout.statusLine, into: &buffer)
        switch state.mode {
        case .help(let pane, let offset): HelpView.draw(pane, offset: offset, state: state, into: &buffer, box: box)
        case .messages(let offset): MessagesView.draw(offset: offset, state: state, into: &buffer, box: box)
        case .sortMenu: SortMenuView.draw(state, into: &buffer, box: box)
        case .dialog(let dialog): DialogView.draw(dialog, state: state, into: &buffer, box: box)
        case .record(let seq, let offset):
            RecordOverlay.draw(seq: seq, offset: offset, state: state, into: &buffer, box: box)
        case .trends(let view): TrendOverlay.draw(view, state: state, into: &buffer, box: box)
        case .board(let view): BoardOverlay.draw(view, state: state, into: &buffer, box: box)
        case .scorecard(let view): ScorecardOverlay.draw(view, state: state, into: &buffer, box: box)
        default: break
        }
        return buffer
    }

    /// In `--plain`, where one pane shows at a time, which one it is ("2/4", Tab moves to the next).
    static func plainTitle(_ pane: Pane, _ state: WorkstationState) -> [(String, StyleRole)] {
        guard state.preferences.plain else { return [] }
        return [("\(pane.rawValue + 1)/\(Pane.allCases.count) ", .dim)]
    }

    /// A border with a title in its top edge.
    static func drawBox(
        _ rect: Rect, focused: Bool, title: [(String, StyleRole)], box: BoxChars, into buffer: inout CellBuffer
    ) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let role: StyleRole = focused ? .borderFocused : .border
        let right = rect.x + rect.width - 1
        let bottom = rect.y + rect.height - 1
        buffer.put(
            box.topLeft + String(repeating: box.horizontal, count: rect.width - 2) + box.topRight, x: rect.x, y: rect.y,
            role)
        for y in rect.y + 1..<bottom {
            buffer.put(box.vertical, x: rect.x, y: y, role)
            buffer.put(box.vertical, x: right, y: y, role)
        }
        buffer.put(
            box.bottomLeft + String(repeating: box.horizontal, count: rect.width - 2) + box.bottomRight, x: rect.x,
            y: bottom,
            role)
        var x = rect.x + 1
        let limit = rect.x + rect.width - 1
        for (i, (text, textRole)) in title.enumerated() {
            let piece = (i == 0 ? " " : "") + text + (i == title.count - 1 ? " " : "")
            let titleRole: StyleRole = textRole == .title && focused ? .titleFocused : textRole
            x += buffer.put(piece, x: x, y: rect.y, maxWidth: limit - x, titleRole)
        }
    }

    /// Draws a centred dialog box and returns its inner rectangle.
    static func dialog(
        width: Int, height: Int, title: String, in size: Size, box: BoxChars, into buffer: inout CellBuffer
    ) -> Rect {
        let w = min(width, size.width - 2)
        let h = min(height, size.height - 2)
        let rect = Rect(x: (size.width - w) / 2, y: (size.height - h) / 2, width: w, height: h)
        buffer.fill(rect, .dialog)
        drawBox(rect, focused: true, title: [(title, .dialogTitle)], box: box, into: &buffer)
        buffer.paint(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), .dialog)
        buffer.paint(Rect(x: rect.x, y: rect.y + rect.height - 1, width: rect.width, height: 1), .dialog)
        buffer.paint(Rect(x: rect.x, y: rect.y, width: 1, height: rect.height), .dialog)
        buffer.paint(Rect(x: rect.x + rect.width - 1, y: rect.y, width: 1, height: rect.height), .dialog)
        return Rect(x: rect.x + 2, y: rect.y + 1, width: max(0, w - 4), height: max(0, h - 2))
    }
}

/// Line-drawing characters, or their ASCII stand-ins outside UTF-8 locales.
struct BoxChars {
    let topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical: String
    let selected, sortDown, sortUp, chainOK, chainAlarm, ellipsis: String

    /// `plain` (`--plain`, for screen readers): no line drawing at all; borders are blank.
    init(unicode: Bool, plain: Bool = false) {
        if plain {
            (topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical) = (" ", " ", " ", " ", " ", " ")
            (selected, sortDown, sortUp, chainOK, chainAlarm, ellipsis) =
                unicode ? ("▶", "▼", "▲", "✓", "‼", "…") : (">", "v", "^", "OK", "!!", "...")
        } else if unicode {
            (topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical) = ("┌", "┐", "└", "┘", "─", "│")
            (selected, sortDown, sortUp, chainOK, chainAlarm, ellipsis) = ("▶", "▼", "▲", "✓", "‼", "…")
        } else {
            (topLeft, topRight, bottomLeft, bottomRight, horizontal, vertical) = ("+", "+", "+", "+", "-", "|")
            (selected, sortDown, sortUp, chainOK, chainAlarm, ellipsis) = (">", "v", "^", "OK", "!!", "...")
        }
    }
}
