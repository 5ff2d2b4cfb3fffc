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
        subcommands: [
            Append.self, ReviewAll.self, FramesCommand.self, AuditOpenCommand.self, Follow.self,
            OversightTimingCommand.self,
        ]
    )

    struct ReviewAll: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review-all",
            abstract:
                "Time the replay of the journal and a review of every batch by the rule engine (nothing written).",
            discussion:
                "Prints one line on standard output: records replayed and seconds, batches reviewed and seconds, "
                + "exceptions raised."
        )

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try Failure.guarded {
                let locations = try global.locations()
                let authenticator = try global.authenticator(for: locations)
                let password = try global.passwords().read(prompt: "Password: ")
                let t0 = Monotonic.seconds()
                let desk = try Failure.opening(locations)
                let t1 = Monotonic.seconds()
                _ = try desk.signIn(
                    user: global.userID, password: password,
                    with: authenticator, channel: "cli:diagnostics")
                let state = desk.state
                let now = SystemEnvironment.clock()
                let t2 = Monotonic.seconds()
                let index = TrendIndex(state: state)
                // As an import reviews the batches it touched: shared out over the processors.
                let reviews = state.reviews(of: Array(state.batches.keys), now: now, index: index)
                let exceptions = reviews.reduce(0) { $0 + ($1?.exceptions.count ?? 0) }
                let t3 = Monotonic.seconds()
                var out = StandardOutput()
                out.write(
                    "replayed \(state.lastSeq) records in \(format(t1 - t0)) s; reviewed \(state.batches.count) batches in "
                        + "\(format(t3 - t2)) s; \(exceptions) exceptions\n")
                out.flush()
            }
        }

        func format(_ seconds: Double) -> String {
            let ms = Int((seconds * 1000).rounded())
            return "\(ms / 1000).\(String(1000 + ms % 1000).dropFirst())"
        }
    }

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
                let (desk, actor) = try global.signedIn(
                    locations, channel: "cli:diagnostics", for: .writing, passwords: global.passwords())
                defer { desk.checkpoint() }
                _ = try desk.state.requireUser(actor.id, anyOf: [.admin], toDo: "append diagnostic records")
                var generator = SeededGenerator(seed: UInt64(getpid()))
                let started = SystemEnvironment.clock()
                for index in 0..<count {
                    let written = try desk.perform("diagnostics.append", by: actor.id) { _ throws(ActionRefusal) in
                        [SyntheticData.draft(index: index, actor: actor.id, generator: &generator)]
                    }
                    // Acknowledged: fdatasync has returned for this record.
                    var line = Array("ack \(written.last?.seq ?? 0)\n".utf8)
                    line.withUnsafeMutableBytes { _ = write(1, $0.baseAddress, $0.count) }
                }
                let elapsed =
                    Double(SystemEnvironment.clock().millisecondsSinceEpoch - started.millisecondsSinceEpoch) / 1000
                let rate = elapsed > 0 ? Double(count) / elapsed : 0
                StandardError.write("appended \(count) records in \(elapsed) s: \(Int(rate)) records/s\n")
            }
        }
    }
}

extension DiagnosticsCommand {
    struct Follow: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Follow the journal as the workstation does, printing each record others append (nothing written).",
            discussion: """
                Reads on every wake-up of the store (a PostgreSQL notification, or a reconnect) and every \
                --poll-ms milliseconds, as the workstation does; prints "seen SEQ" on standard output for each \
                new record, as soon as it is read. Ends after --count records. For latency measurements.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "How many new records to wait for.")
        var count: Int = 100

        @Option(name: .customLong("poll-ms"), help: "The timer of the reads, in milliseconds.")
        var pollMilliseconds: Int = 500

        func run() throws {
            try Failure.guarded {
                let locations = try global.locations()
                let (desk, _) = try global.signedIn(
                    locations, channel: "cli:diagnostics", for: .reading, passwords: global.passwords())
                desk.journal.startWatching()
                var seen = 0
                var lastRead = Monotonic.seconds()
                while seen < count {
                    let now = Monotonic.seconds()
                    guard desk.journal.takeWakeUp() || (now - lastRead) * 1000 >= Double(pollMilliseconds) else {
                        usleep(2000)
                        continue
                    }
                    lastRead = now
                    try desk.journal.readNew { record in
                        seen += 1
                        var line = Array("seen \(record.seq)\n".utf8)
                        line.withUnsafeMutableBytes { _ = write(1, $0.baseAddress, $0.count) }
                    }
                }
            }
        }
    }
}

/// A monotonic clock for measuring durations.
enum Monotonic {
    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
