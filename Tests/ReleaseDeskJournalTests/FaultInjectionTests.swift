import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskJournal

/// File I/O that fails on demand: the Nth write or fdatasync, with an errno or a short write.
final class FaultyIO: JournalFileIO, @unchecked Sendable {
    enum Fault {
        case failWrite(Int32)
        case shortWrite(Int)
        case failSync(Int32)
    }

    let real = SystemFileIO()
    private let lock = NSLock()
    private var writes = 0
    private var syncs = 0
    var fault: Fault? = nil
    var onCall = 1

    func open(_ path: String, flags: Int32, mode: UInt32) throws(SystemCallError) -> Int32 {
        try real.open(path, flags: flags, mode: mode)
    }
    func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64) throws(SystemCallError)
        -> Int
    {
        try real.pread(fd, buffer, count, offset)
    }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) -> Int {
        lock.lock()
        writes += 1
        let n = writes
        lock.unlock()
        if n == onCall {
            switch fault {
            case .failWrite(let code)?: throw SystemCallError(call: "write", path: "test", code: code)
            case .shortWrite(let keep)?:
                return try real.write(fd, UnsafeRawBufferPointer(rebasing: bytes[0..<min(keep, bytes.count)]))
            default: break
            }
        }
        return try real.write(fd, bytes)
    }
    func fdatasync(_ fd: Int32) throws(SystemCallError) {
        lock.lock()
        syncs += 1
        let n = syncs
        lock.unlock()
        if n == onCall, case .failSync(let code)? = fault {
            throw SystemCallError(call: "fdatasync", path: "test", code: code)
        }
        try real.fdatasync(fd)
    }
    func fsync(_ fd: Int32) throws(SystemCallError) { try real.fsync(fd) }
    func flock(_ fd: Int32, _ operation: Int32) throws(SystemCallError) { try real.flock(fd, operation) }
    func size(_ fd: Int32) throws(SystemCallError) -> Int64 { try real.size(fd) }
    func fchmod(_ fd: Int32, _ mode: UInt32) throws(SystemCallError) { try real.fchmod(fd, mode) }
    func close(_ fd: Int32) { real.close(fd) }
}

@Suite("I/O faults")
struct FaultInjectionTests {
    func prepared(_ scratch: Scratch) throws -> String {
        let path = scratch.file("j.jsonl")
        try Fixture.journal(at: path, records: 3)
        return path
    }

    @Test func failedSyncLeavesTheProcessReadOnly() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = try prepared(scratch)
        let io = FaultyIO()
        io.fault = .failSync(EIO)
        let (journal, _) = try Fixture.openReadingAll(path, io: io)
        #expect(throws: JournalError.self) { _ = try journal.append { _ in [Fixture.note(1)] } }
        #expect(journal.readOnlyReason != nil)
        // No retry-and-trust: the next attempt is refused outright, even though the disk is fine now.
        #expect(throws: JournalError.readOnly(journal.readOnlyReason!)) {
            _ = try journal.append { _ in [Fixture.note(2)] }
        }
    }

    @Test(arguments: [EIO, ENOSPC])
    func failedWriteAcknowledgesNothingAndChangesNothing(code: Int32) throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = try prepared(scratch)
        let before = Fixture.bytes(path)
        let io = FaultyIO()
        io.fault = .failWrite(code)
        let (journal, _) = try Fixture.openReadingAll(path, io: io)
        #expect(throws: JournalError.self) { _ = try journal.append { _ in [Fixture.note(1)] } }
        #expect(Fixture.bytes(path) == before)
        #expect(journal.readOnlyReason != nil)
    }

    /// A short write leaves a fragment; the process stops writing; after a restart the next writer repairs
    /// it and the chain verifies, for every length the write could have been cut to.
    @Test func shortWriteLeavesAFragmentThatTheNextProcessRepairs() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let original = try prepared(scratch)
        let before = Fixture.bytes(original)
        for keep in stride(from: 1, to: 200, by: 7) {
            let path = scratch.file("short-\(keep).jsonl")
            Fixture.write(before, to: path)
            let io = FaultyIO()
            io.fault = .shortWrite(keep)
            let (journal, _) = try Fixture.openReadingAll(path, io: io)
            #expect(throws: JournalError.self) { _ = try journal.append { _ in [Fixture.note(1)] } }
            #expect(Array(Fixture.bytes(path).prefix(before.count)) == before)
            let (restarted, _) = try Fixture.openReadingAll(path)
            let (observed, written) = try restarted.append { _ in [Fixture.note(2)] }
            #expect(observed.last?.kind == RecordKind.tailRepaired)
            #expect(written.count == 1)
            #expect(try Verifier.verify(path: path).corruption == nil)
        }
    }
}
