import Glibc
import ReleaseDeskCore

extension Journal {
    /// The records of the journal at `path` whose line contains `marker` (e.g. `"kind":"user.`), parsed, in
    /// file order. Other lines are only searched, never parsed, so a scan for a few kinds costs about one read of
    /// the file. Lines that do not parse are skipped: verification, not this scan, reports them.
    public static func records(at path: String, lineContaining marker: String) throws(JournalError) -> [Record] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(SystemCallError(call: "open", path: path, code: errno)) }
        defer { Glibc.close(fd) }
        let needle = Array(marker.utf8)
        var found: [Record] = []
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        func finish(_ line: [UInt8]) {
            guard contains(line, needle), let record = try? JournalLine.record(line) else { return }
            found.append(record)
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(SystemCallError(call: "read", path: path, code: errno))
            }
            if n == 0 { break }
            var start = 0
            for i in 0..<n where buffer[i] == 0x0A {
                line += buffer[start..<i]
                finish(line)
                line.removeAll(keepingCapacity: true)
                start = i + 1
            }
            line += buffer[start..<n]
        }
        return found
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
