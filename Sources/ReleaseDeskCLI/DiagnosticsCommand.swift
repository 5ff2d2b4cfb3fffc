import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

#if canImport(Glibc)
    import Glibc
#endif

struct DiagnosticsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnostics",
        abstract: "Tools for benchmarks and stress tests of a journal.",
        shouldDisplay: false,
        subcommands: [Append.self]
    )

    struct Append: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append synthetic records one by one, each durable before the next (administrators only).",
            discussion: """
                Prints "ack SEQ" on standard output after each record's fdatasync returned, and a rate line on \
                standard error at the end. For load and crash tests of test journals.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "How many records to append.")
        var count: Int = 1000

        func run() throws {
            try Failure.guarded {
                let locations = try global.locations()
                let (desk, actor) = try global.signedIn(locations, channel: "cli:diagnostics", passwords: global.passwords())
                defer { desk.checkpoint() }
                _ = try desk.state.requireUser(actor.id, anyOf: [.admin], toDo: "append diagnostic records")
                var generator = SeededGenerator(seed: UInt64(getpid()))
                let started = Journal.systemClock()
                for index in 0..<count {
                    let written = try desk.perform("diagnostics.append", by: actor.id) { _ throws(ActionRefusal) in
                        [SyntheticData.draft(index: index, actor: actor.id, generator: &generator)]
                    }
                    // Acknowledged: fdatasync has returned for this record.
                    var line = Array("ack \(written.last?.seq ?? 0)\n".utf8)
                    line.withUnsafeMutableBytes { _ = write(1, $0.baseAddress, $0.count) }
                }
                let elapsed = Double(Journal.systemClock().millisecondsSinceEpoch - started.millisecondsSinceEpoch) / 1000
                let rate = elapsed > 0 ? Double(count) / elapsed : 0
                StandardError.write("appended \(count) records in \(elapsed) s: \(Int(rate)) records/s\n")
            }
        }
    }
}
