import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

/// What users of other terminal programs expect: help that scrolls and lists the filter syntaxes, a status
/// line that never runs off the screen, the message log, the mouse, the cursor on the selection, reverse
/// video without colour, copying an id.
@Suite("Terminal conventions")
struct ConventionsTests {
    static let small = Size(width: 80, height: 24)

    static func press(_ keys: [Key], _ state: inout WorkstationState) {
        for key in keys { _ = Workstation.reduce(&state, .keyPressed(key)) }
    }

    static func text(_ state: WorkstationState, unicode: Bool = true) -> String {
        Screen.render(state, unicode: unicode).lines.joined(separator: "\n")
    }

    // MARK: Help

    @Test func helpScrollsAt80x24AndReachesTheFilterSyntaxes() {
        var state = Fixture.state(size: Self.small)
        Self.press([.char("4"), .char("?")], &state)
        let (box, lines) = state.helpBox(.audit)
        #expect(lines.count > box.rows, "the help of the audit pane is longer than a 24-row screen")
        #expect(state.mode == .help(.audit, offset: 0))
        #expect(!Self.text(state).contains("until:DATE"))
        Self.press([.char("j"), .down], &state)
        #expect(state.mode == .help(.audit, offset: 2))
        Self.press([.char("k")], &state)
        #expect(state.mode == .help(.audit, offset: 1))
        Self.press([.pageDown], &state)
        #expect(state.mode == .help(.audit, offset: 1 + box.rows))
        Self.press([.end], &state)
        #expect(state.mode == .help(.audit, offset: box.maxOffset(lines.count)))
        Self.press([.pageDown, .char("j")], &state)
        #expect(state.mode == .help(.audit, offset: box.maxOffset(lines.count)), "never beyond the end")
        Self.press([.pageUp, .home], &state)
        #expect(state.mode == .help(.audit, offset: 0))
        // Every line of the help can be brought on screen, the filter syntaxes with them.
        var seen = Set<String>()
        var offset = 0
        while true {
            for line in Screen.render(state).lines { seen.insert(line) }
            Self.press([.pageDown], &state)
            guard case .help(_, let next) = state.mode, next != offset else { break }
            offset = next
        }
        let all = seen.joined(separator: "\n")
        for needle in [
            "actor:ID", "kind:KIND", "kind:deviation.*", "batch:ID", "since:DATE", "until:DATE", "that whole day",
            "chain of identity", "no field: prefixes", ":messages", ":unassign", "Upper-case keys change data",
        ] {
            #expect(all.contains(needle), "help never shows \(needle)")
        }
        Self.press([.escape], &state)
        #expect(state.mode == .normal)
    }

    @Test func theFooterSaysWhereOneIsInALongHelp() {
        var state = Fixture.state(size: Self.small)
        Self.press([.char("?")], &state)
        let lines = Screen.render(state).lines
        #expect(lines.contains { $0.contains("j/k ↑↓ PgUp/PgDn Home/End scroll · 1–") })
    }

    // MARK: Status line and messages

    @Test func everyStatusMessageFitsOrEndsWithAnEllipsis() {
        var state = Fixture.state(size: Self.small)
        let long = "Refused (gate open): " + String(repeating: "the deviation DEV-0001 is still open ", count: 6)
        state.message = long
        let frame = Screen.render(state)
        let status = frame.lines[23]
        #expect(DisplayWidth.of(status) == 80)
        #expect(status.trimmingCharacters(in: .whitespaces).hasSuffix("…"))
        #expect(status.contains("Refused (gate open): the deviation"))
        // Outside UTF-8 the ellipsis is three dots, and still fits.
        let ascii = Screen.render(state, unicode: false).lines[23]
        #expect(ascii.count == 80)
        #expect(ascii.trimmingCharacters(in: .whitespaces).hasSuffix("..."))
        // A short message is shown whole with the key hints.
        state.message = "Reloaded."
        let short = Screen.render(state).lines[23]
        #expect(short.contains("Reloaded.") && short.contains("Tab pane"))
        // Typed text longer than the line shows its end, and the hint gives way.
        state.message = nil
        Self.press([.char("/")], &state)
        Fixture.type(String(repeating: "abcdefghij", count: 12) + "END", into: &state)
        let typing = Screen.render(state).lines[23]
        #expect(typing.hasPrefix("/…") && typing.contains("END▏"))
        #expect(DisplayWidth.of(typing) == 80)
    }

