import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal
@testable import ReleaseDeskPostgres

/// The PostgreSQL server the tests use: `RELEASEDESK_TEST_POSTGRES_URL` (a role that may create databases;
/// `scripts/pg-test-cluster start DIR` prints one). Without it the PostgreSQL tests are skipped.
enum PostgresTestServer {
    static let url: PostgresURL? = {
        guard let text = ProcessInfo.processInfo.environment["RELEASEDESK_TEST_POSTGRES_URL"], !text.isEmpty else {
            return nil
        }
        return try? PostgresURL(text)
    }()

    static let skipped: Comment =
        "no PostgreSQL server: set RELEASEDESK_TEST_POSTGRES_URL (scripts/pg-test-cluster start DIR prints one)"

    /// A new empty database with the schema; returns its URL (without a password, so its text opens it).
    static func freshDatabase() throws -> PostgresURL {
        guard let server = url else { throw PostgresStoreError.connection("no test server") }
        let name = "releasedesk_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try PostgresAdmin.createDatabase(name, on: server)
        var database = server
        database.database = name
        try PostgresSchema.initialise(url: database)
        return database
    }
}

extension StoreMaker {
    static let postgres = StoreMaker(
        name: "postgres",
        create: { _ in
            let url = try PostgresTestServer.freshDatabase()
            _ = try PostgresJournalStore.create(url: url, actor: "admin", then: [], environment: Fixture.environment)
            return url.description
        },
        open: { location, host in
            let clock = TestClock.shared
            return try PostgresJournalStore.open(
                url: try PostgresURL(location),
                environment: JournalEnvironment(host: host, clock: { clock.next() }, newJournalID: { "unused" }))
        })
}

@Suite("PostgreSQL store", .enabled(if: PostgresTestServer.url != nil, PostgresTestServer.skipped))
struct PostgresStoreTests {
    static func store(_ records: Int) throws -> (PostgresURL, PostgresJournalStore) {
        let url = try PostgresTestServer.freshDatabase()
        let (store, _) = try PostgresJournalStore.create(
            url: url, actor: "admin", then: [], environment: Fixture.environment)
        for n in 0..<records { _ = try store.append { _ in [Fixture.note(n)] } }
        return (url, store)
    }

