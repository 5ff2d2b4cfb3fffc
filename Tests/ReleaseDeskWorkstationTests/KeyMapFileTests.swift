import Testing

@testable import ReleaseDeskWorkstation

@Suite("Key bindings from keys.toml")
struct KeyMapFileTests {
    static func load(_ text: String) throws(KeyMapFileError) -> [KeyBinding] {
        try KeyMapFile.load(text, file: "keys.toml")
    }

    /// The problems `text` is refused with, as "line: field: reason".
    static func problems(_ text: String) -> [String] {
        do {
            _ = try load(text)
            return []
        } catch {
            return error.problems.map { "\($0.line.map(String.init) ?? "-"): \($0.field ?? "-"): \($0.reason)" }
        }
    }

    @Test func bindingsReplaceTheKeysOfTheirActionEverywhere() throws {
        let map = try Self.load(
            """
            # my keys
            moveDown = ["e", "Down"]   # like a Colemak user
            moveUp = 'u'
            drillDown = "Space"
            certify = "K"
            quit = ["Q", "Ctrl-Q"]
            halfPageUp = "Ctrl-B"
            "reload" = "\\""

            """)
        #expect(KeyMap.command(for: .char("e"), in: .queue, map: map) == .moveDown)
        #expect(KeyMap.command(for: .down, in: .audit, map: map) == .moveDown)
        #expect(KeyMap.command(for: .char("j"), in: .queue, map: map) == nil)
        #expect(KeyMap.command(for: .char("u"), in: .queue, map: map) == .moveUp)
        #expect(KeyMap.command(for: .ctrl("u"), in: .queue, map: map) == nil)
        #expect(KeyMap.command(for: .ctrl("b"), in: .queue, map: map) == .halfPageUp)
        #expect(KeyMap.command(for: .char("\""), in: .detail, map: map) == .reload)
        // drillDown has a binding per pane; each moved to the new key.
        for pane in Pane.allCases { #expect(KeyMap.command(for: .char(" "), in: pane, map: map) == .drillDown) }
        #expect(KeyMap.command(for: .enter, in: .queue, map: map) == nil)
        #expect(KeyMap.command(for: .char("K"), in: .queue, map: map) == .certify)
        #expect(KeyMap.command(for: .char("C"), in: .queue, map: map) == nil)
        #expect(KeyMap.command(for: .ctrl("q"), in: .audit, map: map) == .quit)
        #expect(KeyMap.conflicts(in: map) == [])
        // Without a file the map is the built-in one.
        #expect(try Self.load("# nothing\n\n").map(\.keys) == KeyMap.bindings.map(\.keys))
    }

    @Test func twoActionsOnOneKeyNameBothBindingsAndTheLine() {
        // Both in the file: the later line is named, with the earlier one.
        #expect(
            Self.problems("moveDown = \"x\"\n\nsearch = \"x\"\n") == [
                "3: search: search = \"x\" (line 3) and moveDown = \"x\" (line 1) are on the same key in the Queue pane"
            ])
        // Against a built-in binding: its action is named as built in.
        #expect(
            Self.problems("# certify elsewhere\ncertify = \"J\"\n") == [
                "2: certify: certify = \"J\" (line 2) and justify = \"J\" (built in; bind justify to another key in this file) are on the same key in the Exceptions pane"
            ])
        // Moving the other action away as well resolves it.
        #expect(Self.problems("certify = \"J\"\njustify = \"U\"\n") == [])
        // Keys of actions that never apply in the same pane do not clash (sort is the queue's, a the audit's).
        #expect(Self.problems("sort = \"a\"\n") == [])
        // The error reads like every configuration error: file, line, field.
        do {
            _ = try Self.load("moveDown = \"x\"\nsearch = \"x\"\n")
            Issue.record("a clash was accepted")
        } catch {
            #expect(error.description.hasPrefix("configuration: keys.toml:2: search: search = \"x\" (line 2)"))
        }
    }

    @Test func signingActionsTakeOnlyUpperCaseLetters() {
        for command in KeyMap.guardedCommands {
            for key in ["c", "Ctrl-R", "1", "Enter", "Space", "F1", "!", "é"] {
                let problems = Self.problems("\(command.rawValue) = \"\(key)\"\n")
                #expect(problems.count == 1, "\(command) on \(key)")
                #expect(
                    problems.first?.hasPrefix("1: \(command.rawValue): changes data or signs, so only an upper-case")
                        == true, "\(command) on \(key): \(problems)")
            }
        }
        #expect(
            KeyMap.guardedCommands.isSuperset(of: [.certify, .reject, .hold, .justify, .retest, .reviewAuditTrail]))
        #expect(Self.problems("hold = [\"O\", \"o\"]\n").count == 1)
        #expect(Self.problems("hold = \"O\"\n") == [])
    }

    @Test func unknownActionsKeysAndBadLinesAreRefusedWithTheirLines() {
        let problems = Self.problems(
            """
            certfy = "K"
            moveDown = "Hyper-J"
            moveUp = "Ctrl-I"
            [keys]
            search = /
            filter = "F" trailing
            reload = ["R" "r"]
            help = []
            redraw = "Ctrl-C"
            top = "g"
            top = "t"
            zoom
            """)
        #expect(problems.count == 11, "\(problems)")
        let lines = problems.map { $0.prefix { $0 != ":" } }
        #expect(lines == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "11", "12"])
        #expect(problems[0].contains("certfy: unknown action"))
        #expect(problems[1].contains("unknown key \"Hyper-J\""))
        #expect(problems[2].contains("\"Ctrl-I\" arrives as Tab"))
        #expect(problems[3].contains("tables are not used"))
        #expect(problems[8].contains("Ctrl-C always quits"))
        #expect(problems[9].contains("given twice (first on line 10)"))
    }

    @Test func namedKeysAreReadAsHelpWritesThem() {
        for binding in KeyMap.bindings {
            for key in binding.keys {
                #expect((try? KeyMapFile.keyFromName(key.label)) == key, "\(key.label)")
            }
        }
    }

    @Test func theSessionsKeyMapDrivesTheReducerHelpAndStatusLine() throws {
        var state = Fixture.state(size: Size(width: 80, height: 24))
        state.preferences.keyBindings = try Self.load("moveDown = \"e\"\nhelp = \"H\"\nhold = \"O\"\n")
        let before = state.cursor(.queue).selected
        _ = Workstation.reduce(&state, .keyPressed(.char("j")))
        #expect(state.cursor(.queue).selected == before)
        _ = Workstation.reduce(&state, .keyPressed(.char("e")))
        #expect(state.cursor(.queue).selected == before + 1)
        _ = Workstation.reduce(&state, .keyPressed(.char("H")))
        #expect(state.mode == .help(.queue, offset: 0))
        let (_, lines) = state.helpBox(.queue)
        let text = lines.map { $0.segments.map(\.text).joined() }
        #expect(text.contains { $0.hasPrefix("e ") && $0.contains("move down") })
        #expect(text.contains { $0.hasPrefix("H ") && $0.contains("help for this pane") })
    }
}
