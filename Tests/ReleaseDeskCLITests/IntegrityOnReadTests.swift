import Foundation
import Testing

/// Every command that shows journal data (or writes) refuses a journal that does not verify, or whose
/// last record no longer matches this user's witness: exit 1, one sentence naming the line and byte offset.
@Suite("Integrity on every read", .serialized)
struct IntegrityOnReadTests {
    static let passwords = [
        "admin": "demo-admin-1", "qa.anna": "demo-qa-anna", "qp.maria": "demo-qp-maria", "sup.kenji": "demo-sup-kenji",
    ]

    /// A command, the user who may run it, whether it writes, and whether it may print nothing (an empty
    /// register or deviation list).
    struct Command {
        var user: String
        var arguments: [String]
        var writes = false
        var mayBeEmpty = false
    }

    static func commands(batch: String) -> [Command] {
        [
            Command(user: "qa.anna", arguments: ["queue"]),
            Command(user: "qa.anna", arguments: ["queue", "--json"]),
            Command(user: "qa.anna", arguments: ["review", batch]),
            Command(user: "qa.anna", arguments: ["report", batch]),
            Command(user: "qp.maria", arguments: ["register"], mayBeEmpty: true),
            Command(user: "sup.kenji", arguments: ["audit"]),
            Command(user: "sup.kenji", arguments: ["audit", "--format", "jsonl"]),
            Command(user: "qa.anna", arguments: ["deviation", "list"], mayBeEmpty: true),
            Command(user: "admin", arguments: ["user", "list"]),
            Command(user: "sup.kenji", arguments: ["diagnostics", "audit-open", "--width", "120", "--height", "40"]),
            Command(user: "admin", arguments: ["diagnostics", "review-all"]),
            Command(user: "qa.anna", arguments: ["comment", batch, "--text", "checked"], writes: true),
        ]
    }

    /// The demo journal and its first batch, with every read command run once on it (exit 0, which also
    /// leaves the users' witness at its head); built once for the suite, since sign-ins are slow.
    final class Prepared: @unchecked Sendable {
        let cli = CLI()
        var journal = ""
        var batch = ""
        var failure: String? = nil

        init() {
            do {
                journal = try ReleaseCLITests.demo(cli)
                let queue = try cli.run(
                    ["--journal", journal, "--user", "qa.anna", "--password-stdin", "queue", "--json"],
                    input: "demo-qa-anna\n")
                let first = queue.stdout.split(separator: "\n").first.map(String.init) ?? ""
                let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
                batch = object?["batch"] as? String ?? ""
                for command in IntegrityOnReadTests.commands(batch: batch) where !command.writes {
                    let result = try IntegrityOnReadTests.run(cli, journal, command)
                    if result.status != 0 || (result.stdout.isEmpty && !command.mayBeEmpty) {
                        failure = "\(command.arguments) on the intact journal: exit \(result.status) \(result.stderr)"
                    }
                }
            } catch {
                failure = "\(error)"
            }
        }
    }

    static let shared = Prepared()

    /// A copy of the prepared journal, its credentials and the witnesses, in `cli`'s directory.
    static func prepared(_ cli: CLI) throws -> (journal: String, batch: String) {
        let source = shared
        if let failure = source.failure { Issue.record(Comment(rawValue: failure)) }
        let files = FileManager.default
        let journal = cli.directory + "/copy/journal.jsonl"
        try files.createDirectory(atPath: cli.directory + "/copy", withIntermediateDirectories: true)
        try files.copyItem(atPath: source.journal, toPath: journal)
        let credentials = source.journal.replacingOccurrences(of: ".jsonl", with: ".credentials.json")
        try files.copyItem(atPath: credentials, toPath: cli.directory + "/copy/journal.credentials.json")
        try? files.removeItem(atPath: cli.directory + "/state")
        try files.copyItem(atPath: source.cli.directory + "/state", toPath: cli.directory + "/state")
        return (journal, source.batch)
    }

    static func run(_ cli: CLI, _ journal: String, _ command: Command) throws -> CLI.Result {
        try cli.run(
            ["--journal", journal, "--user", command.user, "--password-stdin"] + command.arguments,
            input: passwords[command.user]! + "\n", extraEnvironment: ["TERM": "xterm"])
    }

    /// The byte offset where each line starts, and the file's bytes.
    static func lineStarts(_ bytes: [UInt8]) -> [Int] {
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A && i + 1 < bytes.count { starts.append(i + 1) }
        return starts
    }

