import ReleaseDeskCore
import ReleaseDeskJournal
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

    /// How often records appended by other processes are looked for.
    static let pollMilliseconds = 500.0

    func run() throws {
        let environment = GlobalOptions.environment
        let theme = try Self.loadTheme(themeName, environment: environment)
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw Failure(.unavailable, "the workstation needs a terminal; for scripts use the subcommands (releasedesk --help)")
        }
        do {
            try NcursesTerminal.check()
        } catch {
            throw Failure(.unavailable, "cannot open the workstation: \(error.description); the subcommands still work (releasedesk --help)")
        }
        let noColor: Bool
        switch color {
        case "always": noColor = false
        case "never": noColor = true
        case "auto": noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        default: throw Failure(.usage, "--color must be auto, always or never")
        }
        let unicode = Self.localeIsUTF8(environment)

        let locations = try global.locations()
        let authenticator = try global.authenticator(for: locations)
        var demoUsers: [DemoUserHint] = []
        if global.demo, let directory = DemoJournal.sampleDataDirectory(environment: environment) {
            demoUsers = (try? DemoSite.users(in: directory))?.map {
                DemoUserHint(id: $0.id, roles: $0.roles.sorted().map(\.rawValue).joined(separator: "+"), password: $0.password)
            } ?? []
        }
        let log = WorkstationLog(stateDirectory: locations.stateDirectory)
        defer { log.close() }
        log.write("workstation opened on \(locations.journal) (theme \(theme.name), colour \(noColor ? "off" : "on"))")
        var pending: [Record] = []
        var initial: [Record] = []
        // Opened for writing even with --readonly: sign-in attempts are journaled (and counted for the lock-out);
        // --readonly only means no decision is signed from this workstation.
        let desk = try Failure.opening(locations, mode: .readWrite, observe: { initial.append($0) })
        desk.onRecord = { pending.append($0) }

        let terminal: NcursesTerminal
        do {
            terminal = try NcursesTerminal(theme: theme, noColor: noColor)
        } catch {
            throw Failure(.unavailable, "cannot open the workstation: \(error.description)")
        }
        defer { terminal.stop() }

        var state = WorkstationState(
            size: terminal.size, now: Journal.systemClock(), desk: desk.state, records: initial,
            chain: Self.chain(desk, integrity: nil), journalName: DisplayText.sanitize(locations.journal),
            signIn: SignInForm(user: Self.prefilledUser(global, demoUsers: demoUsers), demoUsers: demoUsers),
            readOnly: readOnly || desk.alarm != nil)
        initial = []
        var lastPoll = Monotonic.seconds()
        let integrity = BackgroundIntegrity(path: locations.journal)
        // Every signature in the journal is checked against what it signs once after opening; no signature
        // is made from this workstation until that has passed.
        integrity.startDeepCheck()

        func deliver(_ action: Action) -> [Effect] { Workstation.reduce(&state, action) }

        loop: while NcursesTerminal.pendingSignal == 0 {
            let size = terminal.size
            if size != state.size { _ = deliver(.resized(size)) }
            terminal.draw(Screen.render(state, unicode: unicode))
            var effects: [Effect] = []
            if let key = terminal.readKey(timeoutMilliseconds: 200) {
                effects = deliver(.keyPressed(key))
            }
            _ = deliver(.tick(Journal.systemClock()))
            let now = Monotonic.seconds()
            if state.user != nil, (now - lastPoll) * 1000 >= Self.pollMilliseconds {
                lastPoll = now
                effects.append(.reload)
                integrity.poll(head: desk.journal.head)
            }
            if let alarm = integrity.takeAlarm(), desk.alarm == nil {
                desk.raiseAlarm(alarm)
                log.write("integrity alarm: \(alarm)")
            }
            if integrity.deepCheckPassed != state.chain.signaturesVerified {
                effects.append(.reload)  // the new chain status is delivered with the reload
            }
            while !effects.isEmpty {
                let effect = effects.removeFirst()
                switch effect {
                case .quit:
                    break loop
                case .redraw:
                    terminal.redrawAll()
                case .reload:
                    do {
                        try desk.refresh()
                    } catch {
                        let message = Failure.from(error).message
                        log.write("reading the journal failed: \(message)")
                        effects += deliver(.journalReadFailed(DisplayText.sanitize(message)))
                    }
                case .journalRefusal(let action, let refusal):
                    if let user = state.user {
                        do {
                            let subject = state.selectedBatchID.map(ActionSubject.batch)
                            try desk.perform(action, by: user.id, about: subject) { _ throws(ActionRefusal) in throw refusal }
                        } catch {
                            log.write("refused \(action) for \(user.id): \(refusal.gate)")
                        }
                    }
                case .signatureUnderOtherID(let typed):
                    guard let user = state.user else { break }
                    do {
                        try desk.recordSignatureUnderOtherID(typed: typed, session: user.id, channel: "tui:signature")
                        log.write("signature under another user id refused for \(user.id)")
                    } catch {
                        log.write("journaling a signature under another user id failed: \(Failure.from(error).message)")
                    }
                case .assign(let batch, let assignee):
                    guard let user = state.user else { break }
                    do {
                        try desk.perform("batch.assign", by: user.id, about: .batch(batch)) { fresh throws(ActionRefusal) in
                            try ReleaseRules.assign(batch: batch, to: assignee, by: user.id, in: fresh)
                        }
                        log.write("assigned \(batch) to \(assignee) as \(user.id)")
                        effects += deliver(.actionSucceeded(DisplayText.sanitize("Assigned \(batch) to \(assignee).")))
                    } catch {
                        effects += deliver(.actionRefused(DisplayText.sanitize(Failure.from(error).message)))
                    }
                case .sign(let action, let content, let password):
                    guard let user = state.user else { break }
                    terminal.draw(Screen.render(state, unicode: unicode))  // "Signing…" while the password is checked
                    do {
                        let alarmBefore = desk.alarm
                        defer { if alarmBefore == nil, let alarm = desk.alarm { log.write("integrity alarm: \(alarm)") } }
                        let written = try desk.sign(
                            action, as: user.id, password: password, with: authenticator, channel: "tui:signature",
                            shown: Signing.digest(content), clock: Journal.systemClock)
                        let first = written.first.map { "#\($0.seq) \($0.kind)" } ?? "nothing"
                        let meaning = written.first.flatMap { Signature.decode($0.body["signature"])?.meaning.rawValue } ?? "-"
                        log.write("signed \(action.name) as \(user.id): \(first)")
                        effects += deliver(.actionSucceeded("Signed (meaning: \(meaning)) and saved as \(first)."))
                    } catch {
                        let message = Failure.from(error).message
                        log.write("signature for \(action.name) by \(user.id) refused: \(message)")
                        effects += deliver(.actionRefused(DisplayText.sanitize(message)))
                    }
                case .signIn(let user, let password):
                    terminal.draw(Screen.render(state, unicode: unicode))  // shows "Checking…" while scrypt runs
                    do {
                        let account = try desk.signIn(user: user, password: password, with: authenticator, channel: "tui")
                        log.write("signed in as \(account.id)")
                        effects += deliver(.signInSucceeded(account))
                    } catch {
                        let message = Failure.from(error).message
                        log.write("sign-in as \(user) refused: \(message)")
                        effects += deliver(.signInFailed(DisplayText.sanitize(message)))
                    }
                }
                if !pending.isEmpty || Self.chain(desk, integrity: integrity) != state.chain {
                    let fresh = pending
                    pending = []
                    effects += deliver(.journalUpdated(desk.state, newRecords: fresh, chain: Self.chain(desk, integrity: integrity)))
                }
            }
        }
        terminal.stop()
        if state.user != nil { desk.checkpoint() }
        log.write(NcursesTerminal.pendingSignal != 0 ? "ended by signal \(NcursesTerminal.pendingSignal)" : "quit")
        if NcursesTerminal.pendingSignal != 0 {
            throw ExitCodeFailure.signal(NcursesTerminal.pendingSignal)
        }
    }

    /// The user id the sign-in form starts with: `--user`, else the login name, except in the demo when the
    /// login name is not a demo user (then the field starts empty, with the demo users listed below it).
    static func prefilledUser(_ global: GlobalOptions, demoUsers: [DemoUserHint]) -> String {
        if let user = global.user, !user.isEmpty { return user }
        let login = GlobalOptions.loginName()
        if global.demo && !demoUsers.contains(where: { $0.id == login }) { return "" }
        return login
    }

    static func chain(_ desk: Desk, integrity: BackgroundIntegrity?) -> ChainStatus {
        ChainStatus(
            seq: desk.journal.head.seq, headHash: desk.journal.head.hash, alarm: desk.alarm.map { DisplayText.sanitize($0) },
            signaturesVerified: integrity?.deepCheckPassed ?? false)
    }

    static func localeIsUTF8(_ environment: [String: String]) -> Bool {
        let locale = [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let lower = locale.lowercased()
        return lower.contains("utf-8") || lower.contains("utf8")
    }

    /// Themes come from `$RELEASEDESK_THEMES`, `$XDG_CONFIG_HOME/releasedesk/themes`, `Themes/` of the
    /// working directory, then the `Themes/` shipped beside the program.
    static func themeDirectories(_ environment: [String: String]) -> [String] {
        var dirs: [String] = []
        if let configured = environment["RELEASEDESK_THEMES"], !configured.isEmpty { dirs.append(configured) }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            dirs.append(config + "/releasedesk/themes")
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            dirs.append(home + "/.config/releasedesk/themes")
        }
        dirs.append("Themes")
        if let executable = DemoJournal.executableDirectory() {
            dirs += [executable + "/../../Themes", executable + "/../../../Themes", executable + "/../share/releasedesk/Themes"]
        }
        return dirs
    }

    static func loadTheme(_ name: String, environment: [String: String]) throws -> Theme {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw Failure(.configuration, "theme name \"\(name)\" is not valid (letters, digits, - and _)")
        }
        let dirs = themeDirectories(environment)
        do {
            let theme = try ThemeLoader.load(name) { n in
                for dir in dirs {
                    let path = dir + "/" + n + ".toml"
                    if let bytes = try? FileBytes.read(path) {
                        guard let text = String(validating: bytes, as: UTF8.self) else {
                            throw ThemeError(file: path, line: 0, reason: "is not UTF-8")
                        }
                        return (text, path)
                    }
                }
                return nil
            }
            if !theme.missingRoles.isEmpty {
                throw ThemeError(
                    file: name, line: 0,
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
