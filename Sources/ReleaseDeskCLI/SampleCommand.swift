import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate a synthetic journal of any size, deterministic for a seed.",
        discussion: """
            Writes DIR/journal.jsonl and its credential file: record 1, an administrator "admin" (password \
            "sample-admin", for generated data only) and then synthetic.recorded records up to --records in all. \
            For benchmarks and stress tests; the records carry no GMP meaning.
            """
    )

    @Option(name: .long, help: "Directory to write into (created if missing; the journal must not exist).")
    var out: String

    @Option(name: .long, help: "Records in the journal, all kinds counted.")
    var records: Int = 1000

    @Option(name: .long, help: "Seed of the generator.")
    var seed: UInt64 = 1

    static let adminPassword = "sample-admin"

    func validate() throws {
        guard records >= 2 else { throw ValidationError("--records must be 2 or more") }
    }

    func run() throws {
        try Failure.guarded {
            do {
                try FileBytes.makeDirectories(out)
            } catch {
                throw Failure(.cannotCreate, "cannot create \(out): \(error)")
            }
            let path = out + "/journal.jsonl"
            if FileBytes.exists(path) { throw Failure(.cannotCreate, "\(path) already exists") }
            let credentials = CredentialStore(path: CredentialStore.path(forJournal: path))
            try credentials.save(["admin": try PasswordHash.make(Self.adminPassword)])
            var generator = SeededGenerator(seed: seed)
            let start = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)  // 2026-01-01T00:00:00.000Z
            let enrolment = try UserAdministration.enrolFirstAdministrator("admin", name: "Sample Administrator")
            let total = records
            let drafts = (0..<(total - 1)).lazy.map { index -> (RecordDraft, Timestamp) in
                let at = start.adding(milliseconds: Int64(index + 1) * 1000)
                if index == 0 { return (enrolment, at) }
                return (SyntheticData.draft(index: index, actor: "admin", generator: &generator), at)
            }
            let head = try BulkWriter.create(
                at: path, actor: "admin", host: "sample-host", journalID: Self.uuid(seed: seed), createdAt: start,
                records: drafts)
            var output = StandardOutput()
            output.write("wrote \(path): \(head.seq) records, head \(head.hash)\n")
            output.flush()
        }
    }

    /// A version-4 UUID made from the seed, so the same seed gives the same journal byte for byte.
    static func uuid(seed: UInt64) -> String {
        var generator = SeededGenerator(seed: seed ^ 0x5EED)
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-" + hex[8..<10].joined()
            + "-" + hex[10..<16].joined()
    }
}
