import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskPostgres
import ReleaseDeskServices

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Set up a PostgreSQL store and move journals between stores.",
        subcommands: [StoreInitCommand.self, StoreMigrateCommand.self])
}

struct StoreInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or upgrade the tables of a PostgreSQL store (versioned; safe to run again).",
        discussion: """
            Run as the role that owns the tables (not the application's role). Creates releasedesk_records (one \
            row per record: seq, the canonical line, sha256, prev), releasedesk_head (the chain head every append \
            locks) and releasedesk_schema (the versions applied), with triggers that refuse UPDATE, DELETE and \
            TRUNCATE. --grant ROLE gives the application's role exactly what it needs: SELECT and INSERT on \
            releasedesk_records, SELECT and UPDATE on releasedesk_head, SELECT on releasedesk_schema. Then create \
            the journal with 'releasedesk init --store URL'.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The application's role to grant its privileges to (a lower-case SQL name).")
    var grant: String?

    func validate() throws {
        if let grant, !PostgresSchema.isPlainRole(grant) {
            throw ValidationError("--grant must be a lower-case SQL name (letters, digits, _)")
        }
    }

    func run() throws {
        try Failure.guarded {
            let locations = try global.locations()
            try global.access.refuse("store init")
            guard let url = try StoreSelection.postgresURL(locations) else {
                throw Failure(
                    .usage, "store init needs a PostgreSQL store: give --store postgres://… or set RELEASEDESK_STORE")
            }
            let outcome = try PostgresSchema.initialise(url: url, grantTo: grant)
            var out = StandardOutput()
            switch outcome {
            case .created(let version): out.write("created the store's tables (schema version \(version))\n")
            case .upgraded(let from, let to): out.write("upgraded the store's tables from version \(from) to \(to)\n")
            case .upToDate(let version): out.write("the store's tables are up to date (schema version \(version))\n")
            }
            if let grant { out.write("granted the application's privileges to \(grant)\n") }
            out.write("store \(DisplayText.sanitize(url.description, layout: .singleLine))\n")
            out.flush()
        }
    }
}

struct StoreMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a journal from a file into a PostgreSQL store, or back into a new file.",
        discussion: """
            --from and --to are each a journal file or a postgres:// URL. The source is verified whole; every line \
            is copied unchanged and checked where it stands; the destination (a file that does not exist yet, or an \
            initialised PostgreSQL store holding no records) is verified afterwards. A round trip is byte-identical. \
            A file with repaired fragments of torn writes is refused: it stays a file.
            """)

    @Option(name: .long, help: "The journal to copy: a file, or a postgres:// URL.")
    var from: String

    @Option(name: .long, help: "Where to copy it: a new file, or a postgres:// URL of an empty store.")
    var to: String

    @OptionGroup var access: ReadOnlyOption

    func validate() throws {
        if from.isEmpty || to.isEmpty { throw ValidationError("--from and --to must not be empty") }
        if from == to { throw ValidationError("--from and --to name the same store") }
    }

    func run() throws {
        try Failure.guarded {
            try access.refuse("store migrate")
            if !PostgresURL.isPostgres(to), FileBytes.exists(to) {
                throw Failure(.cannotCreate, "\(DisplayText.sanitize(to, layout: .singleLine)) already exists")
            }
            let outcome: StoreTransfer.Outcome
            do {
                outcome = try StoreTransfer.migrate(from: from, to: to)
            } catch let problem as JournalLines.Problem {
                throw Failure(.dataError, problem.description)
            }
            var out = StandardOutput()
            out.write(
                "migrated \(outcome.records) record(s) to \(DisplayText.sanitize(outcome.destination, layout: .singleLine)); "
                    + "head seq \(outcome.head.seq) \(outcome.head.hash); verified\n")
            out.flush()
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the journal's lines, byte-identical to a journal file holding the same records.",
        discussion: """
            Works on either store (--store). Each line is checked where it stands as it is written; a journal \
            that does not verify stops the export with exit 1. The output verifies with 'releasedesk verify \
            --journal FILE' and is what sha256sum and JSON tools read.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The format: jsonl (the journal's lines).")
    var format: String = "jsonl"

    @Option(name: .long, help: "A new file to write (default: standard output).")
    var out: String?

    func validate() throws {
        guard format == "jsonl" else { throw ValidationError("--format must be jsonl, not \"\(format)\"") }
        if let out, out.isEmpty { throw ValidationError("--out must not be empty") }
    }

    func run() throws {
        try Failure.guarded {
            let locations = try global.locations()
            do {
                if let out {
                    if FileBytes.exists(out) {
                        throw Failure(.cannotCreate, "\(DisplayText.sanitize(out, layout: .singleLine)) already exists")
                    }
                    try JournalLines.write(path: out) { emit in try StoreTransfer.exportLines(locations, emit) }
                } else {
                    var stdout = StandardOutput()
                    try StoreTransfer.exportLines(locations) { line in
                        stdout.write(String(decoding: line, as: UTF8.self) + "\n")
                    }
                    stdout.flush()
                }
            } catch let problem as JournalLines.Problem {
                throw Failure(.refused, problem.description)
            } catch let corruption as Corruption {
                throw Failure(.refused, "the journal is corrupt at \(corruption); the export stopped there")
            }
        }
    }
}
