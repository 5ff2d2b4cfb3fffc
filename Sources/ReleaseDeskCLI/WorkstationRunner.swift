import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskRuntime
import ReleaseDeskScreen
import ReleaseDeskServices
import ReleaseDeskTerminal
import ReleaseDeskWorkstation

#if canImport(Glibc)
    import Glibc
#endif

/// Wires the workstation: opens the desk, runs the loop of keys → reducer → effects → frames, and gives the
/// terminal back on every way out. No rule and no drawing lives here.
@MainActor
struct WorkstationRunner {
    var global: GlobalOptions
    var themeName: String
    var color: String
    var readOnly: Bool
    var plain = false

    /// How often records appended by other processes are looked for.
    static let pollMilliseconds = 500.0

    func run() throws {
        let environment = GlobalOptions.environment
        let theme = try Self.loadTheme(themeName, environment: environment)
        var preferences = try Self.preferences(environment: environment)
        preferences.plain = plain
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw Failure(
                .unavailable, "the workstation needs a terminal; for scripts use the subcommands (releasedesk --help)")
        }
        do {
            try NcursesTerminal.check()
        } catch {
            throw Failure(
                .unavailable,
                "cannot open the workstation: \(error.description); the subcommands still work (releasedesk --help)")
        }
        let noColor: Bool
        switch color {
        case "always": noColor = false
        case "never": noColor = true
        case "auto": noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        default: throw Failure(.usage, "--color must be auto, always or never")
        }

        let locations = try global.locations()
        let authenticator = try global.authenticator(for: locations)
        var demoUsers: [DemoUserHint] = []
        if global.demo {
            let directory = DemoJournal.sampleDataDirectory(forJournal: locations.journal, environment: environment)
            demoUsers =
                (try? DemoSite.users(in: directory))?.map {
                    DemoUserHint(
                        id: $0.id, roles: $0.roles.sorted().map(\.rawValue).joined(separator: "+"),
                        password: $0.password)
                } ?? []
        }
        let log = WorkstationLog(stateDirectory: locations.stateDirectory)
        defer { log.close() }
        log.write(
            "workstation opened on \(StoreSelection.describe(locations)) (theme \(theme.name), colour \(noColor ? "off" : "on"))"
        )
        // The audit pane reads records again from the journal through an index of where each line is (a file
        // store); only a store that keeps no such index has its records kept in memory.
        var initial = JournalRecords()
        // Opened for writing even with --readonly: sign-in attempts are journaled (and counted for the lock-out);
        // --readonly only means no decision is signed from this workstation.
        let desk = try Failure.opening(
            locations, mode: .readWrite,
            observe: { initial.append($0) },
            keepingPlaces: { archive in
                if let archive { initial = JournalRecords(archive: archive) }
            })

        let terminal: NcursesTerminal
        do {
            terminal = try NcursesTerminal(
                theme: theme, noColor: noColor, mouse: preferences.mouse, showCursor: preferences.plain)
        } catch {
            throw Failure(.unavailable, "cannot open the workstation: \(error.description)")
        }
        defer { terminal.stop() }

