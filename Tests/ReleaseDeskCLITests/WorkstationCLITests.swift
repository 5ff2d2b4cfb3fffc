import Foundation
import Testing

@Suite("The workstation command")
struct WorkstationCLITests {
    @Test func unknownThemeExits78() throws {
        let cli = CLI()
        defer { cli.remove() }
        let result = try cli.run(["--theme", "no-such-theme"], extraEnvironment: ["RELEASEDESK_THEMES": cli.directory])
        #expect(result.status == 78)
        #expect(result.stderr.contains("no-such-theme: no such theme"))
    }

    @Test func unknownKeyInAThemeExits78NamingFileAndLine() throws {
        let cli = CLI()
        defer { cli.remove() }
        let theme = "inherits = \"default\"\n\n\"ui.selecton\" = { fg = \"red\" }\n"
        try theme.write(toFile: cli.directory + "/typo.toml", atomically: true, encoding: .utf8)
        let result = try cli.run(["--theme", "typo"], extraEnvironment: ["RELEASEDESK_THEMES": cli.directory])
        #expect(result.status == 78)
        #expect(result.stderr.contains(cli.directory + "/typo.toml:3: unknown key \"ui.selecton\""))
    }

    @Test func withoutATerminalTheWorkstationSaysSoAndExits69() throws {
        let cli = CLI()
        defer { cli.remove() }
        let result = try cli.run([], extraEnvironment: ["RELEASEDESK_THEMES": Self.themes])
        #expect(result.status == 69)
        #expect(result.stderr.contains("the workstation needs a terminal"))
    }

    @Test func aKeyBoundToTwoActionsExits78NamingBothBindingsAndTheLine() throws {
        let cli = CLI()
        defer { cli.remove() }
        let folder = cli.directory + "/.config/releasedesk"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "# mine\nmoveDown = \"e\"\nsearch = \"e\"\n".write(
            toFile: folder + "/keys.toml", atomically: true, encoding: .utf8)
        var result = try cli.run([], extraEnvironment: ["RELEASEDESK_THEMES": Self.themes])
        #expect(result.status == 78)
        #expect(
            result.stderr.contains(
                folder
                    + "/keys.toml:3: search: search = \"e\" (line 3) and moveDown = \"e\" (line 2) are on the same key")
        )
        // A signing action on a lower-case letter is refused the same way.
        try "certify = \"c\"\n".write(toFile: folder + "/keys.toml", atomically: true, encoding: .utf8)
        result = try cli.run(["--demo"], extraEnvironment: ["RELEASEDESK_THEMES": Self.themes])
        #expect(result.status == 78)
        #expect(result.stderr.contains(folder + "/keys.toml:1: certify: changes data or signs"))
        // info checks the key bindings as the workstation does.
        result = try cli.run(["info"])
        #expect(result.status == 78)
        #expect(result.stderr.contains(folder + "/keys.toml:1: certify: changes data or signs"))
        // A sound file passes the check (and the workstation then needs a terminal).
        try "certify = \"K\"\n".write(toFile: folder + "/keys.toml", atomically: true, encoding: .utf8)
        result = try cli.run([], extraEnvironment: ["RELEASEDESK_THEMES": Self.themes])
        #expect(result.status == 69)
        result = try cli.run(["info"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(folder + "/keys.toml (checked)"))
    }

    static let themes: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Themes"
    }()
}
