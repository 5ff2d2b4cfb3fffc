import Foundation
import Testing

/// Whether the binary under test reads `RELEASEDESK_TEST_PAM_CONFDIR` (debug builds only).
private let testHooks: Bool = {
    #if RELEASEDESK_TEST_HOOKS
        return true
    #else
        return false
    #endif
}()

@Suite("Authentication through PAM, selected by option, environment or configuration file", .serialized)
struct PAMCLITests {
    /// A CLI whose PAM service files are the test's own: `releasedesk` permits, `deny` denies.
    func cli() -> (CLI, [String: String]) {
        let cli = CLI()
        let pam = cli.directory + "/pam.d"
        try! FileManager.default.createDirectory(atPath: pam, withIntermediateDirectories: true)
        try! "auth required pam_permit.so\naccount required pam_permit.so\n".write(
            toFile: pam + "/releasedesk", atomically: true, encoding: .utf8)
        try! "auth required pam_deny.so\naccount required pam_deny.so\n".write(
            toFile: pam + "/deny", atomically: true, encoding: .utf8)
        return (cli, ["RELEASEDESK_TEST_PAM_CONFDIR": pam])
    }

    func writeConfig(_ cli: CLI, _ text: String) -> String {
        let directory = cli.directory + "/.config/releasedesk"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try! text.write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
        return directory + "/config.toml"
    }

    @Test(.enabled(if: testHooks, "the PAM service-file directory of the tests is read by debug builds only"))
    func initEnrolAndSignInThroughPAMWithoutACredentialFile() throws {
        let (cli, pam) = cli()
        defer { cli.remove() }
        let created = try cli.run(
            ["init", "--auth", "pam", "--admin", "dana", "--name", "Dana Whitfield"], extraEnvironment: pam)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory + "/journal.credentials.json"))
        // Only the administrator's password is read: PAM keeps the new user's.
        let added = try cli.run(
            [
                "user", "add", "anna", "--name", "Anna Kowalczyk", "--role", "qa", "--user", "dana", "--password-stdin",
                "--auth", "pam",
            ],
            input: "dana-os-password\n", extraEnvironment: pam)
        #expect(added.status == 0, "\(added.stderr)")
        let listed = try cli.run(
            ["user", "list", "--user", "anna", "--password-stdin"], input: "anna-os-password\n",
            extraEnvironment: pam.merging(["RELEASEDESK_AUTH": "pam"]) { $1 })
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("Anna Kowalczyk"))
        // The local credential file has no entry for anna, so local authentication refuses her.
        let local = try cli.run(
            ["user", "list", "--user", "anna", "--password-stdin"], input: "anna-os-password\n", extraEnvironment: pam)
        #expect(local.status == 77)
        #expect(!cli.lines().joined().contains("os-password"))
    }

    @Test(.enabled(if: testHooks, "the PAM service-file directory of the tests is read by debug builds only"))
    func configFileSelectsPAMAndFailuresLockTheAccount() throws {
        let (cli, pam) = cli()
        defer { cli.remove() }
        try cli.initialised()
        _ = writeConfig(cli, "# site\nauth = \"pam\"\npam_service = \"deny\"\n")
        for attempt in 1...5 {
            let denied = try cli.run(
                ["queue", "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n", extraEnvironment: pam)
            #expect(denied.status == 77, "attempt \(attempt): \(denied.stderr)")
        }
        let lines = cli.lines()
        #expect(lines.filter { $0.contains(#""kind":"user.sign_in_failed""#) }.count == 5)
        #expect(lines.contains { $0.contains(#""kind":"user.locked""#) && $0.contains(#""user":"qa.anna""#) })
        // Even with the local password, which is right, the account stays locked.
        let locked = try cli.run(
            ["queue", "--user", "qa.anna", "--password-stdin", "--auth", "local"], input: "qa-pass-123\n",
            extraEnvironment: pam)
        #expect(locked.status == 77)
        #expect(locked.stderr.contains("locked"))
    }

    @Test func passwordChangesAreRefusedWithPAMBeforeAnyPasswordIsRead() throws {
        let (cli, pam) = cli()
        defer { cli.remove() }
        try cli.initialised()
        let before = cli.lines().count
        let refused = try cli.run(
            ["user", "passwd", "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\nnew-pass-456\n",
            extraEnvironment: pam.merging(["RELEASEDESK_AUTH": "pam"]) { $1 })
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("not available with PAM authentication"))
        #expect(cli.lines().count == before)
    }

    @Test func aBadConfigurationExits78NamingFileLineAndField() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let path = writeConfig(cli, "auth = \"pam\"\n\npam_servise = \"releasedesk\"\n")
        let result = try cli.run(["queue", "--user", "dana", "--password-stdin"], input: "admin-pass-1\n")
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(path):3: pam_servise: unknown key"))
        _ = writeConfig(cli, "auth = \"local\"\n")
        let badValue = try cli.run(
            ["queue", "--user", "dana", "--password-stdin", "--auth", "kerberos"], input: "admin-pass-1\n")
        #expect(badValue.status == 78)
        #expect(badValue.stderr.contains("--auth: must be local or pam"))
    }
}
