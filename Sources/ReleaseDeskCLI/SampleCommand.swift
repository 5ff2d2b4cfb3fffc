import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate sample data of any size, deterministic for a seed: import files and/or a journal.",
        discussion: """
            With --batches N: writes DIR/master-data.json (the sample site's products and sites), DIR/batches.json \
            and DIR/qc-results.csv for N batches, values drawn inside the specification with about 2 % out of it; \
            with --write-journal as well, also DIR/journal.jsonl holding them imported (1 000 batches per atomic import) \
            and reviewed, with users "admin" (password "sample-admin") and "qa.sample" ("sample-qa-1").

            With --records N (and no --batches): DIR/journal.jsonl of exactly N records holding the life of a \
            reference site, written by the product's own rules day after day: users, master data, a daily import of \
            24 batches with their QC results, reviews, assignments, dispositions, OOS investigations, re-tests, late \
            results and corrections, deviations through their whole life, holds, comments, refused attempts, \
            failed sign-ins, audit-trail reviews, certifications and rejections (docs/reference-journal.md gives the \
            proportions). It verifies, and verify --deep finds nothing. Users: "admin" ("sample-admin"), QA \
            "qa.sample" ("sample-qa-1"), "qa.second" ("sample-qa-2"), "qa.lead" ("sample-qa-lead"), supervisor \
            "sup.sample" ("sample-sup-1"), QPs "qp.sample" ("sample-qp-1") and "qp.second" ("sample-qp-2").

            With --oversight: DIR/journal.jsonl holding a year of history up to today (UTC) over the three sites of the             sample data, written the same way, six batches a day: CMO-A's KYM-19 viability drifts down over the last             four months, and CMO-B returns its executed batch records 16 to 24 days after manufacture (its quality             agreement says 15). Same users and passwords as the reference journal. For the scorecards             (docs/oversight.md).

            Passwords of generated journals are public: for generated data only.
            """
    )

    @Option(name: .long, help: "Batches to generate (import files; with --journal also a journal).")
    var batches: Int?

    @Flag(
        name: .customLong("write-journal"), help: "With --batches: also write a journal holding the generated batches.")
    var journal = false

    @Option(name: .long, help: "Directory to write into (created if missing; the journal must not exist).")
    var out: String

    @Option(name: .long, help: "Records in the reference journal, all kinds counted (without --batches).")
    var records: Int = 1000

    @Flag(name: .long, help: "Write the oversight sample: a year of three sites up to today (no --batches).")
    var oversight = false

    @Option(name: .long, help: "Seed of the generator.")
    var seed: UInt64 = 1

    @OptionGroup var access: ReadOnlyOption

    static let adminPassword = "sample-admin"

    func validate() throws {
        guard records >= 2 else { throw ValidationError("--records must be 2 or more") }
        if let batches, batches < 1 { throw ValidationError("--batches must be 1 or more") }
        if journal && batches == nil { throw ValidationError("--write-journal goes with --batches") }
        if oversight && batches != nil { throw ValidationError("--oversight does not go with --batches") }
    }

    static let qaPassword = "sample-qa-1"

    func run() throws {
        try Failure.guarded {
            try access.refuse("sample")
            do {
                try FileBytes.makeDirectories(out)
            } catch {
                throw Failure(.cannotCreate, "cannot create \(out): \(error)")
            }
            if let batches {
                try generateSite(batches)
                return
            }
            let path = out + "/journal.jsonl"
            if FileBytes.exists(path) { throw Failure(.cannotCreate, "\(path) already exists") }
            let started = SystemEnvironment.clock()
            var variation = ReferenceSite.Variation()
            if oversight {
                let today = started.millisecondsSinceEpoch / 86_400_000 * 86_400_000
                variation = .oversight(end: Timestamp(millisecondsSinceEpoch: today))
            }
            let summary = try ReferenceSite.write(
                records: records, seed: seed, site: try Self.site(anchor: Timestamp(millisecondsSinceEpoch: 0)),
                to: path, variation: variation)
            let seconds =
                Double(SystemEnvironment.clock().millisecondsSinceEpoch - started.millisecondsSinceEpoch) / 1000
            var hashes: [String: PasswordHash] = [:]
            for member in ReferenceSite.members { hashes[member.id] = try PasswordHash.make(member.password) }
            try CredentialStore(path: CredentialStore.path(forJournal: path)).save(hashes)
            var output = StandardOutput()
            output.write(
                "wrote \(path): \(summary.head.seq) records (\(summary.batches) batches over \(summary.days) days) "
                    + "in \(seconds) s, head \(summary.head.hash)\n")
            output.flush()
            let defects = summary.unexpectedRefusals.values.reduce(0, +) + summary.refusedImports
            if defects > 0 {
                throw Failure(
                    .dataError,
                    "the generator asked for \(defects) action(s) its rules refused: "
                        + summary.unexpectedRefusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                            separator: ", ")
                        + (summary.refusedImports > 0
                            ? ", imports \(summary.refusedImports): " + summary.importProblems.joined(separator: "; ")
                            : ""))
            }
        }
    }

    /// The products and sites of the sample data's `master-data.json`: the built-in one, or the one in the
    /// folder `$RELEASEDESK_SAMPLE_DATA` names.
    static func site(anchor: Timestamp) throws -> SiteGenerator {
        if let folder = DemoJournal.configuredSampleData(environment: GlobalOptions.environment) {
            return try SiteGenerator(masterDataPath: folder + "/master-data.json", anchor: anchor)
        }
        return try SiteGenerator(
            masterData: Array(BuiltInSampleData.files["master-data.json", default: ""].utf8),
            source: "built-in master-data.json", anchor: anchor)
    }

    func generateSite(_ count: Int) throws {
        let anchor = Timestamp(
            millisecondsSinceEpoch: SystemEnvironment.clock().millisecondsSinceEpoch / 86_400_000 * 86_400_000)
        let generator = try Self.site(anchor: anchor)
        for name in ["master-data.json", "batches.json", "qc-results.csv", "journal.jsonl"]
        where FileBytes.exists(out + "/" + name) {
            throw Failure(.cannotCreate, "\(out)/\(name) already exists")
        }
        try generator.writeImportFiles(count: count, seed: seed, to: out)
        var output = StandardOutput()
        output.write("wrote \(out)/master-data.json, batches.json and qc-results.csv: \(count) batches\n")
        if journal {
            let path = out + "/journal.jsonl"
            try CredentialStore(path: CredentialStore.path(forJournal: path)).save([
                "admin": try PasswordHash.make(Self.adminPassword), "qa.sample": try PasswordHash.make(Self.qaPassword),
            ])
            let head = try generator.writeJournal(
                count: count, seed: seed, to: path, administrator: "admin", importer: "qa.sample")
            output.write("wrote \(path): \(head.seq) records, head \(head.hash)\n")
        }
        output.flush()
    }
}
