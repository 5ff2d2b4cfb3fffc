import PostgresNIO

/// The tables of a PostgreSQL store, created and upgraded by `releasedesk store init`, versioned in
/// `releasedesk_schema`.
///
/// - `releasedesk_records`: one row per record: `seq`, the canonical line exactly as the file holds it
///   (text, without its LF), its SHA-256 and `prev`. Unique `seq`, `sha256` and `prev`; an insert must
///   continue the chain (a trigger checks the hash of the line and the link to the row before); UPDATE and
///   DELETE are refused by row triggers, TRUNCATE by a statement trigger.
/// - `releasedesk_head`: one row, the last record's `seq` and hash. Every append locks it (`SELECT … FOR
///   UPDATE`), so appends are serialised; it only moves forward to a record that exists, and is never deleted.
/// - `releasedesk_schema`: the versions applied.
///
/// The application role needs SELECT and INSERT on `releasedesk_records`, SELECT and UPDATE on
/// `releasedesk_head` (the lock and the head), SELECT on `releasedesk_schema`; nothing else (`grants(to:)`).
public enum PostgresSchema {
    /// The version this program reads and writes.
    public static let version = 2

    /// Statements that bring a database from `version - 1` to `version`, by version.
    static let upgrades: [Int: [String]] = [
        1: [
            """
            CREATE TABLE releasedesk_records (
                seq bigint PRIMARY KEY CHECK (seq >= 1),
                line text NOT NULL,
                sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
                prev text NOT NULL UNIQUE CHECK (prev ~ '^[0-9a-f]{64}$')
            )
            """,
            """
            CREATE TABLE releasedesk_head (
                one boolean PRIMARY KEY DEFAULT true CHECK (one),
                seq bigint NOT NULL,
                sha256 text NOT NULL
            )
            """,
            "INSERT INTO releasedesk_head (one, seq, sha256) VALUES (true, 0, repeat('0', 64))",
            """
            CREATE FUNCTION releasedesk_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'releasedesk: % on % is refused: the journal is append-only', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'insufficient_privilege';
            END $$
            """,
            """
            CREATE FUNCTION releasedesk_check_record() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.sha256 <> encode(sha256(convert_to(NEW.line, 'UTF8')), 'hex') THEN
                    RAISE EXCEPTION 'releasedesk: the sha256 of record % is not the hash of its line', NEW.seq;
                END IF;
                IF NEW.seq = 1 THEN
                    IF NEW.prev <> repeat('0', 64) THEN
                        RAISE EXCEPTION 'releasedesk: record 1 must have the zero prev';
                    END IF;
                ELSIF NOT EXISTS (
                    SELECT 1 FROM releasedesk_records WHERE seq = NEW.seq - 1 AND sha256 = NEW.prev
                ) THEN
                    RAISE EXCEPTION 'releasedesk: record % does not continue the chain', NEW.seq;
                END IF;
                RETURN NEW;
            END $$
            """,
            """
            CREATE FUNCTION releasedesk_check_head() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.seq < OLD.seq OR NOT EXISTS (
                    SELECT 1 FROM releasedesk_records WHERE seq = NEW.seq AND sha256 = NEW.sha256
                ) THEN
                    RAISE EXCEPTION 'releasedesk: the head may only move forward to a record it names';
                END IF;
                RETURN NEW;
            END $$
            """,
            """
            CREATE TRIGGER releasedesk_records_chain BEFORE INSERT ON releasedesk_records
                FOR EACH ROW EXECUTE FUNCTION releasedesk_check_record()
            """,
            """
            CREATE TRIGGER releasedesk_records_no_change BEFORE UPDATE OR DELETE ON releasedesk_records
                FOR EACH ROW EXECUTE FUNCTION releasedesk_refuse()
            """,
            """
            CREATE TRIGGER releasedesk_records_no_truncate BEFORE TRUNCATE ON releasedesk_records
                FOR EACH STATEMENT EXECUTE FUNCTION releasedesk_refuse()
            """,
            """
            CREATE TRIGGER releasedesk_head_forward BEFORE UPDATE ON releasedesk_head
                FOR EACH ROW EXECUTE FUNCTION releasedesk_check_head()
            """,
            """
            CREATE TRIGGER releasedesk_head_no_delete BEFORE DELETE OR INSERT ON releasedesk_head
                FOR EACH ROW EXECUTE FUNCTION releasedesk_refuse()
            """,
            """
            CREATE TRIGGER releasedesk_head_no_truncate BEFORE TRUNCATE ON releasedesk_head
                FOR EACH STATEMENT EXECUTE FUNCTION releasedesk_refuse()
            """,
            "REVOKE ALL ON releasedesk_records, releasedesk_head, releasedesk_schema FROM PUBLIC",
        ],
        // Live readers: each INSERT statement notifies its last seq and the start of its hash on the channel
        // `releasedesk_journal` (delivered at commit; a wake-up only, readers then read seq > last).
        2: [
            """
            CREATE FUNCTION releasedesk_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                last_seq bigint;
                last_hash text;
            BEGIN
                SELECT seq, sha256 INTO last_seq, last_hash FROM inserted ORDER BY seq DESC LIMIT 1;
                IF last_seq IS NOT NULL THEN
                    PERFORM pg_notify('releasedesk_journal', last_seq::text || ' ' || left(last_hash, 12));
                END IF;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER releasedesk_records_notify AFTER INSERT ON releasedesk_records
                REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION releasedesk_notify()
            """,
        ],
    ]

