import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

#if canImport(Glibc)
    import Glibc
#endif

/// `--demo`: a fresh journal, built from the sample data compiled into the program (or from the folder
/// `$RELEASEDESK_SAMPLE_DATA` names), in a folder of its own under `$TMPDIR` that is removed when the program
/// ends unless `--keep-demo` is given.
enum DemoJournal {
    static func build(environment: [String: String], keep: Bool) throws -> Locations {
        let configured = configuredSampleData(environment: environment)
        if let configured, !FileBytes.exists(configured + "/users.json") {
            throw Failure(.noInput, "RELEASEDESK_SAMPLE_DATA=\(configured): there is no users.json in that folder")
        }
        let base = environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array("\(base)/releasedesk-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Failure(.cannotCreate, "cannot create a temporary directory under \(base)")
        }
        let directory = String(cString: made)
        if !keep { DemoFolders.removeAtExit(directory) }
        let journal = directory + "/journal.jsonl"
        // The demo keeps its witness beside it, so demo runs leave nothing in the user's own state.
        let locations = Locations(
            journal: journal, credentials: CredentialStore.path(forJournal: journal),
            stateDirectory: directory + "/state")
        // Building takes a few seconds (a password hash per demo user) before the workstation takes the
        // terminal: keys typed meanwhile are kept for it, but not shown.
        try QuietTerminal.run {
            let sampleData = try configured ?? writeBuiltInSampleData(into: directory)
            do {
                _ = try DemoSite.build(sampleData: sampleData, at: locations, now: SystemEnvironment.clock())
            } catch let problem as DemoSite.InputProblem {
                throw Failure(.dataError, problem.description)
            } catch let problems as ImportProblems {
                throw Failure(
                    .dataError,
                    "the sample data does not import: "
                        + problems.problems.map(\.description).joined(separator: "; "))
            }
        }
        StandardError.write(
            "releasedesk: demo journal built at \(journal)"
                + (keep ? "\n" : " (removed when releasedesk ends; --keep-demo keeps it)\n"))
        return locations
    }

    /// The folder `$RELEASEDESK_SAMPLE_DATA` names, if it is set.
    static func configuredSampleData(environment: [String: String]) -> String? {
        guard let configured = environment["RELEASEDESK_SAMPLE_DATA"], !configured.isEmpty else { return nil }
        return configured
    }

    /// The sample data a demo journal was built from: `$RELEASEDESK_SAMPLE_DATA`, else the built-in copy
    /// written beside the journal.
    static func sampleDataDirectory(forJournal journal: String, environment: [String: String]) -> String {
        configuredSampleData(environment: environment) ?? (Journal.parentDirectory(of: journal) + "/SampleData")
    }

    /// The built-in sample data as files in `directory/SampleData`, so the journal's import records name
    /// `SampleData/…` as they do for the project's folder.
    static func writeBuiltInSampleData(into directory: String) throws -> String {
        let folder = directory + "/SampleData"
        do {
            try FileBytes.makeDirectories(folder)
            for (name, text) in BuiltInSampleData.files.sorted(by: { $0.key < $1.key }) {
                try FileBytes.replaceAtomically(folder + "/" + name, with: Array(text.utf8), mode: 0o644)
            }
        } catch {
            throw Failure(.cannotCreate, "cannot write the sample data into \(folder): \(error)")
        }
        return folder
    }

    static func executableDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Journal.parentDirectory(of: path)
    }
}

/// Demo folders this process made, removed with everything in them when it exits (`exit`, or returning from
/// `main`; the workstation turns SIGTERM and SIGHUP into such an exit).
enum DemoFolders {
    nonisolated(unsafe) private static var pending: [String] = []

    static func removeAtExit(_ directory: String) {
        if pending.isEmpty { atexit { DemoFolders.removeAll() } }
        pending.append(directory)
    }

    static func removeAll() {
        let folders = pending
        pending = []
        for folder in folders { removeTree(folder) }
    }

    /// Removes `path`: a file or symbolic link, or a folder with everything below it (links are not followed).
    static func removeTree(_ path: String) {
        if unlink(path) == 0 || errno == ENOENT { return }
        guard let directory = opendir(path) else { return }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        for name in names { removeTree(path + "/" + name) }
        rmdir(path)
    }
}

/// Switches off the echo of typed input on a terminal standard input while a task runs without the
/// terminal library (the demo being built), and switches it on again afterwards, after an error, and before
/// a signal ends the program.
enum QuietTerminal {
    nonisolated(unsafe) private static var saved = termios()
    private static let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    static func run<T>(_ body: () throws -> T) throws -> T {
        guard isatty(0) == 1, tcgetattr(0, &saved) == 0 else { return try body() }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        var previous: [sigaction] = []
        for signal in signals {
            var old = sigaction()
            sigaction(signal, nil, &old)
            previous.append(old)
            // A signal the program was started ignoring (nohup) stays ignored.
            if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                continue
            }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { received in
                tcsetattr(0, TCSANOW, &QuietTerminal.saved)
                Glibc.signal(received, SIG_DFL)
                raise(received)
            }
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
        tcsetattr(0, TCSANOW, &quiet)
        defer {
            tcsetattr(0, TCSANOW, &saved)
            for (signal, old) in zip(signals, previous) {
                var old = old
                sigaction(signal, &old, nil)
            }
        }
        return try body()
    }
}
