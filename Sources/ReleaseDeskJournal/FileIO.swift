#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: which one, on what, and `errno`.
public struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call that failed (`open`, `write`, `fdatasync`, …).
    public var call: String
    /// The file it was about.
    public var path: String
    /// The `errno` it set (0 for a short write).
    public var code: Int32

    public init(call: String, path: String, code: Int32) {
        self.call = call
        self.path = path
        self.code = code
    }

    public var description: String {
        if code == 0 { return "\(call) on \(path) wrote fewer bytes than asked" }
        return "\(call) on \(path) failed: \(String(cString: strerror(code)))"
    }

    /// Whether the file or directory does not exist.
    public var isMissing: Bool { code == ENOENT }
    /// Whether it already exists.
    public var alreadyExists: Bool { code == EEXIST }
    /// Whether permission was denied.
    public var isPermissionDenied: Bool { code == EACCES || code == EPERM || code == EROFS }
}

/// The system calls the journal makes on its file, behind a seam so that faults can be injected.
///
/// Every descriptor is opened with `O_CLOEXEC`.
public protocol JournalFileIO: Sendable {
    /// Opens `path` with `flags` (`O_CLOEXEC` is added) and `mode`; returns the descriptor.
    func open(_ path: String, flags: Int32, mode: UInt32) throws(SystemCallError) -> Int32
    /// Reads up to `count` bytes at `offset`; returns how many (0 at end of file).
    func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64) throws(SystemCallError)
        -> Int
    /// Writes `bytes` with one `write(2)`; returns how many were written.
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) -> Int
    /// `fdatasync(2)`.
    func fdatasync(_ fd: Int32) throws(SystemCallError)
    /// `fsync(2)`, used on directories after creating a file in them.
    func fsync(_ fd: Int32) throws(SystemCallError)
    /// `flock(2)` with `operation`.
    func flock(_ fd: Int32, _ operation: Int32) throws(SystemCallError)
    /// The file's size in bytes.
    func size(_ fd: Int32) throws(SystemCallError) -> Int64
    /// `fchmod(2)`.
    func fchmod(_ fd: Int32, _ mode: UInt32) throws(SystemCallError)
    /// `close(2)`; errors are ignored.
    func close(_ fd: Int32)
}

/// The real system calls.
public struct SystemFileIO: JournalFileIO {
    public init() {}

    public func open(_ path: String, flags: Int32, mode: UInt32) throws(SystemCallError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode_t(mode))
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw SystemCallError(call: "open", path: path, code: errno)
        }
    }

    public func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64)
        throws(SystemCallError)
        -> Int
    {
        while true {
            let n = Glibc.pread(fd, buffer, count, off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SystemCallError(call: "read", path: "fd \(fd)", code: errno)
        }
    }

    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) -> Int {
        while true {
            let n = Glibc.write(fd, bytes.baseAddress, bytes.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SystemCallError(call: "write", path: "fd \(fd)", code: errno)
        }
    }

    public func fdatasync(_ fd: Int32) throws(SystemCallError) {
        // No retry on EINTR or anything else: after a failed sync the page cache may have dropped the
        // dirty pages, so a second sync could report success for data that never reached the disk.
        if Glibc.fdatasync(fd) != 0 { throw SystemCallError(call: "fdatasync", path: "fd \(fd)", code: errno) }
    }

    public func fsync(_ fd: Int32) throws(SystemCallError) {
        if Glibc.fsync(fd) != 0 { throw SystemCallError(call: "fsync", path: "fd \(fd)", code: errno) }
    }

    public func flock(_ fd: Int32, _ operation: Int32) throws(SystemCallError) {
        while true {
            if systemFlock(fd, operation) == 0 { return }
            if errno == EINTR { continue }
            throw SystemCallError(call: "flock", path: "fd \(fd)", code: errno)
        }
    }

    public func size(_ fd: Int32) throws(SystemCallError) -> Int64 {
        var info = stat()
        if fstat(fd, &info) != 0 { throw SystemCallError(call: "fstat", path: "fd \(fd)", code: errno) }
        return Int64(info.st_size)
    }

    public func fchmod(_ fd: Int32, _ mode: UInt32) throws(SystemCallError) {
        if Glibc.fchmod(fd, mode_t(mode)) != 0 { throw SystemCallError(call: "fchmod", path: "fd \(fd)", code: errno) }
    }

    public func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

/// `flock(2)`; Glibc's module also has a `struct flock`, which hides the function from Swift.
@_silgen_name("flock")
private func systemFlock(_ fd: Int32, _ operation: Int32) -> Int32
