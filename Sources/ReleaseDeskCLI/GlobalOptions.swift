import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

#if canImport(Glibc)
    import Glibc
#endif

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The journal file (default: $RELEASEDESK_JOURNAL, else $XDG_DATA_HOME/releasedesk/journal.jsonl).")
    var journal: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where the journal is: a postgres:// or postgresql:// URL selects a PostgreSQL store, anything else a journal file (default: $RELEASEDESK_STORE, else the configuration file's store, else the journal file).",
            valueName: "url"))
    var store: String?

    @Option(name: .long, help: "The user id to sign in as (default: the login name).")
    var user: String?

    @Flag(
        name: .long,
        help: "Read the password from the first line of standard input (a new password from the next line).")
    var passwordStdin = false

    @Option(
        name: .long,
        help:
            "How passwords are checked: local or pam (default: $RELEASEDESK_AUTH, else the configuration file's auth, else local)."
    )
    var auth: String?

    @Flag(
        name: .long,
        help:
            "Build a fresh journal from the built-in sample data (or $RELEASEDESK_SAMPLE_DATA) in a temporary folder and use it; the folder is removed when the program ends."
    )
    var demo = false

    @Flag(name: .long, help: "With --demo: keep the demo folder (journal, credentials, state) when the program ends.")
    var keepDemo = false

    @OptionGroup var access: ReadOnlyOption

    /// `--readonly`: sign-ins are journaled, nothing else is written.
    var readonly: Bool { access.readonly }

    /// Whether a command only reads the journal (and journals its sign-in) or writes to it.
    enum Access { case reading, writing }

    /// The environment, as a dictionary.
    /// How a command that only shows opens the journal: warm from this user's verified-state snapshot
    /// (docs/journal-format.md, "Verified-state snapshot"), the whole file verified before anything is shown;
    /// cold, from the first record, with `RELEASEDESK_SNAPSHOT=0`.
    static var showingOpen: Desk.Warm { environment["RELEASEDESK_SNAPSHOT"] == "0" ? .cold : .verifyFirst }

    static var environment: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }

    func validate() throws {
        if keepDemo && !demo { throw ValidationError("--keep-demo goes with --demo") }
    }

    /// Resolves the file locations; with `--demo`, builds the demo journal first.
    func locations() throws -> Locations {
        let environment = Self.environment
        var resolved: Locations
        do {
            resolved = try Locations.resolve(journalOption: journal, environment: environment)
            try StoreSelection.apply(
                try StoreSelection.resolve(option: store, environment: environment), to: &resolved,
                journalOption: journal)
        } catch let error as LocationError {
            throw Failure(.configuration, error.description)
        } catch let error as ConfigurationError {
            throw Failure(.configuration, error.description)
        }
        if demo {
            resolved = try DemoJournal.build(environment: environment, keep: keepDemo)
        }
        resolved.readOnly = readonly
        return resolved
    }

    /// The authentication settings: `--auth`, `$RELEASEDESK_AUTH`, then the configuration file.
    func authentication() throws -> AuthenticationSettings {
        do {
            return try AuthenticationSettings.resolve(option: auth, environment: Self.environment)
        } catch {
            throw Failure(.configuration, error.description)
        }
    }

    /// The authenticator every command and the workstation check passwords with.
    func authenticator(for locations: Locations) throws -> Authenticator {
        try authentication().authenticator(for: locations)
    }

    /// Refuses, before any password is asked, a command that sets passwords when the operating system keeps them.
    func requireLocalPasswords(_ what: String) throws {
        if try !authentication().managesPasswords {
            throw Failure(
                .configuration,
                "\(what) is not available with PAM authentication: passwords are those of the operating-system accounts; "
                    + "change them with passwd(1) or ask the system administrator")
        }
    }

    /// The user id to act as.
    var userID: String {
        if let user, !user.isEmpty { return user }
        return Self.loginName()
    }

    static func loginName() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return environment["USER"] ?? "unknown"
    }

    /// Where passwords come from for this invocation.
    func passwords() -> PasswordSource {
        PasswordSource(fromStandardInput: passwordStdin)
    }

    /// Opens the desk and signs the user in; the password comes from stdin or the terminal.
    ///
    /// A command that writes (`access: .writing`) is refused in a read-only session before the password is
    /// asked for; the desk refuses every write of such a session as well.
    func signedIn(
        _ locations: Locations, channel: String, for access: Access, passwords: PasswordSource,
        allowingTemporaryPassword: Bool = false,
        warm: Desk.Warm = .cold, observe: (Record) -> Void = { _ in }, keepingPlaces: Desk.KeepingPlaces? = nil
    ) throws -> (Desk, UserAccount) {
        if access == .writing, locations.readOnly {
            throw DeskError.readOnlySession(channel.hasPrefix("cli:") ? String(channel.dropFirst(4)) : channel)
        }
        let authenticator = try authenticator(for: locations)
        let desk = try Failure.opening(locations, warm: warm, observe: observe, keepingPlaces: keepingPlaces)
        let id = userID
        let password = try passwords.read(prompt: "Password for \(DisplayText.sanitize(id)): ")
        do {
            let account = try desk.signIn(
                user: id, password: password, with: authenticator, channel: channel,
                allowingTemporaryPassword: allowingTemporaryPassword)
            return (desk, account)
        } catch let error as DeskError {
            throw Failure(.refused, error.description)
        }
    }
}

/// `--readonly`, which every command takes (also those that open no journal, so that none ignores it).
struct ReadOnlyOption: ParsableArguments {
    @Flag(
        name: .long,
        help:
            "Write nothing to the journal but sign-ins: every command that would record a decision or data, and the workstation's signing, is refused (exit 77) before a password is asked for."
    )
    var readonly = false

    /// Refuses `action` when `--readonly` was given.
    func refuse(_ action: String) throws {
        if readonly { throw DeskError.readOnlySession(action) }
    }
}
