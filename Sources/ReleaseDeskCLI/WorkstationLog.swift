import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

#if canImport(Glibc)
    import Glibc
#endif

/// The workstation's log: one sanitised line per event in `workstation.log` under the state directory,
/// never on the screen. Best effort: a log that cannot be written does not stop the work.
struct WorkstationLog {
    private let fd: Int32

    init(stateDirectory: String, file: String = "workstation.log") {
        try? FileBytes.makeDirectories(stateDirectory, mode: 0o700)
        fd = open(stateDirectory + "/" + file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    }

    /// What a command's warm open did with the snapshot (loaded, ignored and why, written), in
    /// `snapshot.log` under the state directory.
    static func snapshot(_ notes: [String], stateDirectory: String) {
        guard !notes.isEmpty else { return }
        let log = WorkstationLog(stateDirectory: stateDirectory, file: "snapshot.log")
        for note in notes { log.write(note) }
        log.close()
    }

    func write(_ event: String, now: Timestamp = SystemEnvironment.clock()) {
        guard fd >= 0 else { return }
        let line = Array("\(now) [\(getpid())] \(DisplayText.sanitize(event))\n".utf8)
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
    }
}
