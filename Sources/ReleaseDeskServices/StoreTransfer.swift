import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskPostgres

/// Moving a journal between stores (`store migrate`) and writing its lines out (`export`): the canonical
/// lines, unchanged, each checked where it stands on the way, the destination verified whole afterwards.
public enum StoreTransfer {
    /// What a migration did.
    public struct Outcome: Sendable {
        public var records: Int
        public var head: JournalHead
        /// The destination, for messages (a path, or the URL without its password).
        public var destination: String
    }

    /// Hands every line of the store of `locations` (without its LF) to `onLine`, in order, checked.
    public static func exportLines(_ locations: Locations, _ onLine: ([UInt8]) throws -> Void) throws {
        if let url = try StoreSelection.postgresURL(locations) {
            try PostgresJournalStore.lines(url: url, onLine)
        } else {
            try JournalLines.read(path: locations.journal, onLine)
        }
    }

    /// Copies the journal at `source` into `destination` (a file path that must not exist, or an initialised,
    /// empty PostgreSQL store), then verifies the destination. Between two files, refuses: copy the file.
    public static func migrate(from source: String, to destination: String) throws -> Outcome {
        let from = PostgresURL.isPostgres(source) ? try PostgresURL(source) : nil
        let to = PostgresURL.isPostgres(destination) ? try PostgresURL(destination) : nil
        if from == nil && to == nil {
            throw JournalLines.Problem(
                description: "both --from and --to are files: migrate moves a journal into or out of PostgreSQL")
        }
        func produce(_ emit: ([UInt8]) throws -> Void) throws {
            if let from {
                try PostgresJournalStore.lines(url: from, emit)
            } else {
                try JournalLines.read(path: source, emit)
            }
        }
        let report: VerificationReport
        if let to {
            _ = try PostgresJournalStore.importLines(url: to, produce)
            report = try PostgresJournalStore.verify(url: to)
        } else {
            try JournalLines.write(path: destination, produce)
            report = try Verifier.verify(path: destination)
        }
        if let corruption = report.corruption {
            throw JournalLines.Problem(description: "the copy does not verify: \(corruption)")
        }
        return Outcome(records: report.records, head: report.head, destination: to?.description ?? destination)
    }
}
