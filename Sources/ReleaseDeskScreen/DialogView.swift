import ReleaseDeskCore
import ReleaseDeskWorkstation

/// A dialog of a signed action: context, fields, checklist, then the signature prompt.
enum DialogView {
    static func draw(_ dialog: ActionDialog, state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let width = min(96, state.size.width - 4)
        let inner = width - 4
        var lines: [(String, StyleRole, Int?)] = []  // text, role, focus index (for highlighting)
        for line in dialog.context {
            for wrapped in Wrap.lines(DisplayText.sanitize(line), width: inner) { lines.append((wrapped, .text, nil)) }
        }
        if !dialog.gates.isEmpty && dialog.prompt == nil {
            lines.append(("", .text, nil))
            lines.append(("Open gates — certification will be refused:", .critical, nil))
            for gate in dialog.gates {
                for wrapped in Wrap.lines("‼ " + DisplayText.sanitize(gate), width: inner) {
                    lines.append((wrapped, .critical, nil))
                }
            }
        }
        lines.append(("", .text, nil))
        if let prompt = dialog.prompt {
            lines.append(("You are about to sign:", .heading, nil))
            lines.append(("  Subject    " + prompt.subject, .text, nil))
            lines.append(("  Decision   " + prompt.decision, .text, nil))
            lines.append(("  Meaning    \(prompt.meaning.rawValue) — \(prompt.meaning.statement)", .text, nil))
            lines.append(("  Signer     \(prompt.printedName) (\(prompt.userID))", .text, nil))
            lines.append(("  Time zone  \(prompt.timeZone) (the time of signing is recorded in UTC)", .text, nil))
            lines.append(("", .text, nil))
            var index = 2
            if prompt.needsUserID {
                lines.append(("User id    " + prompt.typedUserID, .input, index))
                index += 1
            }
            lines.append(("Password   " + String(repeating: "•", count: prompt.password.count), .input, index))
        } else {
            for (i, field) in dialog.fields.enumerated() {
                let value = field.choices.isEmpty ? field.text : "◀ \(field.text) ▶"
                let label = DisplayWidth.pad(field.label, to: 11)
                let wrapped = Wrap.lines(DisplayText.sanitize(value), width: max(1, inner - 11))
                for (n, piece) in wrapped.enumerated() {
                    lines.append(((n == 0 ? label : String(repeating: " ", count: 11)) + piece, .input, 2 + i))
                }
            }
            for (i, item) in dialog.checklist.enumerated() {
                let mark = item.answer.map { $0 ? "[yes]" : "[no] " } ?? "[ ? ]"
                let wrapped = Wrap.lines(DisplayText.sanitize(item.question), width: max(1, inner - 6))
                for (n, piece) in wrapped.enumerated() {
                    lines.append(
                        (
                            (n == 0 ? mark + " " : String(repeating: " ", count: 6)) + piece, .text,
                            2 + dialog.fields.count + i
                        ))
                }
            }
        }
        lines.append(("", .text, nil))
        let height = min(state.size.height - 2, lines.count + 5)
        let area = Screen.dialog(
            width: width, height: height, title: dialog.title, in: state.size, box: box, into: &buffer)
        var y = area.y
        let maxRows = area.height - 2
        // Keep the focused line visible when the dialog is taller than the screen.
        let focusedRow = lines.firstIndex { $0.2 == dialog.focus } ?? 0
        let first = max(0, min(focusedRow - maxRows + 1, lines.count - maxRows))
        for (text, role, focus) in lines.dropFirst(first).prefix(maxRows) {
            let focused = focus != nil && focus == dialog.focus
            if role == .input {
                buffer.fill(Rect(x: area.x, y: y, width: area.width, height: 1), .dialog)
                buffer.put(
                    (focused ? "▶ " : "  ") + text + (focused ? "▏" : ""), x: area.x, y: y, maxWidth: area.width,
                    focused ? .input : .dialog)
            } else {
                buffer.put(
                    (focused ? "▶ " : "") + text, x: area.x, y: y, maxWidth: area.width,
                    focused ? .selection : role == .text ? .dialog : role)
            }
            y += 1
        }
        let buttonsY = area.y + area.height - 2
        let cancel = dialog.focus == ActionDialog.cancelIndex
        let sign = dialog.focus == ActionDialog.signIndex
        var x = area.x
        x += buffer.put("[ Cancel ]", x: x, y: buttonsY, cancel ? .selection : .dialog) + 2
        buffer.put(dialog.prompt == nil ? "[ Sign… ]" : "[ Sign ]", x: x, y: buttonsY, sign ? .selection : .dialog)
        let hint =
            dialog.busy
            ? ""
            : dialog.discardQuestion != nil
                ? "y discard · n back to the dialog" : "Tab next · Enter choose · Esc cancel"
        buffer.put(hint, x: area.x + area.width - DisplayWidth.of(hint), y: buttonsY, .dim)
        if let question = dialog.discardQuestion {
            // Asked before what was typed is thrown away; the dialog's own message returns with "n".
            buffer.put(question.text, x: area.x, y: buttonsY + 1, maxWidth: area.width, .critical)
        } else if let message = dialog.message {
            buffer.putFitted(message, x: area.x, y: buttonsY + 1, columns: area.width, dialog.busy ? .dim : .critical)
        }
    }
}
