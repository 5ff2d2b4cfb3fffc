#if canImport(Glibc)
    import Glibc
#endif

/// A journal file as its lines, for moving a journal between stores: the lines of a verified file, and a new
/// file written from lines. The lines are the records' canonical bytes, unchanged, so a journal moved to
/// another store and back is byte-identical.
public enum JournalLines {
    /// Why a journal could not be moved.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Verifies the journal file at `path` whole, then hands each line (without its LF) to `onLine` in order.
    /// Refuses a journal that does not verify, and one with repaired fragments (a store of whole records
    /// holds no fragments, so its repair records could not be checked there).
    public static func read(path: String, _ onLine: ([UInt8]) throws -> Void) throws {
        let report = try Verifier.verify(path: path)
        if let corruption = report.corruption {
            throw Problem(description: "\(path) does not verify: \(corruption); nothing was moved")
        }
        if report.lines != report.records {
            throw Problem(
                description:
                    "\(path) holds \(report.lines - report.records) repaired fragment(s) of torn writes; a store of "
                    + "whole records cannot hold them, so it stays a file")
        }
        guard let bytes = try FileBytes.read(path, limit: Int.max) else {
            throw Problem(description: "\(path) does not exist")
        }
        var start = 0
        var count = 0
        while count < report.records, let lf = bytes[start...].firstIndex(of: 0x0A) {
            try onLine(Array(bytes[start..<lf]))
            start = lf + 1
            count += 1
        }
    }

    /// Creates the journal file `path` (which must not exist, mode 0660) from the lines `produce` emits, each
    /// followed by LF, durable before this returns; on failure the partial file is removed.
    public static func write(path: String, _ produce: (_ emit: ([UInt8]) throws -> Void) throws -> Void) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o660)
        guard fd >= 0 else { throw JournalError.io(SystemCallError(call: "create", path: path, code: errno)) }
        var done = false
        defer {
            Glibc.close(fd)
            if !done { unlink(path) }
        }
        _ = fchmod(fd, 0o660)
        var buffer: [UInt8] = []
        func drain() throws {
            var offset = 0
            while offset < buffer.count {
                let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                guard n > 0 else {
                    throw JournalError.writeFailed(SystemCallError(call: "write", path: path, code: errno))
                }
                offset += n
            }
            buffer.removeAll(keepingCapacity: true)
        }
        try produce { line in
            buffer += line
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 { try drain() }
        }
        try drain()
        guard fsync(fd) == 0 else {
            throw JournalError.syncFailed(SystemCallError(call: "fsync", path: path, code: errno))
        }
        FileBytes.syncDirectory(of: path)
        done = true
    }
}