    /// Every command exits 1, shows nothing on stdout, writes nothing, and says `expected` on stderr.
    static func expectRefusedEverywhere(_ cli: CLI, _ journal: String, batch: String, saying expected: [String]) throws
    {
        let before = try Data(contentsOf: URL(fileURLWithPath: journal))
        for command in commands(batch: batch) {
            let result = try run(cli, journal, command)
            #expect(result.status == 1, "\(command.arguments): exit \(result.status) \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(command.arguments) showed: \(result.stdout.prefix(200))")
            for text in expected {
                #expect(result.stderr.contains(text), "\(command.arguments): \(result.stderr) does not say \(text)")
            }
            #expect(result.stderr.split(separator: "\n").count == 1, "\(command.arguments): \(result.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == before)
    }

    /// The offset, inside `line`, of the first letter of a string value in the record's body.
    static func valueLetter(in line: ArraySlice<UInt8>) -> Int? {
        let text = Array(line)
        guard let body = String(decoding: text, as: UTF8.self).range(of: #""body":{"#) else { return nil }
        var i = String(decoding: text, as: UTF8.self).utf8.distance(
            from: String(decoding: text, as: UTF8.self).startIndex, to: body.upperBound)
        while i + 2 < text.count {
            if text[i] == UInt8(ascii: ":"), text[i + 1] == UInt8(ascii: "\""),
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(text[i + 2])
            {
                return i + 2
            }
            i += 1
        }
        return nil
    }

    @Test func aChangedValueInARecordsBodyMakesEveryReadCommandExit1NamingTheBrokenLink() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, batch) = try Self.prepared(cli)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: journal)))
        let starts = Self.lineStarts(bytes)
        let n = starts.count / 2  // 1-based line n starts at starts[n - 1]
        let at = starts[n - 1] + (try #require(Self.valueLetter(in: bytes[starts[n - 1]..<starts[n]])))
        bytes[at] ^= 0x20  // a letter changes case: still canonical, so only the next record's prev sees it
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        try Self.expectRefusedEverywhere(
            cli, journal, batch: batch,
            saying: ["the link between line \(n) and line \(n + 1) is broken", "byte offset \(starts[n])"])
    }

    @Test func aChangedHashMakesEveryReadCommandExit1NamingTheBrokenLink() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, batch) = try Self.prepared(cli)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: journal)))
        let starts = Self.lineStarts(bytes)
        let m = starts.count / 3
        let line = String(decoding: bytes[starts[m - 1]..<starts[m]], as: UTF8.self)
        let prev = try #require(line.range(of: #""prev":""#))
        let at = starts[m - 1] + line.utf8.distance(from: line.startIndex, to: prev.upperBound) + 10
        bytes[at] = bytes[at] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        try Self.expectRefusedEverywhere(
            cli, journal, batch: batch,
            saying: ["the link between line \(m - 1) and line \(m) is broken", "byte offset \(starts[m - 1])"])
    }

    @Test func aByteChangedInTheMiddleOfTheFileMakesEveryReadCommandExit1NamingItsLine() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, batch) = try Self.prepared(cli)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: journal)))
        let starts = Self.lineStarts(bytes)
        let at = bytes.count / 2
        bytes[at] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        // The line holding the byte breaks, or (when it still parses) the link to the line after it.
        let n = starts.lastIndex { $0 <= at }! + 1
        let result = try Self.run(cli, journal, Command(user: "qa.anna", arguments: ["queue"]))
        let named =
            result.stderr.contains("line \(n) (byte offset \(starts[n - 1]))")
            || result.stderr.contains("line \(n + 1) (byte offset \(starts[n]))")
        #expect(named, "\(result.stderr)")
        try Self.expectRefusedEverywhere(cli, journal, batch: batch, saying: ["integrity alarm", "byte offset"])
    }

    @Test func aChangedLastRecordIsCaughtByTheWitnessAndEveryReadCommandExits1NamingIt() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, batch) = try Self.prepared(cli)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: journal)))
        let starts = Self.lineStarts(bytes)
        let last = starts.count
        let at = starts[last - 1] + (try #require(Self.valueLetter(in: bytes[starts[last - 1]...])))
        bytes[at] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        try Self.expectRefusedEverywhere(
            cli, journal, batch: batch,
            saying: ["history changed since you last saw it", "line \(last) (byte offset \(starts[last - 1]))"])
    }

    @Test func aChangedFinalLineEndMakesEveryReadCommandExit1() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, batch) = try Self.prepared(cli)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: journal)))
        let starts = Self.lineStarts(bytes)
        bytes[bytes.count - 1] = UInt8(ascii: " ")
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        try Self.expectRefusedEverywhere(
            cli, journal, batch: batch,
            saying: ["line \(starts.count) (byte offset \(starts[starts.count - 1]))", "cannot be a torn write"])
    }

    @Test func verifyStillReportsTheDamageThatTheReadCommandsRefuse() throws {
        let cli = CLI()
        defer { cli.remove() }
        let (journal, _) = try Self.prepared(cli)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: journal)))
        let starts = Self.lineStarts(bytes)
        let at = starts[2] + (try #require(Self.valueLetter(in: bytes[starts[2]..<starts[3]])))
        bytes[at] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        let result = try cli.run(["--journal", journal, "verify"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("CORRUPT at line 4, byte offset \(starts[3])"))
        #expect(result.stdout.contains("the link between line 3 and line 4 is broken"))
    }
}
