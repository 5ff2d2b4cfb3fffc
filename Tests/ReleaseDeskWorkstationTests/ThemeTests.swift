import Foundation
import ReleaseDeskScreen
import Testing

@Suite("Themes")
struct ThemeTests {
    static let shipped = ["default", "high-contrast", "colorblind", "monochrome"]

    @Test(arguments: shipped)
    func everyShippedThemeDefinesEveryRole(name: String) throws {
        let theme = try RenderSnapshotTests.theme(name)
        #expect(theme.missingRoles == [], "\(name) lacks \(theme.missingRoles.map(\.rawValue))")
    }

    /// The themes compiled into the program are the files of `Themes/`, byte for byte: after a change to a
    /// theme, `scripts/make-embedded-files` writes them again.
    @Test func theBuiltInThemesAreTheFilesOfTheThemesFolder() throws {
        let folder = Fixture.root + "/Themes"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".toml") }
        #expect(
            Set(BuiltInThemes.files.keys) == Set(names),
            "Themes/ and the built-in themes differ: run scripts/make-embedded-files")
        for name in names {
            let file = Fixture.read(folder + "/" + name)
            let same = BuiltInThemes.files[name].map { Array($0.utf8) } == file
            #expect(same, "\(name) differs from the built-in copy: run scripts/make-embedded-files")
        }
        for name in Self.shipped {
            let theme = try ThemeLoader.load(name) { n in BuiltInThemes.files[n + ".toml"].map { ($0, n) } }
            #expect(theme.missingRoles == [], "built-in \(name)")
        }
    }

    @Test func monochromeUsesNoColour() throws {
        let theme = try RenderSnapshotTests.theme("monochrome")
        #expect(theme.styles.values.allSatisfy { $0.fg == .default && $0.bg == .default })
    }

    @Test func colorblindInheritsAndOverridesWithPaletteColours() throws {
        let theme = try RenderSnapshotTests.theme("colorblind")
        #expect(theme.style(.critical).fg == .rgb(0xd5, 0x5e, 0x00))
        #expect(theme.style(.selection) == (try RenderSnapshotTests.theme("default")).style(.selection))
    }

    static func load(_ files: [String: String]) throws -> Theme {
        try ThemeLoader.load("t") { name in files[name].map { ($0, name + ".toml") } }
    }

    @Test func unknownRoleIsAnErrorNamingFileAndLine() {
        #expect(throws: ThemeError(file: "t.toml", line: 3, reason: "unknown key \"ui.selecton\" (not a style role)")) {
            try Self.load(["t": "# theme\n\"ui.text\" = \"red\"\n\"ui.selecton\" = \"blue\"\n"])
        }
    }

    @Test func unknownFieldModifierAndColourAreErrors() {
        #expect(
            throws: ThemeError(file: "t.toml", line: 1, reason: "unknown key \"colour\" in ui.text (fg, bg, modifiers)")
        ) {
            try Self.load(["t": "\"ui.text\" = { colour = \"red\" }\n"])
        }
        #expect(
            throws: ThemeError(
                file: "t.toml", line: 1, reason: "unknown modifier \"blink\" (bold, dim, italic, underlined, reversed)")
        ) {
            try Self.load(["t": "\"ui.text\" = { modifiers = [\"blink\"] }\n"])
        }
        #expect(
            throws: ThemeError(
                file: "t.toml", line: 2,
                reason: "unknown colour \"reddish\" (not in [palette], not #rrggbb, not an ANSI name)")
        ) {
            try Self.load(["t": "\n\"ui.text\" = \"reddish\"\n"])
        }
        #expect(throws: ThemeError(file: "t.toml", line: 2, reason: "ui.text is defined twice")) {
            try Self.load(["t": "\"ui.text\" = \"red\"\n\"ui.text\" = \"red\"\n"])
        }
        #expect(
            throws: ThemeError(file: "t.toml", line: 1, reason: "unknown table [colours] (only [palette] is allowed)")
        ) {
            try Self.load(["t": "[colours]\n"])
        }
    }

    @Test func inheritanceCyclesAreErrors() {
        #expect(throws: ThemeError.self) {
            try ThemeLoader.load("a") { name in
                (name == "a" ? "inherits = \"b\"\n" : "inherits = \"a\"\n", name + ".toml")
            }
        }
    }

    @Test func coloursFallBackTo256And8() {
        #expect(ColorMode.indexed256.number(for: .rgb(0xff, 0x00, 0x00)) == 196)
        #expect(ColorMode.indexed256.number(for: .rgb(0x80, 0x80, 0x80)) == 244)
        #expect(ColorMode.basic8.number(for: .rgb(0xe6, 0x9f, 0x00)) == 3)
        #expect(ColorMode.basic16.number(for: .ansi(9)) == 9)
        #expect(ColorMode.basic8.number(for: .ansi(9)) == 1)
        #expect(ColorMode.none.number(for: .ansi(1)) == -1)
        #expect(ColorMode.indexed256.number(for: .default) == -1)
    }

    @Test func noColorKeepsModifiers() throws {
        let theme = try RenderSnapshotTests.theme("default").withoutColor
        #expect(theme.styles.values.allSatisfy { $0.fg == .default && $0.bg == .default })
        #expect(theme.style(.critical).modifiers.contains(.bold))
    }
}
