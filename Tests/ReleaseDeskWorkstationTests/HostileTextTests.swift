import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

@Suite("Hostile text on screen")
struct HostileTextTests {
    static let hostile: [String] = [
        "\u{1B}[31mred\u{1B}[0m", "\u{1B}]52;c;cHduZWQ=\u{07}",
        "\u{1B}]8;;https://evil.example\u{1B}\\link\u{1B}]8;;\u{1B}\\",
        "\u{9B}31m", "\u{85}next", "abc\u{202E}cba", "zero\u{200B}width", "\u{2066}iso\u{2069}", "bell\u{07}",
        "del\u{7F}", "\u{1B}[2J\u{1B}[H", "\u{1B}P1$r\u{1B}\\", "tab\there", "line\nbreak", "\u{FEFF}bom",
        String(repeating: "長", count: 10_000), "e\u{301}\u{301}\u{301}",
    ]

    static func isControlling(_ scalar: Unicode.Scalar) -> Bool { DisplayText.isHidden(scalar) }

    @Test func everyHostileStringIsShownAsPlaceholdersAndNothingControls() {
        var state = Fixture.state()
        var desk = state.desk
        let id = state.selectedBatchID!
        for (i, text) in Self.hostile.enumerated() {
            var record = desk.batches[id]!
            record.batch.coi = text
            record.batch.product = text
            record.batch.id = "HOSTILE-\(i)-" + text
            desk.batches[record.batch.id] = record
        }
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: [], chain: Fixture.chain))
        _ = Workstation.reduce(&state, .keyPressed(.char("f")))
        Fixture.type("HOSTILE", into: &state)
        for _ in Self.hostile {
            let frame = Screen.render(state)
            for cell in frame.cells {
                #expect(!cell.text.unicodeScalars.contains(where: Self.isControlling), "\(cell.text.debugDescription)")
            }
            _ = Workstation.reduce(&state, .keyPressed(.down))
        }
        let text = Screen.render(state).lines.joined(separator: "\n")
        #expect(text.contains("␛"))
    }

    @Test func wideAndCombiningCharactersKeepColumnsAligned() {
        var buffer = CellBuffer(width: 20, height: 3)
        buffer.put("山田太郎|", x: 0, y: 0, .text)
        buffer.put("José|", x: 0, y: 1, .text)
        buffer.put("Jose\u{301}|", x: 0, y: 2, .text)
        #expect(buffer[8, 0].text == "|")
        #expect(buffer[4, 1].text == "|")
        #expect(buffer[4, 2].text == "|")
        #expect(buffer[3, 2].text == "e\u{301}")
    }

    @Test func aWideCharacterThatDoesNotFitIsLeftOutNotHalved() {
        var buffer = CellBuffer(width: 5, height: 1)
        let used = buffer.put("ab山田", x: 0, y: 0, .text)
        #expect(used == 4)
        #expect(buffer.lines[0] == "ab山 ")
        let cut = buffer.putCell("ab山田太", x: 0, y: 0, columns: 5, .text)
        #expect(cut == 5)
    }
}
