import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskScreen
import ReleaseDeskServices
import ReleaseDeskWorkstation

#if canImport(Glibc)
    import Glibc
#endif

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show resolved paths, versions and terminal capabilities.",
        discussion: """
            Also checks the configuration in use, as every other command does: a bad file or variable exits 78 \
            naming the file, line and field; and keys.toml, as the workstation does.
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Failure.guarded {
            let environment = GlobalOptions.environment
            let locations: Locations
            locations = try global.locations()
            // The configuration in use, checked whole: the file, the security settings and the authentication.
            let configuration: ConfigurationFile?
            do throws(ConfigurationError) {
                configuration = try ConfigurationFile.load(environment: environment)
                _ = try SecuritySettings.resolve(environment: environment)
            } catch {
                throw Failure(.configuration, error.description)
            }
            // The workstation's settings and key bindings, checked as the workstation checks them.
            let keysFile = try KeyBindingsFile.load(environment: environment)
            let preferences = try WorkstationRunner.preferences(environment: environment)
            let authentication = try global.authentication()
            var rows: [[String]] = []
            rows.append(["version", ReleaseDesk.version])
            rows.append([
                "journal format",
                "\(JournalFormat.name) (\(JournalFormat.document), revision \(JournalFormat.revision))",
            ])
            var journalState = "does not exist"
            if locations.store == nil, FileBytes.exists(locations.journal) {
                let id = (try? Journal.identify(at: locations.journal)) ?? nil
                journalState =
                    id.map { "journal id \($0)" } ?? "exists, but its first line is not a journal.created record"
            }
            if locations.store != nil {
                // The URL without its password; the state of the store, or why it cannot be read.
                var storeState: String
                do {
                    storeState = try StoreSelection.identify(locations).map { "journal id \($0)" } ?? "no journal yet"
                } catch {
                    storeState = "cannot be read: \(error)"
                }
                rows.append(["store", "PostgreSQL \(StoreSelection.describe(locations)) (\(storeState))"])
            } else {
                rows.append(["store", "journal file"])
                rows.append(["journal", "\(locations.journal) (\(journalState))"])
            }
            rows.append(["configuration", configuration?.path ?? "none (the defaults)"])
            rows.append(["key bindings", keysFile.map { "\($0.path) (checked)" } ?? "none (the built-in keys)"])
            rows.append([
                "workstation",
                "mouse \(preferences.mouse ? "on" : "off"), clipboard \(preferences.copyToClipboard ? "osc52" : "off")",
            ])
            rows.append(["authentication", authentication.method.rawValue])
            rows.append(["credentials", locations.credentials])
            let builtIn = BuiltInThemes.files.keys.sorted().map { String($0.dropLast(5)) }.joined(separator: ", ")
            rows.append([
                "themes",
                WorkstationRunner.themeDirectories(environment).joined(separator: ", ") + "; built in: " + builtIn,
            ])
            rows.append(["state", locations.stateDirectory])
            rows.append(["user", global.userID])
            rows.append(["host", SystemEnvironment.hostName()])
            rows.append(["processors", String(Verifier.systemProcessorCount())])
            rows.append(["TERM", environment["TERM"] ?? "(unset)"])
            let locale = environment["LC_ALL"] ?? environment["LC_CTYPE"] ?? environment["LANG"] ?? "(unset)"
            rows.append(["locale", locale])
            rows.append([
                "NO_COLOR", (environment["NO_COLOR"] ?? "").isEmpty ? "unset (colour allowed)" : "set (no colour)",
            ])
            rows.append(["stdout", isatty(1) == 1 ? "terminal" : "not a terminal (no escape sequences)"])
            var out = StandardOutput()
            out.write(Table.render(header: ["WHAT", "VALUE"], rows: rows))
            out.flush()
        }
    }
}