    @Test func messagesShowsTheLastMessagesInFullAndScrolls() {
        var state = Fixture.state(size: Self.small)
        for i in 1...(WorkstationState.messageLogLimit + 5) { state.message = "message number \(i)" }
        let long =
            "Refused (gate open): " + String(repeating: "every word of a long refusal is kept ", count: 5) + "END"
        state.message = long
        #expect(state.messageLog.count == WorkstationState.messageLogLimit)
        #expect(state.messageLog.first == "message number 7")
        #expect(state.messageLog.last == long)
        Self.press([.char(":")], &state)
        Fixture.type("messages", into: &state)
        Self.press([.enter], &state)
        guard case .messages(let offset) = state.mode else {
            Issue.record("not in the message log: \(state.mode)")
            return
        }
        // Opens at the newest, the long message in full, wrapped.
        let (box, lines) = state.messageBox
        #expect(offset == box.maxOffset(lines.count))
        let screen = Self.text(state)
        #expect(screen.contains("Messages (Esc closes)"))
        #expect(screen.contains("END"))
        #expect(!screen.contains("message number 7 "))
        Self.press([.home], &state)
        #expect(state.mode == .messages(offset: 0))
        #expect(Self.text(state).contains("message number 7"))
        Self.press([.char("j")], &state)
        #expect(state.mode == .messages(offset: 1))
        Self.press([.escape], &state)
        #expect(state.mode == .normal)
    }

    // MARK: Selection and cursor

    @Test func theCursorIsLeftOnTheSelectedRowOfTheFocusedPane() {
        var state = Fixture.state(size: Self.small)
        let layout = state.layout
        var frame = Screen.render(state)
        #expect(frame.cursor == CellPoint(x: 1, y: layout.listTop(.queue)))
        Self.press([.char("j"), .char("j")], &state)
        frame = Screen.render(state)
        #expect(frame.cursor == CellPoint(x: 1, y: layout.listTop(.queue) + 2))
        #expect(frame.lines[frame.cursor!.y].dropFirst().hasPrefix("▶"))
        Self.press([.char("4")], &state)
        frame = Screen.render(state)
        let audit = state.cursor(.audit)
        #expect(frame.cursor == CellPoint(x: 1, y: layout.listTop(.audit) + audit.selected - audit.offset))
        // While typing, the cursor is where the text goes.
        Self.press([.char("/"), .char("a"), .char("b")], &state)
        frame = Screen.render(state)
        #expect(frame.cursor == CellPoint(x: 3, y: 23))
    }

