/// Where ReleaseDesk keeps its files, resolved from options and the environment.
public struct Locations: Sendable, Equatable {
    /// The journal file.
    public var journal: String
    /// The credential file beside it.
    public var credentials: String
    /// Per-user state: witnesses and logs (`$XDG_STATE_HOME/releasedesk`).
    public var stateDirectory: String
    /// The PostgreSQL store's URL when the journal is kept there (`StoreSelection`); nil for the journal file.
    public var store: String?
    /// A read-only session (`--readonly`): sign-ins are journaled as always, but every decision, import,
    /// enrolment, password change, acknowledgement and new journal is refused before anything is written
    /// (`DeskError.readOnlySession`).
    public var readOnly = false

    public init(journal: String, credentials: String, stateDirectory: String, store: String? = nil) {
        self.journal = journal
        self.credentials = credentials
        self.stateDirectory = stateDirectory
        self.store = store
    }

    /// Resolves the journal from `--journal`, else `$RELEASEDESK_JOURNAL`, else
    /// `$XDG_DATA_HOME/releasedesk/journal.jsonl`, else `~/.local/share/releasedesk/journal.jsonl`.
    /// Relative XDG values are ignored, as the XDG specification says.
    public static func resolve(journalOption: String?, environment: [String: String]) throws(LocationError) -> Locations
    {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        func xdg(_ variable: String, fallback: String) throws(LocationError) -> String {
            if let value = environment[variable], value.hasPrefix("/") { return value }
            guard let home else { throw .noHome(variable) }
            return home + "/" + fallback
        }
        let journal: String
        if let option = journalOption, !option.isEmpty {
            journal = option
        } else if let variable = environment["RELEASEDESK_JOURNAL"], !variable.isEmpty {
            journal = variable
        } else {
            journal = try xdg("XDG_DATA_HOME", fallback: ".local/share") + "/releasedesk/journal.jsonl"
        }
        let state = try xdg("XDG_STATE_HOME", fallback: ".local/state") + "/releasedesk"
        return Locations(
            journal: journal, credentials: CredentialStore.path(forJournal: journal), stateDirectory: state)
    }
}

/// Why the locations could not be resolved.
public enum LocationError: Error, Equatable, CustomStringConvertible {
    case noHome(String)

    public var description: String {
        switch self {
        case .noHome(let variable):
            return "neither \(variable) (absolute) nor HOME is set, so there is no default location; give --journal"
        }
    }
}
