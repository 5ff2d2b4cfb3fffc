import CanonicalJSON
import Foundation
import ReleaseDeskCore

@testable import ReleaseDeskJournal

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct Scratch {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "releasedesk-tests-" + UUID().uuidString.lowercased()
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A clock that ticks one second per call, from 2026-03-01; all journals of a test run share it, so
/// records never go back in time.
final class TestClock: @unchecked Sendable {
    static let shared = TestClock()
    private let lock = NSLock()
    private var now: Int64 = 1_772_323_200_000
    func next() -> Timestamp {
        lock.lock()
        defer { lock.unlock() }
        now += 1000
        return Timestamp(millisecondsSinceEpoch: now)
    }
}

enum Fixture {
    static func note(_ n: Int, text: String = "sample") -> RecordDraft {
        RecordDraft(kind: "note.added", actor: "qa.anna", body: ["n": .int(Int64(n)), "text": .string(text)])
    }

    /// The tests' writing environment: host "test-host", the shared test clock, one fixed journal id.
    static let environment: JournalEnvironment = {
        let clock = TestClock.shared
        return JournalEnvironment(
            host: "test-host", clock: { clock.next() }, newJournalID: { "0b9d3c1e-8f2a-4c6e-9d1b-2a3c4d5e6f70" })
    }()

    /// A journal at `path` with `count` records in all (record 1 included).
    @discardableResult
    static func journal(at path: String, records count: Int, io: JournalFileIO = SystemFileIO()) throws -> Journal {
        let (journal, _) = try Journal.create(
            at: path, actor: "admin", then: [], io: io, environment: environment)
        for n in 1..<count {
            _ = try journal.append { _ in [note(n)] }
        }
        return journal
    }

    static func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path)!) }

    static func write(_ bytes: [UInt8], to path: String) {
        try? FileManager.default.removeItem(atPath: path)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// Offsets where each line starts, and the end.
    static func lineStarts(_ bytes: [UInt8]) -> [Int] {
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        return starts
    }

    static func openReadingAll(_ path: String, io: JournalFileIO = SystemFileIO()) throws -> (Journal, [Record]) {
        let journal = try Journal.open(at: path, io: io, environment: environment)
        let records = try journal.readNew()
        return (journal, records)
    }
}