    @Test func withoutColourTheFocusedSelectionIsReverseVideo() throws {
        for name in ["default", "high-contrast", "colorblind", "monochrome"] {
            let theme = try RenderSnapshotTests.theme(name).withoutColor
            let selection = theme.style(.selection)
            #expect(selection.modifiers.contains(.reversed), "\(name)")
            #expect(selection.fg == .default && selection.bg == .default)
            #expect(
                !theme.style(.selectionUnfocused).modifiers.contains(.reversed),
                "\(name): the unfocused selection must look different")
        }
        // A theme of colours keeps its own selection.
        let colour = try RenderSnapshotTests.theme("default")
        #expect(colour.withVisibleSelection == colour)
    }

    // MARK: Mouse

    @Test func aClickSelectsTheRowAndFocusesItsPaneAndTheWheelScrolls() {
        var state = Fixture.state(size: Self.small)
        let layout = state.layout
        let audit = layout.panes[.audit]!
        // A click on the third visible row of the audit pane.
        let top = state.cursor(.audit).offset
        Self.press([.mouse(MouseEvent(.press(button: 0), x: audit.x + 5, y: layout.listTop(.audit) + 2))], &state)
        #expect(state.focus == .audit)
        #expect(state.cursor(.audit).selected == top + 2)
        // A click on the queue's header focuses the queue without moving its selection.
        let selected = state.cursor(.queue).selected
        Self.press([.mouse(MouseEvent(.press(button: 0), x: 4, y: layout.listTop(.queue) - 1))], &state)
        #expect(state.focus == .queue && state.cursor(.queue).selected == selected)
        // The wheel over the queue moves it three rows, without a click.
        Self.press([.mouse(MouseEvent(.wheelDown, x: 4, y: layout.listTop(.queue) + 1))], &state)
        #expect(state.cursor(.queue).selected == selected + Workstation.wheelRows)
        Self.press([.mouse(MouseEvent(.wheelUp, x: 4, y: layout.listTop(.queue) + 1))], &state)
        #expect(state.cursor(.queue).selected == selected)
        // Releases, right clicks and the status line do nothing.
        let before = state
        Self.press(
            [
                .mouse(MouseEvent(.release(button: 0), x: audit.x + 5, y: layout.listTop(.audit))),
                .mouse(MouseEvent(.press(button: 2), x: audit.x + 5, y: layout.listTop(.audit))),
                .mouse(MouseEvent(.press(button: 0), x: 10, y: 23)),
            ], &state)
        #expect(state == before)
        // The wheel scrolls help.
        Self.press([.char("?"), .mouse(MouseEvent(.wheelDown, x: 40, y: 10))], &state)
        #expect(state.mode == .help(.queue, offset: Workstation.wheelRows))
    }

    @Test func withTheMouseOffClicksAreIgnored() {
        var state = Fixture.state(size: Self.small)
        state.preferences.mouse = false
        let audit = state.layout.panes[.audit]!
        Self.press([.mouse(MouseEvent(.press(button: 0), x: audit.x + 5, y: audit.y + 2))], &state)
        #expect(state.focus == .queue)
    }

    // MARK: Copy

    @Test func yCopiesTheSelectedIdOnlyWhenTheClipboardIsOn() {
        var state = Fixture.state(size: Self.small)
        let batch = state.selectedBatchID!
        #expect(Workstation.reduce(&state, .keyPressed(.char("y"))) == [])
        #expect(state.message?.contains("clipboard = \"osc52\"") == true)
        state.preferences.copyToClipboard = true
        #expect(Workstation.reduce(&state, .keyPressed(.char("y"))) == [.copy(batch)])
        #expect(state.message == "Sent batch \(batch) to the terminal's clipboard (OSC 52).")
        Self.press([.char("4")], &state)
        let seq = state.selectedAuditRecord!.seq
        #expect(Workstation.reduce(&state, .keyPressed(.char("y"))) == [.copy(String(seq))])
        Self.press([.char("2")], &state)
        if let exception = state.selectedException {
            #expect(Workstation.reduce(&state, .keyPressed(.char("y"))) == [.copy(exception.id)])
        }
    }

    @Test func osc52SendsPrintableASCIIInBase64AndNothingElse() {
        #expect(OSC52.base64(Array("CART-26-0022".utf8)) == "Q0FSVC0yNi0wMDIy")
        #expect(OSC52.base64(Array("a".utf8)) == "YQ==")
        #expect(OSC52.base64(Array("ab".utf8)) == "YWI=")
        #expect(OSC52.sequence(for: "CART-26-0022") == "\u{1B}]52;c;Q0FSVC0yNi0wMDIy\u{07}")
        // Controls (a BEL or Esc that would end the sequence early), spaces and non-ASCII are left out.
        #expect(
            OSC52.sequence(for: "A\u{07}B\u{1B}]C D\u{00E9}") == "\u{1B}]52;c;" + OSC52.base64(Array("AB]CD".utf8))
                + "\u{07}")
        #expect(OSC52.sequence(for: "\u{1B}\u{07} ") == nil)
        let long = String(repeating: "X", count: 1000)
        #expect(OSC52.sequence(for: long) == "\u{1B}]52;c;" + OSC52.base64(Array(long.prefix(256).utf8)) + "\u{07}")
    }
}

/// Outside UTF-8 (`LANG=C`): every cell ASCII, arrows as words, other characters as their code points.
@Suite("ASCII outside UTF-8")
struct ASCIIFormsTests {
    @Test func nonASCIIIsWrittenAsItsCodePointNeverAsAQuestionMark() {
        #expect(CellBuffer.ascii("山田 健二") == "\\u5c71\\u7530 \\u5065\\u4e8c")
        #expect(CellBuffer.ascii("María José") == "Mar\\u00eda Jos\\u00e9")
        #expect(CellBuffer.ascii("a😀b") == "a\\U0001f600b")
        #expect(CellBuffer.ascii("↑ ↓ ← → … “x”") == "Up Down <- -> ... \"x\"")
        // Controls and hidden characters keep their names.
        #expect(CellBuffer.ascii("\u{1B}x\u{200B}") == "<ESC>x<U+200B>")
    }