        let runtimeEnvironment = RuntimeEnvironment(
            clock: SystemEnvironment.clock, monotonic: Monotonic.seconds, log: { log.write($0) },
            describe: { Failure.from($0).message },
            pendingSignal: { NcursesTerminal.pendingSignal }, unicode: Self.localeIsUTF8(environment),
            pollMilliseconds: Self.pollMilliseconds)
        let runtime = WorkstationRuntime(
            desk: desk, records: initial, terminal: terminal, authenticator: authenticator,
            journalName: StoreSelection.describe(locations),
            signIn: SignInForm(user: Self.prefilledUser(global, demoUsers: demoUsers), demoUsers: demoUsers),
            readOnly: readOnly, preferences: preferences, environment: runtimeEnvironment)
        initial = JournalRecords()
        runtime.run()
        terminal.stop()
        log.write(NcursesTerminal.pendingSignal != 0 ? "ended by signal \(NcursesTerminal.pendingSignal)" : "quit")
        if NcursesTerminal.pendingSignal != 0 {
            throw ExitCodeFailure.signal(NcursesTerminal.pendingSignal)
        }
    }

    /// The key map (`keys.toml`, checked whole: a problem exits 78 naming the file, the line and both bindings
    /// of a clash) and the mouse and clipboard settings of the configuration file.
    nonisolated static func preferences(environment: [String: String]) throws -> Preferences {
        let settings = try WorkstationSettings.resolve(environment: environment)
        var preferences = Preferences(mouse: settings.mouse, copyToClipboard: settings.clipboardOSC52)
        if let file = try KeyBindingsFile.load(environment: environment) {
            do throws(KeyMapFileError) {
                preferences.keyBindings = try KeyMapFile.load(file.text, file: file.path)
            } catch {
                throw Failure(.configuration, error.description)
            }
        }
        return preferences
    }

    /// The user id the sign-in form starts with: `--user`, else the login name, except in the demo when the
    /// login name is not a demo user (then the field starts empty, with the demo users listed below it).
    static func prefilledUser(_ global: GlobalOptions, demoUsers: [DemoUserHint]) -> String {
        if let user = global.user, !user.isEmpty { return user }
        let login = GlobalOptions.loginName()
        if global.demo && !demoUsers.contains(where: { $0.id == login }) { return "" }
        return login
    }

    nonisolated static func localeIsUTF8(_ environment: [String: String]) -> Bool {
        let locale =
            [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]].compactMap { $0 }.first {
                !$0.isEmpty
            } ?? ""
        let lower = locale.lowercased()
        return lower.contains("utf-8") || lower.contains("utf8")
    }

    /// Themes come from `$RELEASEDESK_THEMES`, `$XDG_CONFIG_HOME/releasedesk/themes`, `Themes/` of the
    /// working directory and `share/releasedesk/themes` beside the program's `bin` folder, in that order; a
    /// theme found in none of them is one of those compiled in (`BuiltInThemes`).
    nonisolated static func themeDirectories(_ environment: [String: String]) -> [String] {
        var dirs: [String] = []
        if let configured = environment["RELEASEDESK_THEMES"], !configured.isEmpty { dirs.append(configured) }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            dirs.append(config + "/releasedesk/themes")
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            dirs.append(home + "/.config/releasedesk/themes")
        }
        dirs.append("Themes")
        if let executable = DemoJournal.executableDirectory() {
            dirs.append(executable + "/../share/releasedesk/themes")
        }
        return dirs
    }

    /// Whether `--theme` names a file (`./mine.toml`, `themes/dark.toml`) rather than a theme.
    static func isThemeFile(_ value: String) -> Bool {
        value.contains("/") || value.hasSuffix(".toml")
    }

    /// Loads the theme `value`: a theme name, looked for in `themeDirectories` and then among the built-in
    /// themes, or the path of a theme file (`isThemeFile`), whose `inherits` names themes found the same way.
    static func loadTheme(_ value: String, environment: [String: String]) throws -> Theme {
        let file = isThemeFile(value)
        let name = !value.isEmpty && value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        guard file || name else {
            throw Failure(
                .configuration,
                "theme name \"\(value)\" is not valid (letters, digits, - and _; or a file ending in .toml)")
        }
        let dirs = themeDirectories(environment)
        func text(_ bytes: [UInt8], _ path: String) throws -> (text: String, file: String) {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ThemeError(file: path, line: 0, reason: "is not UTF-8")
            }
            return (text, path)
        }
        do {
            let theme = try ThemeLoader.load(value) { n in
                if file && n == value {
                    do {
                        guard let bytes = try FileBytes.read(n, limit: 1 << 20) else {
                            throw ThemeError(file: n, line: 0, reason: "no such file")
                        }
                        return try text(bytes, n)
                    } catch let failure as FileBytes.Failure {
                        throw ThemeError(file: n, line: 0, reason: "cannot be read (\(failure))")
                    }
                }
                for dir in dirs {
                    let path = dir + "/" + n + ".toml"
                    if let bytes = try? FileBytes.read(path) { return try text(bytes, path) }
                }
                return BuiltInThemes.files[n + ".toml"].map { ($0, "built-in " + n + ".toml") }
            }
            if !theme.missingRoles.isEmpty {
                throw ThemeError(
                    file: value, line: 0,
                    reason: "does not define " + theme.missingRoles.map(\.rawValue).joined(separator: ", ")
                        + " (add them or inherit from a theme that does)")
            }
            return theme
        } catch let error as ThemeError {
            throw Failure(.configuration, "theme: \(error.description)")
        }
    }
}

/// Ending because a signal asked: the terminal is restored first, then the usual 128 + signal status.
enum ExitCodeFailure: Error {
    case signal(Int32)
}