    /// The statements that give `role` exactly what the application needs.
    public static func grants(to role: String) -> [String] {
        [
            "GRANT SELECT, INSERT ON releasedesk_records TO \(role)",
            "GRANT SELECT, UPDATE ON releasedesk_head TO \(role)",
            "GRANT SELECT ON releasedesk_schema TO \(role)",
        ]
    }

    /// Whether `role` is a plain lower-case SQL identifier (the only kind `--grant` takes).
    public static func isPlainRole(_ role: String) -> Bool {
        guard let first = role.unicodeScalars.first, ("a"..."z").contains(first) || first == "_" else { return false }
        return role.count <= 63
            && role.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// What `init` did.
    public enum Outcome: Equatable, Sendable {
        case created(version: Int)
        case upgraded(from: Int, to: Int)
        case upToDate(version: Int)
    }

    /// Creates the tables, or upgrades them to `version`, in one transaction under an advisory lock; grants
    /// the application's privileges to `role` when given. Refuses a database whose schema is newer.
    @discardableResult
    public static func initialise(url: PostgresURL, grantTo role: String? = nil) throws -> Outcome {
        if let role, !isPlainRole(role) {
            throw PostgresStoreError.badURL(
                "the role to grant to must be a lower-case SQL name (letters, digits, _), not \"\(role)\"")
        }
        let link = PostgresLink(url: url)
        return try link.run(idempotent: false) { connection in
            let logger = link.logger
            func exec(_ sql: String) throws {
                _ = try PostgresLink.rows(connection, PostgresQuery(unsafeSQL: sql), logger: logger)
            }
            let encoding = try PostgresLink.rows(connection, "SHOW server_encoding", logger: logger)
            if let name = try encoding.first?.decode(String.self), name != "UTF8" {
                throw PostgresStoreError.schema(
                    "the database's encoding is \(name); a ReleaseDesk store needs UTF8 (createdb -E UTF8)")
            }
            try exec("BEGIN")
            do {
                try exec("SELECT pg_advisory_xact_lock(7177002)")
                try exec(
                    "CREATE TABLE IF NOT EXISTS releasedesk_schema (version integer PRIMARY KEY, "
                        + "applied_at timestamptz NOT NULL DEFAULT now())")
                let rows = try PostgresLink.rows(
                    connection, "SELECT coalesce(max(version), 0) FROM releasedesk_schema", logger: logger)
                let current = try rows.first?.decode(Int.self) ?? 0
                if current > version {
                    throw PostgresStoreError.schema(
                        "the store's schema is version \(current), newer than this program's \(version): use a newer releasedesk"
                    )
                }
                for next in (current + 1)...max(current + 1, version) where next <= version {
                    for statement in upgrades[next] ?? [] { try exec(statement) }
                    try exec("INSERT INTO releasedesk_schema (version) VALUES (\(next))")
                }
                if let role { for statement in grants(to: role) { try exec(statement) } }
                try exec("COMMIT")
                if current == 0 { return .created(version: version) }
                return current == version ? .upToDate(version: version) : .upgraded(from: current, to: version)
            } catch {
                try? exec("ROLLBACK")
                throw error
            }
        }
    }

    /// Refuses a database without the schema, or with another version.
    static func check(_ connection: PostgresConnection, logger: Logger, url: PostgresURL) throws {
        let exists = try PostgresLink.rows(
            connection, "SELECT to_regclass('releasedesk_schema') IS NOT NULL", logger: logger)
        guard try exists.first?.decode(Bool.self) == true else {
            throw PostgresStoreError.schema(
                "the database of \(url) has no ReleaseDesk tables: run 'releasedesk store init --store URL' first")
        }
        let rows = try PostgresLink.rows(
            connection, "SELECT coalesce(max(version), 0) FROM releasedesk_schema", logger: logger)
        let current = try rows.first?.decode(Int.self) ?? 0
        guard current == version else {
            throw PostgresStoreError.schema(
                current < version
                    ? "the store's schema is version \(current), older than this program's \(version): run 'releasedesk store init'"
                    : "the store's schema is version \(current), newer than this program's \(version): use a newer releasedesk"
            )
        }
    }
}

/// Setting up servers for tests and first installs: databases and plain statements, as the URL's role.
public enum PostgresAdmin {
    /// Runs `sql` (one statement) on the database of `url`.
    public static func execute(_ sql: String, on url: PostgresURL) throws {
        let link = PostgresLink(url: url)
        try link.run(idempotent: false) { connection in
            _ = try PostgresLink.rows(connection, PostgresQuery(unsafeSQL: sql), logger: link.logger)
        }
    }

    /// Creates the database `name` (a plain lower-case name) on the server of `url`, in UTF8.
    public static func createDatabase(_ name: String, on url: PostgresURL) throws {
        guard PostgresSchema.isPlainRole(name) else {
            throw PostgresStoreError.badURL("a database name must be lower-case letters, digits and _, not \"\(name)\"")
        }
        try execute("CREATE DATABASE \(name) ENCODING 'UTF8' TEMPLATE template0", on: url)
    }

    /// Drops the database `name` on the server of `url`, if it exists.
    public static func dropDatabase(_ name: String, on url: PostgresURL) throws {
        guard PostgresSchema.isPlainRole(name) else {
            throw PostgresStoreError.badURL("a database name must be lower-case letters, digits and _, not \"\(name)\"")
        }
        try execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: url)
    }
}
