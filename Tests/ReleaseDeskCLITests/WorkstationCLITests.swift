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

    static let themes: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Themes"
    }()
}
