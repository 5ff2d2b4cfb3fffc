import Foundation
import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

/// Every pane rendered into the cell buffer and compared with text snapshots under `Snapshots/`.
/// Re-record on purpose with `RECORD_SNAPSHOTS=1 swift test --filter RenderSnapshotTests`.
@Suite("Render snapshots")
struct RenderSnapshotTests {
    static func theme(_ name: String) throws -> Theme {
        try ThemeLoader.load(name) { n in
            let path = Fixture.root + "/Themes/" + n + ".toml"
            let bytes = Fixture.read(path)
            return bytes.isEmpty ? nil : (String(decoding: bytes, as: UTF8.self), "Themes/" + n + ".toml")
        }
    }

    /// The frame as text, then the resolved style of each run of cells.
    static func snapshot(_ buffer: CellBuffer, theme: Theme) -> String {
        var out = buffer.lines.joined(separator: "\n") + "\n--- styles ---\n"
        for y in 0..<buffer.height {
            var runs: [String] = []
            var x = 0
            while x < buffer.width {
                let style = theme.style(buffer[x, y].role)
                var end = x + 1
                while end < buffer.width, theme.style(buffer[end, y].role) == style { end += 1 }
                runs.append("\(x)-\(end - 1) \(style.description)")
                x = end
            }
            out += "\(y): " + runs.joined(separator: " | ") + "\n"
        }
        return out
    }

