import Foundation
import ReleaseDeskCore
import ReleaseDeskPostgres
import Testing

@testable import ReleaseDeskJournal

/// A kind of store the contract runs against: how to create a fresh one and how to open another instance of
/// it (another process's view). The file journal is the first; a second store adds itself to `all`.
struct StoreMaker: Sendable, CustomTestStringConvertible {
    var name: String
    /// Creates a new store holding record 1 (`journal.created`) in `directory`; returns its location.
    var create: @Sendable (_ directory: String) throws -> String
    /// Opens another writing instance of the store at `location`, stamping `host`.
    var open: @Sendable (_ location: String, _ host: String) throws -> any JournalStore

    var testDescription: String { name }

    static let file = StoreMaker(
        name: "file",
        create: { directory in
            let path = directory + "/journal.jsonl"
            _ = try Journal.create(at: path, actor: "admin", then: [], environment: Fixture.environment)
            return path
        },
        open: { location, host in
            let clock = TestClock.shared
            return try Journal.open(
                at: location,
                environment: JournalEnvironment(host: host, clock: { clock.next() }, newJournalID: { "unused" }))
        })

    /// Every store the contract runs against: the file, and PostgreSQL when `RELEASEDESK_TEST_POSTGRES_URL`
    /// names a server (`PostgresTestServer`).
    static let all: [StoreMaker] = PostgresTestServer.url == nil ? [.file] : [.file, .postgres]
}

/// What every store must do for the services: read from where the last read stopped, append under the lock
/// deciding on fresh state, keep one chain, verify again, tell changes and witnesses. Every store in
/// `StoreMaker.all` runs the same tests.
@Suite("Journal store contract")
struct JournalStoreContractTests {
    static func directory() throws -> String {
        let directory = NSTemporaryDirectory() + "releasedesk-store-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    static func readAll(_ store: any JournalStore) throws -> [Record] {
        var records: [Record] = []
        try store.readToEnd { records.append($0) }
        return records
    }

    @Test(arguments: StoreMaker.all)
    func aNewStoreHoldsRecordOneWithItsID(_ maker: StoreMaker) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = try maker.create(directory)
        let store = try maker.open(location, "h1")
        #expect(try store.identify() == "0b9d3c1e-8f2a-4c6e-9d1b-2a3c4d5e6f70")
        let records = try Self.readAll(store)
        #expect(records.map(\.kind) == [RecordKind.journalCreated])
        #expect(store.head.seq == 1)
        #expect(store.journalID == "0b9d3c1e-8f2a-4c6e-9d1b-2a3c4d5e6f70")
        #expect(store.corruption == nil)
        #expect(store.location == location)
    }

    @Test(arguments: StoreMaker.all)
    func anAppendSeesWhatOthersAppendedAndOthersReadIt(_ maker: StoreMaker) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = try maker.create(directory)
        let a = try maker.open(location, "a")
        let b = try maker.open(location, "b")
        _ = try Self.readAll(a)
        _ = try Self.readAll(b)
        let (_, first) = try a.append { observed in
            #expect(observed.isEmpty)
            return [Fixture.note(1)]
        }
        #expect(first.map(\.seq) == [2])
        #expect(first.first?.host == "a")
        let (observed, second) = try b.append { observed in
            #expect(observed.map(\.seq) == [2], "b decides after reading a's record")
            return [Fixture.note(2), Fixture.note(3)]
        }
        #expect(observed.map(\.seq) == [2])
        #expect(second.map(\.seq) == [3, 4])
        var seen: [Int64] = []
        try a.readNew { seen.append($0.seq) }
        #expect(seen == [3, 4])
        #expect(a.head == b.head)
        #expect(a.integrityCheck(a.head) == nil)
    }

    @Test(arguments: StoreMaker.all)
    func aRefusedDecisionWritesNothing(_ maker: StoreMaker) throws {
        struct Refused: Error {}
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = try maker.create(directory)
        let store = try maker.open(location, "h")
        _ = try Self.readAll(store)
        let head = store.head
        #expect(throws: Refused.self) { try store.append { _ in throw Refused() } }
        #expect(store.head == head)
        let other = try maker.open(location, "h2")
        #expect(try Self.readAll(other).count == 1)
        // And the store still takes the next append.
        let (_, written) = try store.append { _ in [Fixture.note(1)] }
        #expect(written.map(\.seq) == [2])
    }

    @Test(arguments: StoreMaker.all)
    func writersOnSeveralThreadsKeepOneChain(_ maker: StoreMaker) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = try maker.create(directory)
        let writers = 4
        let appends = 25
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            do {
                let store = try maker.open(location, "w\(w)")
                for n in 0..<appends { _ = try store.append { _ in [Fixture.note(w * 1000 + n)] } }
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.all.isEmpty)
        let reader = try maker.open(location, "reader")
        let records = try Self.readAll(reader)
        #expect(records.map(\.seq) == Array(1...Int64(1 + writers * appends)))
        #expect(Set(records.dropFirst().compactMap { $0.body["n"]?.intValue }).count == writers * appends)
        #expect(reader.integrityCheck(reader.head) == nil)
    }

    @Test(arguments: StoreMaker.all)
    func theChangeTokenMovesWithAnyonesAppend(_ maker: StoreMaker) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = try maker.create(directory)
        let watcher = try maker.open(location, "watcher")
        _ = try Self.readAll(watcher)
        let before = watcher.changeToken()
        #expect(before != nil)
        #expect(watcher.changeToken() == before)
        let writer = try maker.open(location, "writer")
        _ = try writer.append { _ in [Fixture.note(1)] }
        #expect(watcher.changeToken() != before)
        // What the watcher read is still there: checking again finds nothing; a head it never read is reported.
        #expect(watcher.integrityCheck(watcher.head) == nil)
        #expect(watcher.integrityCheck(JournalHead(seq: 9, hash: String(repeating: "0", count: 64))) != nil)
    }

    @Test(arguments: StoreMaker.all)
    func aReaderOnAnotherThreadReadsEveryRecord(_ maker: StoreMaker) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = try maker.create(directory)
        let store = try maker.open(location, "h")
        _ = try Self.readAll(store)
        for n in 1...5 { _ = try store.append { _ in [Fixture.note(n)] } }
        let makeReader = store.makeReader
        let count = Failures()
        DispatchQueue.global().sync {
            do {
                let reader = try makeReader()
                var n = 0
                try reader.readToEnd { _ in n += 1 }
                count.add("\(n)")
                #expect(throws: (any Error).self) { try reader.append { _ in [Fixture.note(99)] } }
            } catch {
                count.add("failed: \(error)")
            }
        }
        #expect(count.all == ["6"])
    }

    @Test(arguments: StoreMaker.all)
    func aWitnessAgreesWithTheRecordItNotedAndNoOther(_ maker: StoreMaker) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = try maker.create(directory)
        let store = try maker.open(location, "h")
        _ = try Self.readAll(store)
        let (_, written) = try store.append { _ in [Fixture.note(1), Fixture.note(2)] }
        #expect(written.count == 2)
        let head = store.head
        let reader = try maker.open(location, "r")
        reader.watchSeqs = [head.seq]
        _ = try Self.readAll(reader)
        #expect(reader.witnessProblem(Witness(journalID: reader.journalID, seq: head.seq, hash: head.hash)) == nil)
        let wrong = Witness(journalID: reader.journalID, seq: head.seq, hash: String(repeating: "a", count: 64))
        #expect(reader.witnessProblem(wrong) != nil)
    }
}

/// Errors collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []

    func add(_ item: String) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
