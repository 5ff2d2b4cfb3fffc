#if canImport(Glibc)
    import Glibc
#endif

/// The size and change times of the journal file: when they move, something wrote to it (an append, or a
/// change behind the program's back) and the whole file is verified again.
public struct JournalStamp: Equatable, Sendable {
    public var size: Int64
    public var modified: Int64
    public var changed: Int64
    public var inode: UInt64

    /// The stamp of the file at `path`, or nil when it cannot be read.
    public static func of(_ path: String) -> JournalStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return JournalStamp(
            size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            changed: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec),
            inode: UInt64(info.st_ino))
    }
}

/// Verifies the whole journal file again and compares it with what this process has read. Safe to run on
/// another thread: it opens the file by itself and shares nothing.
public enum IntegrityCheck {
    /// The alarm text — the first bad line and its byte offset, or how the file differs from what was read —
    /// or nil when the file verifies and still holds the records this process read (`head`).
    public static func run(path: String, head: JournalHead) -> String? {
        let report: VerificationReport
        do {
            report = try Verifier.verify(path: path, watchSeqs: head.seq > 0 ? [head.seq] : [])
        } catch {
            return "the journal cannot be read again: \(error)"
        }
        if let corruption = report.corruption {
            return "the journal is corrupt at \(corruption)"
        }
        if head.seq > 0 {
            guard report.head.seq >= head.seq else {
                return
                    "the journal now ends at record \(report.head.seq), before record \(head.seq) that was read from it"
            }
            if let hash = report.watchedHashes[head.seq], hash != head.hash {
                return
                    "record \(head.seq) is no longer the record that was read (hash \(hash.prefix(12))… instead of \(head.hash.prefix(12))…)"
            }
        }
        return nil
    }
}