    static func check(_ name: String, _ state: WorkstationState, theme themeName: String) throws {
        let theme = try Self.theme(themeName)
        let text = snapshot(Screen.render(state), theme: theme)
        let file =
            Fixture.root
            + "/Tests/ReleaseDeskWorkstationTests/Snapshots/\(name)-\(state.size.width)x\(state.size.height)-\(themeName).txt"
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return
        }
        let recorded = String(decoding: Fixture.read(file), as: UTF8.self)
        #expect(!recorded.isEmpty, "no snapshot \(file): record it with RECORD_SNAPSHOTS=1")
        #expect(
            recorded == text, "\(name) at \(state.size.width)x\(state.size.height) in \(themeName) differs from \(file)"
        )
    }

    static let sizes = [Size(width: 80, height: 24), Size(width: 120, height: 40)]
    static let themes = ["default", "monochrome"]

    /// The named screens of the story: each pane focused with real data, plus sign-in, help and too small.
    static func screens(_ size: Size) -> [(String, WorkstationState)] {
        var queue = Fixture.state(size: size)
        _ = Workstation.reduce(&queue, .keyPressed(.char("/")))
        Fixture.type("0022", into: &queue)
        _ = Workstation.reduce(&queue, .keyPressed(.enter))
        var exceptions = queue
        _ = Workstation.reduce(&exceptions, .keyPressed(.enter))
        var detail = exceptions
        _ = Workstation.reduce(&detail, .keyPressed(.enter))
        var audit = queue
        _ = Workstation.reduce(&audit, .keyPressed(.char("4")))
        var zoomed = audit
        _ = Workstation.reduce(&zoomed, .keyPressed(.char("z")))
        var record = audit
        _ = Workstation.reduce(&record, .keyPressed(.enter))
        var all = audit
        _ = Workstation.reduce(&all, .keyPressed(.char("a")))
        var alarm = queue
        var chain = alarm.chain
        chain.alarm =
            "the journal is corrupt at line 7 (byte offset 2411): the record's hash does not match the next record's prev"
        _ = Workstation.reduce(&alarm, .journalUpdated(alarm.desk, newRecords: [], chain: chain))
        var filtered = Fixture.state(size: size)
        _ = Workstation.reduce(&filtered, .keyPressed(.char("f")))
        Fixture.type("flag", into: &filtered)
        var help = queue
        _ = Workstation.reduce(&help, .keyPressed(.char("?")))
        // The end of the audit pane's help: the filter syntaxes and the command line.
        var helpEnd = audit
        _ = Workstation.reduce(&helpEnd, .keyPressed(.char("?")))
        _ = Workstation.reduce(&helpEnd, .keyPressed(.end))
        var messages = queue
        messages.message = "Reloaded."
        messages.message =
            "Refused (deviation-open): CART-26-0022 cannot be certified while deviation DEV-0001 is open; approve "
            + "its investigation first (QA), then certify again."
        _ = Workstation.reduce(&messages, .keyPressed(.char(":")))
        Fixture.type("messages", into: &messages)
        _ = Workstation.reduce(&messages, .keyPressed(.enter))
        // --plain: one pane at a time, no line drawing; Tab moves to the next pane.
        var plain = Fixture.state(size: size)
        plain.preferences.plain = true
        var plainAudit = plain
        _ = Workstation.reduce(&plainAudit, .keyPressed(.char("4")))
        // A justifiable exception, CART-26-0052's trend (CART-26-0022's is blocking: J is refused before a
        // dialog opens).
        var justify = Fixture.state(size: size)
        _ = Workstation.reduce(&justify, .keyPressed(.char("/")))
        Fixture.type("0052", into: &justify)
        _ = Workstation.reduce(&justify, .keyPressed(.enter))
        _ = Workstation.reduce(&justify, .keyPressed(.enter))
        _ = Workstation.reduce(&justify, .keyPressed(.char("J")))
        var signIn = Fixture.signInState(size: size)
        Fixture.type("secret", into: &signIn)
        // The trend charts of the selected exception's attribute: CART-26-0022's site and the other one.
        var trends = exceptions
        _ = Workstation.reduce(&trends, .keyPressed(.char("t")))
        // The scorecards of the demo's sites (o), and the chart they open for the selected site.
        var scorecard = Fixture.state(size: size)
        _ = Workstation.reduce(&scorecard, .keyPressed(.char("o")))
        var scorecardEnd = scorecard
        _ = Workstation.reduce(&scorecardEnd, .keyPressed(.char("G")))
        _ = Workstation.reduce(&scorecardEnd, .keyPressed(.right))
        return [
            ("queue", queue), ("exceptions", exceptions), ("detail", detail), ("audit", audit),
            ("audit-zoomed", zoomed),
            ("queue-filter", filtered), ("help", help), ("sign-in", signIn), ("justify-dialog", justify),
            ("audit-record", record), ("audit-all", all), ("integrity-alarm", alarm), ("help-end", helpEnd),
            ("messages", messages), ("plain", plain), ("plain-audit", plainAudit), ("trends", trends),
            ("scorecard", scorecard), ("scorecard-end", scorecardEnd),
        ]
    }

    @Test(arguments: [0, 1])
    func everyPaneMatchesItsSnapshot(sizeIndex: Int) throws {
        let size = Self.sizes[sizeIndex]
        for (name, state) in Self.screens(size) {
            for theme in Self.themes { try Self.check(name, state, theme: theme) }
        }
    }

    @Test func belowTheMinimumACentredMessageSaysWhatIsNeeded() throws {
        let state = Fixture.state(size: Size(width: 60, height: 20))
        let lines = Screen.render(state).lines
        #expect(lines.contains { $0.contains("ReleaseDesk needs at least 80×24.") })
        #expect(lines.contains { $0.contains("This terminal is 60×20.") })
        for size in [
            Size(width: 1, height: 1), Size(width: 0, height: 0), Size(width: 79, height: 200),
            Size(width: 300, height: 23),
        ] {
            let small = Fixture.state(size: size)
            #expect(Screen.render(small).width == size.width)
        }
    }

    @Test func noSizeCrashesTheRenderer() {
        var state = Fixture.state()
        for width in stride(from: 0, through: 240, by: 7) {
            for height in stride(from: 0, through: 90, by: 5) {
                _ = Workstation.reduce(&state, .resized(Size(width: width, height: height)))
                let frame = Screen.render(state)
                #expect(frame.lines.count == height)
            }
        }
    }

    @Test func noDataIsVisibleBeforeSignIn() {
        let state = Fixture.signInState()
        let text = Screen.render(state).lines.joined()
        #expect(!text.contains("CART-"))
        #expect(!text.contains("secret"))
        #expect(text.contains("qa.anna"))
    }

    @Test func outsideUTF8EveryCellIsASCII() {
        var state = Fixture.state()
        _ = Workstation.reduce(&state, .keyPressed(.char("/")))
        Fixture.type("0022", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        let frame = Screen.render(state, unicode: false)
        #expect(frame.cells.allSatisfy { $0.text.unicodeScalars.allSatisfy { $0.value < 0x80 } })
        let text = frame.lines.joined(separator: "\n")
        #expect(text.contains("!! critical"))
        #expect(text.contains("F flagged"))
    }
}
