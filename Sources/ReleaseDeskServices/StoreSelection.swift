import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskPostgres

/// Which journal store a command works on: the journal file, or a PostgreSQL store named by a URL.
///
/// `--store`, else `$RELEASEDESK_STORE`, else the configuration file's `store`; a `postgres://` or
/// `postgresql://` URL selects PostgreSQL, anything else names the journal file (as `--journal` does).
/// The one place a store is opened for `Desk.open`.
public enum StoreSelection {
    /// The store text that applies, and where it came from (for messages), or nil (the journal file).
    public static func resolve(option: String?, environment: [String: String]) throws(ConfigurationError) -> (
        value: String, source: String
    )? {
        if let option, !option.isEmpty { return (option, "--store") }
        if let variable = environment["RELEASEDESK_STORE"], !variable.isEmpty { return (variable, "RELEASEDESK_STORE") }
        let file = try ConfigurationFile.load(environment: environment)
        if let file, let entry = file.values["store"] {
            guard !entry.value.isEmpty else {
                throw ConfigurationError(file: file.path, line: entry.line, field: "store", reason: "is empty")
            }
            return (entry.value, "\(file.path):\(entry.line)")
        }
        return nil
    }

    /// Applies the store to `locations`: a PostgreSQL URL (checked) becomes `locations.store`; anything else
    /// is the journal file, unless `--journal` named one (which also wins over `$RELEASEDESK_STORE` and the
    /// configuration file).
    public static func apply(
        _ selected: (value: String, source: String)?, to locations: inout Locations, journalOption: String?
    ) throws(ConfigurationError) {
        guard let selected else { return }
        // An explicit --journal wins over a store named by the environment or the configuration file.
        if let journalOption, !journalOption.isEmpty, selected.source != "--store" { return }
        if PostgresURL.isPostgres(selected.value) {
            do {
                _ = try PostgresURL(selected.value)
            } catch {
                throw ConfigurationError(file: nil, line: nil, field: selected.source, reason: error.description)
            }
            locations.store = selected.value
        } else if journalOption == nil || journalOption!.isEmpty {
            locations.journal = selected.value
            locations.credentials = CredentialStore.path(forJournal: selected.value)
        }
    }

    /// The PostgreSQL store of `locations`, when it names one.
    public static func postgresURL(_ locations: Locations) throws -> PostgresURL? {
        guard let store = locations.store else { return nil }
        return try PostgresURL(store)
    }

    /// What `info` and messages show for the store: the file's path, or the URL without its password.
    public static func describe(_ locations: Locations) -> String {
        guard let store = locations.store else { return locations.journal }
        return (try? PostgresURL(store).description) ?? "(a PostgreSQL URL that does not parse)"
    }

    /// Opens the store of `locations`, not read yet.
    public static func open(
        _ locations: Locations, mode: Journal.Mode, environment: JournalEnvironment
    ) throws -> any JournalStore {
        if let url = try postgresURL(locations) {
            return mode == .readWrite
                ? try PostgresJournalStore.open(url: url, environment: environment)
                : try PostgresJournalStore.openForReading(url: url)
        }
        return mode == .readWrite
            ? try Journal.open(at: locations.journal, environment: environment)
            : try Journal.openForReading(at: locations.journal)
    }

    /// Whether the store of `locations` holds a journal (record 1), without reading the rest.
    public static func holdsJournal(_ locations: Locations) throws -> Bool {
        if let url = try postgresURL(locations) {
            return try PostgresJournalStore.openForReading(url: url).identify() != nil
        }
        return FileBytes.exists(locations.journal)
    }

    /// Creates the journal in the store of `locations`: record 1 and `drafts`, durable before this returns.
    public static func create(
        _ locations: Locations, actor: String, then drafts: [RecordDraft], environment: JournalEnvironment
    ) throws -> (any JournalStore, [Record]) {
        if let url = try postgresURL(locations) {
            return try PostgresJournalStore.create(url: url, actor: actor, then: drafts, environment: environment)
        }
        return try Journal.create(at: locations.journal, actor: actor, then: drafts, environment: environment)
    }
}

/// What `verify` asks of the store of `locations`, on either store: the file's own functions for the file,
/// the same checks over the rows in `seq` order for PostgreSQL.
extension StoreSelection {
    /// The journal id from record 1, without reading the rest.
    public static func identify(_ locations: Locations) throws -> String? {
        if let url = try postgresURL(locations) { return try PostgresJournalStore.openForReading(url: url).identify() }
        return try Journal.identify(at: locations.journal)
    }

    /// The whole store verified (§5 of docs/journal-format.md).
    public static func verify(_ locations: Locations, watchSeqs: Set<Int64>) throws -> VerificationReport {
        if let url = try postgresURL(locations) {
            return try PostgresJournalStore.verify(url: url, watchSeqs: watchSeqs)
        }
        return try Verifier.verify(path: locations.journal, watchSeqs: watchSeqs)
    }

    /// The seq of the first acknowledgement naming `witness`, or nil.
    public static func acknowledgement(_ locations: Locations, naming witness: IntegrityAcknowledgement.Point) throws
        -> Int64?
    {
        guard let url = try postgresURL(locations) else {
            return try WitnessAcknowledgement.record(in: locations.journal, naming: witness)
        }
        let store = try PostgresJournalStore.openForReading(url: url)
        var found: Int64? = nil
        try store.readNew { record in
            if found == nil, IntegrityAcknowledgement.acknowledges(record, witness: witness) { found = record.seq }
        }
        return found
    }

    /// The accounts that combine administration with a GMP role (`DutyConflicts`).
    public static func dutyConflicts(_ locations: Locations) throws -> [UserAccount] {
        guard let url = try postgresURL(locations) else { return try DutyConflicts.accounts(in: locations.journal) }
        let users = try PostgresJournalStore.records(url: url, lineContaining: "\"kind\":\"user.").filter {
            $0.kind == RecordKind.userEnrolled || $0.kind == RecordKind.userRolesChanged
        }
        return DeskState.replay(users).users.values.filter(\.mixesAdministrationWithGMP).sorted { $0.id < $1.id }
    }

    /// Every signature checked against what it signs (`DeepVerification`).
    public static func deepVerification(_ locations: Locations) throws -> DeepVerification.Report {
        if let url = try postgresURL(locations) {
            return try DeepVerification.run(reading: PostgresJournalStore.openForReading(url: url))
        }
        return try DeepVerification.run(path: locations.journal)
    }
}
