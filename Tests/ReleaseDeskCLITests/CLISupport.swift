import Foundation

/// Runs the built `releasedesk` binary with a pinned environment in a throw-away directory.
struct CLI {
    let directory: String
    let environment: [String: String]

    /// `standardHashCost`: passwords are hashed at the product's scrypt cost; otherwise at the lowest one the
    /// debug binary accepts (`RELEASEDESK_TEST_SCRYPT_LOG2N`, docs/torture.md), so sign-ins take milliseconds.
    init(standardHashCost: Bool = false) {
        directory = NSTemporaryDirectory() + "releasedesk-cli-" + UUID().uuidString.lowercased()
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var environment = [
            "HOME": directory, "XDG_DATA_HOME": directory + "/data", "XDG_STATE_HOME": directory + "/state",
            "LANG": "C.UTF-8", "TZ": "UTC", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "RELEASEDESK_JOURNAL": directory + "/journal.jsonl",
        ]
        if !standardHashCost { environment["RELEASEDESK_TEST_SCRYPT_LOG2N"] = "10" }
        self.environment = environment
    }

    var journal: String { directory + "/journal.jsonl" }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    static var binary: String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // The test bundle lives in .build/<configuration>/; so does the executable.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("releasedesk").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return ".build/debug/releasedesk"
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` (the built binary unless another copy is named) in `directory`.
    @discardableResult
    func run(
        _ arguments: [String], input: String = "", extraEnvironment: [String: String] = [:],
        executable: String = Self.binary
    ) throws -> Result {
        var process = Process()
        var stdin = Pipe()
        var stdout = Pipe()
        var stderr = Pipe()
        func prepare() {
            process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment.merging(extraEnvironment) { $1 }
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            (stdin, stdout, stderr) = (Pipe(), Pipe(), Pipe())
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = stderr
        }
        // A binary copied just now (InstallAnywhereCLITests) cannot be run while a process started at the same
        // moment by another test still holds it open for writing (ETXTBSY); that lasts until that process execs.
        var attempts = 0
        while true {
            prepare()
            do {
                try process.run()
                break
            } catch let error as NSError
                where attempts < 40 && (error.userInfo[NSUnderlyingErrorKey] as? NSError)?.code == Int(ETXTBSY)
            {
                attempts += 1
                usleep(50_000)
            }
        }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    /// A journal with administrator `dana` (password `admin-pass-1`) and QA user `qa.anna` (`qa-pass-123`).
    func initialised() throws {
        let created = try run(
            ["init", "--admin", "dana", "--name", "Dana Whitfield", "--password-stdin"], input: "admin-pass-1\n")
        precondition(created.status == 0, created.stderr)
        let added = try run(
            [
                "user", "add", "qa.anna", "--name", "Anna Kowalczyk", "--role", "qa", "--user", "dana",
                "--password-stdin",
            ],
            input: "admin-pass-1\nqa-pass-123\n")
        precondition(added.status == 0, added.stderr)
        try ownPassword("qa.anna", "qa-pass-123")
    }

    /// The user sets their own password (the one an administrator set is temporary and allows nothing else).
    func ownPassword(_ user: String, _ password: String) throws {
        let set = try run(["user", "passwd", "--user", user, "--password-stdin"], input: "\(password)\n\(password)\n")
        precondition(set.status == 0, set.stderr)
    }

    func lines() -> [String] {
        let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}
