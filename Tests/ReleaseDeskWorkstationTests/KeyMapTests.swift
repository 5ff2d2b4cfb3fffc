import Foundation
import Testing

@testable import ReleaseDeskWorkstation

@Suite("Key map")
struct KeyMapTests {
    @Test func keyMapHasNoConflicts() {
        #expect(KeyMap.conflicts() == [])
    }

    @Test func aKeyBoundTwiceInOnePaneIsAConflict() {
        let map = KeyMap.bindings + [KeyBinding([.char("j")], .quit, panes: [.audit], "quit from the audit pane")]
        #expect(KeyMap.conflicts(in: map) == ["j in Audit trail: moveDown and quit"])
    }

    @Test func aSigningActionOnALowerCaseOrCtrlKeyIsAConflict() {
        let map = [
            KeyBinding([.char("c")], .reload, "certify (wrongly on c)", signs: true),
            KeyBinding([.ctrl("x")], .reload, "reject (wrongly on Ctrl-X)", changesData: true),
            KeyBinding([.char("C")], .reload, "certify", signs: true),
        ]
        #expect(KeyMap.conflicts(in: map).count == 2)
    }

    @Test func everyCommandHasAKeyAndHelpListsThePaneKeys() {
        for command in Command.allCases {
            #expect(KeyMap.bindings.contains { $0.command == command }, "\(command) has no key")
        }
        let help = KeyMap.bindings(in: .queue).map(\.summary)
        #expect(help.contains("sort by a column"))
        #expect(!KeyMap.bindings(in: .detail).contains { $0.command == .sort })
    }

    @Test func keyDocumentationIsGeneratedFromTheMap() throws {
        let file = Fixture.root + "/docs/keys.md"
        let text = String(decoding: Fixture.read(file), as: UTF8.self)
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try KeyMap.markdown().write(toFile: file, atomically: true, encoding: .utf8)
            return
        }
        #expect(text == KeyMap.markdown(), "docs/keys.md is stale: run the tests with RECORD_SNAPSHOTS=1")
    }

    @Test func controlCharactersBecomeNamedKeys() {
        #expect(Key.fromScalar(9) == .tab)
        #expect(Key.fromScalar(13) == .enter)
        #expect(Key.fromScalar(27) == .escape)
        #expect(Key.fromScalar(127) == .backspace)
        #expect(Key.fromScalar(4) == .ctrl("d"))
        #expect(Key.fromScalar(0x5C) == .char("\\"))
        #expect(Key.fromScalar(0) == nil)
    }
}
