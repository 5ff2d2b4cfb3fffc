#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file reads and atomic replacement for the small files beside the journal (never the journal).
public enum FileBytes {
    /// A failed file operation, in words.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// `errno` of the failing call.
        public var code: Int32

        public init(description: String, code: Int32) {
            self.description = description
            self.code = code
        }
    }

    /// The contents of `path`, or `nil` when it does not exist.
    public static func read(_ path: String, limit: Int = 1 << 30) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read")
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > limit { throw Failure(description: "\(path) is larger than \(limit) bytes", code: EFBIG) }
        }
        return bytes
    }

    /// The first `count` bytes of `path` (fewer when it is shorter), or `nil` when it does not exist.
    public static func readPrefix(_ path: String, count: Int) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read")
            }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes[0..<filled])
    }

    /// Replaces `path` with `bytes`: temporary file with `mode`, `fsync`, `rename`, directory `fsync`.
    public static func replaceAtomically(_ path: String, with bytes: [UInt8], mode: UInt32) throws(Failure) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw failure("create \(temporary)") }
        fchmod(fd, mode_t(mode))
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let writeError = errno
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count else {
            unlink(temporary)
            throw Failure(description: "write \(temporary): \(describe(writeError))", code: writeError)
        }
        guard synced else {
            unlink(temporary)
            throw failure("fsync \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("rename to \(path)")
            unlink(temporary)
            throw error
        }
        syncDirectory(of: path)
    }

    /// Makes directory entries in the directory of `path` durable.
    public static func syncDirectory(of path: String) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { return }
        fsync(dfd)
        close(dfd)
    }

    /// Creates `path` and any missing parents with `mode`.
    public static func makeDirectories(_ path: String, mode: UInt32 = 0o750) throws(Failure) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode_t(mode)) != 0 && errno != EEXIST { throw failure("mkdir \(current)") }
        }
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func failure(_ what: String) -> Failure {
        let code = errno
        return Failure(description: "\(what): \(describe(code))", code: code)
    }

    static func describe(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }
}