    @Test func theRawRecordAndHelpReadInASCII() {
        var state = Fixture.state(size: Size(width: 80, height: 24))
        state.preferences.unicode = false
        _ = Workstation.reduce(&state, .keyPressed(.char("4")))
        _ = Workstation.reduce(&state, .keyPressed(.char("a")))
        _ = Workstation.reduce(&state, .keyPressed(.char("g")))
        // Record 2 enrols qp.maria, María José Fernández.
        _ = Workstation.reduce(&state, .keyPressed(.char("j")))
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        let frame = Screen.render(state, unicode: false)
        let text = frame.lines.joined(separator: "\n")
        #expect(frame.cells.allSatisfy { $0.text.unicodeScalars.allSatisfy { $0.value < 0x80 } })
        #expect(text.contains("Mar\\u00eda Jos\\u00e9 Fern\\u00e1ndez"), "\(text)")
        #expect(!text.contains("Mar?a"))
        // The raw line is escaped before it is wrapped: every escape is whole, none cut at the edge.
        guard case .record(let seq, _) = state.mode, let raw = state.recordText else {
            Issue.record("no record open")
            return
        }
        #expect(raw.ascii && raw.line.contains("Mar\\u00eda Jos\\u00e9 Fern\\u00e1ndez"))
        #expect(raw.seq == seq)
        let escaped = RecordView.jsonEscapingNonASCII("山😀é")
        #expect(escaped == "\\u5c71\\ud83d\\ude00\\u00e9")
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        _ = Workstation.reduce(&state, .keyPressed(.char("?")))
        let help = Screen.render(state, unicode: false).lines.joined(separator: "\n")
        #expect(help.contains("j Down"))
        #expect(help.contains("k Up"))
    }
}

/// `--plain`, for screen readers: one pane at a time, no box drawing.
@Suite("Plain mode")
struct PlainModeTests {
    static let boxDrawing = Set("┌┐└┘─│")

    @Test func onePaneAtATimeWithoutLineDrawingAndTabSwitches() {
        var state = Fixture.state(size: Size(width: 80, height: 24))
        state.preferences.plain = true
        var seen: [String] = []
        for _ in Pane.allCases {
            let frame = Screen.render(state)
            let text = frame.lines.joined(separator: "\n")
            #expect(!text.contains { Self.boxDrawing.contains($0) }, "line drawing in \(state.focus)")
            let titles = Pane.allCases.filter { pane in
                frame.lines[0].hasPrefix("  \(pane.rawValue + 1)/4 \(pane.name)")
            }
            #expect(titles == [state.focus], "\(frame.lines[0])")
            #expect(state.layout.panes.count == 1 && state.layout.panes[state.focus]?.width == 80)
            // The cursor stays on the selected row for the reader.
            if state.focus.isList, state.rowCount(state.focus) > 0 {
                let c = state.cursor(state.focus)
                #expect(frame.cursor?.y == state.layout.listTop(state.focus) + c.selected - c.offset)
            }
            seen.append(state.focus.name)
            _ = Workstation.reduce(&state, .keyPressed(.tab))
        }
        #expect(seen == Pane.allCases.map(\.name))
        // z does not hide the plain layout behind a zoom.
        _ = Workstation.reduce(&state, .keyPressed(.char("z")))
        #expect(state.zoomed == nil)
        #expect(state.message?.hasPrefix("Plain mode shows one pane at a time") == true)
        // Dialogs and help have no line drawing either.
        _ = Workstation.reduce(&state, .keyPressed(.char("?")))
        #expect(!Screen.render(state).lines.joined().contains { Self.boxDrawing.contains($0) })
    }
}

extension ConventionsTests {
    @Test func aRefusalInADialogIsCutToFitAndKeptWholeForMessages() {
        var state = Fixture.state(size: Self.small)
        // A justifiable exception opens its dialog (CART-26-0052's trend).
        Self.press([.char("/")], &state)
        Fixture.type("0052", into: &state)
        Self.press([.enter, .enter, .char("J")], &state)
        guard case .dialog = state.mode else {
            Issue.record("no dialog: \(state.mode)")
            return
        }
        let long =
            "Refused (state-changed): "
            + String(repeating: "the exception was dispositioned by someone else ", count: 4)
            + "END"
        _ = Workstation.reduce(&state, .actionRefused(long))
        let text = Screen.render(state).lines.joined(separator: "\n")
        #expect(text.contains("Refused (state-changed): the exception"))
        #expect(!text.contains("END"))
        #expect(text.contains("…"))
        #expect(state.messageLog.last == long)
    }
}
