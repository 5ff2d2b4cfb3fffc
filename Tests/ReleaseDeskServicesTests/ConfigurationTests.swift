import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskServices

@Suite("Configuration file and authentication settings")
struct ConfigurationTests {
    func parse(_ text: String) throws(ConfigurationError) -> ConfigurationFile {
        try ConfigurationFile.parse(Array(text.utf8), path: "site.toml")
    }

    @Test func readsKeysCommentsAndBlankLines() throws {
        let file = try parse(
            "# site settings\n\nauth = \"pam\"   # operating-system accounts\r\n  pam_service=\"release-desk\"\n")
        #expect(file.values["auth"]?.value == "pam")
        #expect(file.values["auth"]?.line == 3)
        #expect(file.values["pam_service"]?.value == "release-desk")
        #expect(file.values["pam_service"]?.line == 4)
    }

    @Test func errorsNameFileLineAndField() {
        let cases: [(String, Int, String?)] = [
            ("auth = pam\n", 1, "auth"),
            ("\n\nautb = \"pam\"\n", 3, "autb"),
            ("auth = \"pam\"\nauth = \"local\"\n", 2, "auth"),
            ("auth = \"pam\" trailing\n", 1, "auth"),
            ("auth = \"pa\\m\"\n", 1, "auth"),
            ("just words\n", 1, nil),
        ]
        for (text, line, field) in cases {
            #expect {
                _ = try parse(text)
            } throws: { error in
                guard let error = error as? ConfigurationError else { return false }
                return error.file == "site.toml" && error.line == line && error.field == field
                    && error.description.hasPrefix("configuration: site.toml:\(line): ")
            }
        }
    }

    func scratch(_ config: String?) -> (directory: String, environment: [String: String]) {
        let directory = NSTemporaryDirectory() + "releasedesk-config-" + UUID().uuidString.lowercased()
        try! FileManager.default.createDirectory(atPath: directory + "/releasedesk", withIntermediateDirectories: true)
        if let config {
            try! config.write(toFile: directory + "/releasedesk/config.toml", atomically: true, encoding: .utf8)
        }
        return (directory, ["HOME": directory, "XDG_CONFIG_HOME": directory])
    }

    @Test func optionOverridesEnvironmentWhichOverridesTheFile() throws {
        let (directory, environment) = scratch("auth = \"pam\"\npam_service = \"rd\"\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = try AuthenticationSettings.resolve(option: nil, environment: environment)
        #expect(settings.method == .pam && settings.pamService == "rd" && !settings.managesPasswords)
        settings = try AuthenticationSettings.resolve(
            option: nil, environment: environment.merging(["RELEASEDESK_AUTH": "local"]) { $1 })
        #expect(settings.method == .local && settings.managesPasswords)
        settings = try AuthenticationSettings.resolve(
            option: "pam", environment: environment.merging(["RELEASEDESK_AUTH": "local"]) { $1 })
        #expect(settings.method == .pam)
    }

    @Test func idleLockAndLockOutAreConfigurableWithinBounds() throws {
        let (directory, environment) = scratch(
            "idle_lock_minutes = 5   # shared terminals\nmax_failed_sign_ins = \"3\"\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let policy = try SecuritySettings.resolve(environment: environment)
        #expect(policy.idleLockMilliseconds == 5 * 60_000)
        #expect(policy.maxFailedSignIns == 3)
        let (other, unset) = scratch("auth = \"local\"\n")
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(try SecuritySettings.resolve(environment: unset) == SecurityPolicy())
        for (text, field) in [
            ("max_failed_sign_ins = 1\n", "max_failed_sign_ins"),
            ("\nidle_lock_minutes = \"often\"\n", "idle_lock_minutes"),
        ] {
            let (bad, environment) = scratch(text)
            defer { try? FileManager.default.removeItem(atPath: bad) }
            #expect {
                _ = try SecuritySettings.resolve(environment: environment)
            } throws: { error in
                guard let error = error as? ConfigurationError else { return false }
                return error.field == field && error.line == (field == "idle_lock_minutes" ? 2 : 1)
                    && error.reason.hasPrefix("must be a whole number")
            }
        }
    }

    @Test func withoutAFileAuthenticationIsLocal() throws {
        let (directory, environment) = scratch(nil)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The site-wide file applies when the user has none; without either, local.
        if !FileManager.default.fileExists(atPath: ConfigurationFile.systemPath) {
            let settings = try AuthenticationSettings.resolve(option: nil, environment: environment)
            #expect(settings == AuthenticationSettings())
            #expect(
                settings.authenticator(for: Locations(journal: "j.jsonl", credentials: "c", stateDirectory: "s")).name
                    == "local")
        }
    }

    @Test func badValuesAreConfigurationErrors() {
        let (directory, environment) = scratch("auth = \"kerberos\"\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            throws: ConfigurationError(
                file: directory + "/releasedesk/config.toml", line: 1, field: "auth",
                reason: "must be \"local\" or \"pam\", not \"kerberos\"")
        ) {
            try AuthenticationSettings.resolve(option: nil, environment: environment)
        }
        #expect(throws: ConfigurationError.self) {
            try AuthenticationSettings.resolve(option: "ldap", environment: ["HOME": directory])
        }
        #expect(throws: ConfigurationError.self) {
            try AuthenticationSettings.resolve(
                option: nil, environment: ["RELEASEDESK_CONFIG": directory + "/missing.toml"])
        }
        let (other, environment2) = scratch("pam_service = \"../etc/permit\"\n")
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(throws: ConfigurationError.self) {
            try AuthenticationSettings.resolve(option: nil, environment: environment2)
        }
    }

    @Test func mouseAndClipboardAreWorkstationSettings() throws {
        let (directory, environment) = scratch("mouse = false   # select text with the mouse\nclipboard = \"osc52\"\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            try WorkstationSettings.resolve(environment: environment)
                == WorkstationSettings(mouse: false, clipboardOSC52: true))
        let (plain, unset) = scratch("auth = \"local\"\n")
        defer { try? FileManager.default.removeItem(atPath: plain) }
        #expect(
            try WorkstationSettings.resolve(environment: unset)
                == WorkstationSettings(mouse: true, clipboardOSC52: false))
        for (text, field) in [("\nmouse = \"no\"\n", "mouse"), ("\nclipboard = \"x11\"\n", "clipboard")] {
            let (bad, environment) = scratch(text)
            defer { try? FileManager.default.removeItem(atPath: bad) }
            #expect {
                _ = try WorkstationSettings.resolve(environment: environment)
            } throws: { error in
                (error as? ConfigurationError).map { $0.field == field && $0.line == 2 } ?? false
            }
        }
        // true and false are the only bare words.
        #expect(throws: ConfigurationError.self) { _ = try parse("mouse = off\n") }
    }

    @Test func keysTomlIsReadBesideTheConfigurationFile() throws {
        let (directory, environment) = scratch(nil)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        if !FileManager.default.fileExists(atPath: "/etc/releasedesk/keys.toml") {
            #expect(try KeyBindingsFile.load(environment: environment) == nil)
        }
        try "certify = \"K\"\n".write(
            toFile: directory + "/releasedesk/keys.toml", atomically: true, encoding: .utf8)
        let found = try KeyBindingsFile.load(environment: environment)
        #expect(found?.path == directory + "/releasedesk/keys.toml")
        #expect(found?.text == "certify = \"K\"\n")
        // With RELEASEDESK_CONFIG, the folder of that file.
        try FileManager.default.createDirectory(atPath: directory + "/site", withIntermediateDirectories: true)
        try "".write(toFile: directory + "/site/desk.toml", atomically: true, encoding: .utf8)
        let site = environment.merging(["RELEASEDESK_CONFIG": directory + "/site/desk.toml"]) { $1 }
        #expect(try KeyBindingsFile.load(environment: site) == nil)
        try "quit = \"Q\"\n".write(toFile: directory + "/site/keys.toml", atomically: true, encoding: .utf8)
        #expect(try KeyBindingsFile.load(environment: site)?.path == directory + "/site/keys.toml")
    }
}
