import CanonicalJSON
import ReleaseDeskCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a whole new journal in one go, for generated data sets (benchmarks, tests).
///
/// The records are chained exactly as appends would chain them, written in large blocks and synced once at
/// the end. Not for live use: nothing is acknowledged record by record.
public enum BulkWriter {
    /// Creates the journal at `path` (which must not exist) from `journal.created` by `actor` at
    /// `createdAt`, then `records` (each with its own commit time). Returns the head.
    public static func create(
        at path: String, actor: String, host: String, journalID: String, createdAt: Timestamp,
        records: some Sequence<(RecordDraft, Timestamp)>
    ) throws(JournalError) -> JournalHead {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o660)
        guard fd >= 0 else { throw .io(SystemCallError(call: "create", path: path, code: errno)) }
        defer { Glibc.close(fd) }
        fchmod(fd, 0o660)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(9 << 20)
        var stamper = RecordStamper(host: host)
        func flush() throws(JournalError) {
            var offset = 0
            while offset < buffer.count {
                let n = buffer[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .writeFailed(SystemCallError(call: "write", path: path, code: errno))
                }
                offset += n
            }
            buffer.removeAll(keepingCapacity: true)
        }
        func add(_ draft: RecordDraft, _ at: Timestamp) throws(JournalError) {
            _ = try stamper.stamp(draft, at: at, into: &buffer)
            if buffer.count >= 8 << 20 { try flush() }
        }
        try add(RecordStamper.creation(journalID: journalID, actor: actor), createdAt)
        for (draft, at) in records { try add(draft, at) }
        try flush()
        guard fdatasync(fd) == 0 else {
            throw .writeFailed(SystemCallError(call: "fdatasync", path: path, code: errno))
        }
        Journal.syncDirectory(of: path, io: SystemFileIO())
        return JournalHead(seq: stamper.nextSeq - 1, hash: stamper.prev.hex)
    }
}
