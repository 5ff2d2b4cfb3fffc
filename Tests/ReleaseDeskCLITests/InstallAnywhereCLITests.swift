import Foundation
import Testing

/// The program copied alone into a folder outside the project, with no `Themes/` or `SampleData/` beside it and
/// neither `RELEASEDESK_THEMES` nor `RELEASEDESK_SAMPLE_DATA` set: what it needs is compiled in.
@Suite("Installed anywhere")
struct InstallAnywhereCLITests {
    /// A copy of the built binary in `cli.directory/bin`, and the folder the demo folders go to.
    static func copy(_ cli: CLI) throws -> (binary: String, tmp: String) {
        let bin = cli.directory + "/bin"
        let tmp = cli.directory + "/tmp"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.binary, toPath: bin + "/releasedesk")
        for folder in ["Themes", "SampleData", "share"] {
            #expect(!FileManager.default.fileExists(atPath: cli.directory + "/" + folder))
        }
        #expect(cli.environment["RELEASEDESK_THEMES"] == nil && cli.environment["RELEASEDESK_SAMPLE_DATA"] == nil)
        return (bin + "/releasedesk", tmp)
    }

    static func demoFolders(_ tmp: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix("releasedesk-demo-") }
    }

    @Test func theDemoReachesTheQueueFromACopyOfTheBinaryAndLeavesNoFolderBehind() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (binary, tmp) = try Self.copy(cli)
        let queue = try cli.run(
            ["--demo", "--user", "qa.anna", "--password-stdin", "queue"], input: "demo-qa-anna\n",
            extraEnvironment: ["TMPDIR": tmp], executable: binary)
        #expect(queue.status == 0, "\(queue.stderr)")
        #expect(queue.stdout.contains("CART-26-"))
        #expect(queue.stderr.contains("demo journal built at \(tmp)/releasedesk-demo-"))
        #expect(try Self.demoFolders(tmp) == [], "the demo folder is still there")

        // A refused sign-in ends with an error status: the folder goes all the same.
        let refused = try cli.run(
            ["--demo", "--user", "qa.anna", "--password-stdin", "queue"], input: "wrong password\n",
            extraEnvironment: ["TMPDIR": tmp], executable: binary)
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(try Self.demoFolders(tmp) == [], "the demo folder is still there after a refusal")
    }

    @Test func keepDemoKeepsTheFolderAndItsJournalVerifies() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (binary, tmp) = try Self.copy(cli)
        let kept = try cli.run(
            ["--demo", "--keep-demo", "--user", "qa.anna", "--password-stdin", "queue"], input: "demo-qa-anna\n",
            extraEnvironment: ["TMPDIR": tmp], executable: binary)
        #expect(kept.status == 0, "\(kept.stderr)")
        let folders = try Self.demoFolders(tmp)
        #expect(folders.count == 1)
        let journal = tmp + "/" + (folders.first ?? "") + "/journal.jsonl"
        // The built-in sample data is named as the project's folder would be.
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("\"derived_from\":\"SampleData/batches.json\""))
        let verified = try cli.run(["verify", "--journal", journal], executable: binary)
        #expect(verified.status == 0, "\(verified.stderr)")

        let alone = try cli.run(["--keep-demo", "queue"], executable: binary)
        #expect(alone.status == 64 && alone.stderr.contains("--keep-demo goes with --demo"), "\(alone.stderr)")
    }

    @Test func themesLoadWithoutAThemesFolder() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (binary, _) = try Self.copy(cli)
        // Standard input is not a terminal, so the workstation stops right after loading the theme (69), not at
        // the theme (78).
        for name in ["default", "high-contrast", "colorblind", "monochrome"] {
            let result = try cli.run(["--theme", name], executable: binary)
            #expect(result.status == 69 && result.stderr.contains("needs a terminal"), "\(name): \(result.stderr)")
        }
        try "inherits = \"colorblind\"\n\"ui.text\" = \"red\"\n".write(
            toFile: cli.directory + "/mine.toml", atomically: true, encoding: .utf8)
        for value in ["mine.toml", "./mine.toml", cli.directory + "/mine.toml"] {
            let result = try cli.run(["--theme", value], executable: binary)
            #expect(result.status == 69, "\(value): \(result.stderr)")
        }
        let missing = try cli.run(["--theme", "./absent.toml"], executable: binary)
        #expect(
            missing.status == 78 && missing.stderr.contains("theme: ./absent.toml: no such file"), "\(missing.stderr)")
        try "\"ui.txt\" = \"red\"\n".write(toFile: cli.directory + "/bad.toml", atomically: true, encoding: .utf8)
        let bad = try cli.run(["--theme", "bad.toml"], executable: binary)
        #expect(bad.status == 78 && bad.stderr.contains("theme: bad.toml:1: unknown key"), "\(bad.stderr)")

        // A theme file of the same name in a themes folder takes precedence over the built-in one.
        let themes = cli.directory + "/themes"
        try FileManager.default.createDirectory(atPath: themes, withIntermediateDirectories: true)
        try "\"ui.text\" = \"nonsense\"\n".write(toFile: themes + "/default.toml", atomically: true, encoding: .utf8)
        let overridden = try cli.run(
            ["--theme", "default"], extraEnvironment: ["RELEASEDESK_THEMES": themes], executable: binary)
        #expect(
            overridden.status == 78 && overridden.stderr.contains(themes + "/default.toml:1"), "\(overridden.stderr)")
    }

    @Test func sampleUsesTheBuiltInMasterData() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (binary, _) = try Self.copy(cli)
        let out = cli.directory + "/site"
        let result = try cli.run(["sample", "--out", out, "--batches", "3"], executable: binary)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/batches.json"))
    }
}