    @Test func updateDeleteAndTruncateAreRefused() throws {
        let (url, _) = try Self.store(3)
        for statement in [
            "UPDATE releasedesk_records SET line = line || ' ' WHERE seq = 2",
            "DELETE FROM releasedesk_records WHERE seq = 4",
            "TRUNCATE releasedesk_records",
            "DELETE FROM releasedesk_head",
            "TRUNCATE releasedesk_head",
            "UPDATE releasedesk_head SET seq = 2",
        ] {
            #expect(throws: PostgresStoreError.self, "\(statement)") { try PostgresAdmin.execute(statement, on: url) }
        }
        // A row that does not continue the chain is refused too, even with a well-formed line.
        #expect(throws: PostgresStoreError.self) {
            try PostgresAdmin.execute(
                "INSERT INTO releasedesk_records (seq, line, sha256, prev) SELECT 9, line, sha256, prev "
                    + "FROM releasedesk_records WHERE seq = 2", on: url)
        }
        let report = try PostgresJournalStore.verify(url: url)
        #expect(report.status == .ok)
        #expect(report.records == 4)
    }

    @Test func theApplicationRoleMayOnlyReadAndAppend() throws {
        let url = try PostgresTestServer.freshDatabase()
        let role = "releasedesk_app_" + String(UUID().uuidString.prefix(8)).lowercased()
        try PostgresAdmin.execute("CREATE ROLE \(role) LOGIN", on: url)
        try PostgresSchema.initialise(url: url, grantTo: role)
        var asApp = url
        asApp.user = role
        _ = try PostgresJournalStore.create(url: asApp, actor: "admin", then: [], environment: Fixture.environment)
        let store = try PostgresJournalStore.open(url: asApp, environment: Fixture.environment)
        try store.readToEnd { _ in }
        _ = try store.append { _ in [Fixture.note(1)] }
        #expect(store.head.seq == 2)
        #expect(throws: PostgresStoreError.self) {
            try PostgresAdmin.execute("ALTER TABLE releasedesk_records DISABLE TRIGGER USER", on: asApp)
        }
        #expect(throws: PostgresStoreError.self) {
            try PostgresAdmin.execute("DROP TABLE releasedesk_records", on: asApp)
        }
        #expect(throws: PostgresStoreError.self) {
            try PostgresAdmin.execute("CREATE TABLE releasedesk_other (x int)", on: asApp)
        }
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    @Test func anAppendByAnotherProcessWakesAWatchingReaderWhichReadsItOnce() throws {
        let (url, writer) = try Self.store(1)
        let reader = try PostgresJournalStore.openForReading(url: url)
        try reader.readToEnd { _ in }
        reader.startWatching()
        #expect(Self.eventually { reader.connectionProblem == nil })
        Thread.sleep(forTimeInterval: 0.2)  // the LISTEN is in place
        _ = reader.takeWakeUp()
        _ = try writer.append { _ in [Fixture.note(7), Fixture.note(8)] }
        #expect(Self.eventually(5) { reader.takeWakeUp() })
        var seen: [Int64] = []
        try reader.readNew { seen.append($0.seq) }
        #expect(seen == [3, 4])
        try reader.readNew { seen.append($0.seq) }
        #expect(seen == [3, 4])
    }

    @Test func cutConnectionsAreReportedThenReconnectedAndNothingIsLostOrReadTwice() throws {
        let (url, writer) = try Self.store(1)
        let reader = try PostgresJournalStore.openForReading(url: url)
        try reader.readToEnd { _ in }
        reader.startWatching()
        #expect(Self.eventually { reader.connectionProblem == nil })
        Thread.sleep(forTimeInterval: 0.2)
        _ = reader.takeWakeUp()
        // Every other connection to the database is cut: the reader's own and its watcher's.
        guard let server = PostgresTestServer.url else { return }
        var admin = server
        admin.database = url.database
        try PostgresAdmin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND pid <> pg_backend_pid()", on: admin)
        _ = try writer.append { _ in [Fixture.note(9)] }  // the writer reconnects at once
        // The watcher says it lost the connection, comes back, and wakes the reader: notifications sent in
        // between may have been missed.
        #expect(Self.eventually { reader.takeWakeUp() })
        var seen: [Int64] = []
        try reader.readNew { seen.append($0.seq) }
        #expect(seen == [3])
        #expect(Self.eventually { reader.connectionProblem == nil })
        _ = try writer.append { _ in [Fixture.note(10)] }
        #expect(Self.eventually(5) { reader.takeWakeUp() })
        try reader.readNew { seen.append($0.seq) }
        #expect(seen == [3, 4])
        #expect(reader.head == writer.head)
    }

    @Test func anUnreachableServerIsToldAtOnceDuringTheBackOff() throws {
        #expect(PostgresLink.backOff(afterFailures: 1) == 0.5)
        #expect(PostgresLink.backOff(afterFailures: 3) == 2)
        #expect(PostgresLink.backOff(afterFailures: 20) == 15)
        let nowhere = try PostgresURL("postgres://app@/releasedesk?host=/nonexistent-releasedesk-socket-dir")
        let link = PostgresLink(url: nowhere)
        #expect(throws: PostgresStoreError.self) { try link.run { _ in 1 } }
        #expect(link.problem?.contains("attempt 1") == true)
        let started = Date()
        do {
            _ = try link.run { _ in 1 }
            Issue.record("connected to nowhere")
        } catch let error as PostgresStoreError {
            #expect(error.description.contains("next attempt in"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 0.2)
    }

    @Test func aChangedLineIsFoundByVerificationAndOpening() throws {
        let (url, _) = try Self.store(3)
        // The owner can switch the triggers off; the chain still shows the change.
        try PostgresAdmin.execute("ALTER TABLE releasedesk_records DISABLE TRIGGER USER", on: url)
        try PostgresAdmin.execute(
            "UPDATE releasedesk_records SET line = replace(line, '\"n\":1', '\"n\":7') WHERE seq = 3", on: url)
        let report = try PostgresJournalStore.verify(url: url)
        #expect(report.status == .corrupt)
        #expect(report.corruption?.line == 3)
        let store = try PostgresJournalStore.openForReading(url: url)
        try store.readToEnd { _ in }
        #expect(store.corruption != nil)
        #expect(store.head.seq == 2)
    }

    @Test func aRemovedLastRecordIsFoundThroughTheHeadRow() throws {
        let (url, _) = try Self.store(2)
        try PostgresAdmin.execute("ALTER TABLE releasedesk_records DISABLE TRIGGER USER", on: url)
        try PostgresAdmin.execute("DELETE FROM releasedesk_records WHERE seq = 3", on: url)
        let report = try PostgresJournalStore.verify(url: url)
        #expect(report.status == .corrupt)
        #expect(report.corruption?.reason.contains("records were removed") == true)
    }

    @Test func aFileJournalRoundTripsByteForByte() throws {
        let directory = NSTemporaryDirectory() + "releasedesk-pg-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/journal.jsonl"
        let (journal, _) = try Journal.create(
            at: path, actor: "admin", then: [Fixture.note(0)], environment: Fixture.environment)
        for n in 1...20 { _ = try journal.append { _ in [Fixture.note(n), Fixture.note(n + 100)] } }
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let url = try PostgresTestServer.freshDatabase()
        let head = try PostgresJournalStore.importLines(url: url) { emit in
            for line in original.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
                try emit(Array(line))
            }
        }
        #expect(head == journal.head)
        var exported: [UInt8] = []
        try PostgresJournalStore.lines(url: url) { line in
            exported += line
            exported.append(0x0A)
        }
        #expect(exported == original)
        // Migrating into a store that holds records is refused.
        #expect(throws: PostgresStoreError.self) { _ = try PostgresJournalStore.importLines(url: url) { _ in } }
    }
}

/// Store URLs: parsed field by field, shown without the password.
@Suite("PostgreSQL store URL")
struct PostgresURLTests {
    @Test func aURLNeverShowsItsPasswordAndNamesWhatIsWrong() throws {
        let url = try PostgresURL("postgresql://app:s3cret@db.example:6543/releasedesk?sslmode=require")
        #expect(url.password == "s3cret")
        #expect(url.port == 6543)
        #expect(!url.description.contains("s3cret"))
        #expect(url.description == "postgres://app:***@db.example:6543/releasedesk?sslmode=require")
        let socket = try PostgresURL("postgres://postgres@%2Fvar%2Frun%2Fpostgresql/releasedesk")
        #expect(socket.socketPath == "/var/run/postgresql/.s.PGSQL.5432")
        for bad in [
            "postgres://u:secret/db", "postgres://host/", "postgres://h/db?sslmode=maybe", "postgres://h/db?x=1",
        ] {
            do {
                _ = try PostgresURL(bad)
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(!error.description.contains("secret"))
            }
        }
    }
}
