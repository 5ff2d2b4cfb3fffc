import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List the audit trail: every journal record, filtered.",
        discussion: """
            Formats: table (readable), csv (RFC 4180, CRLF; columns seq, at, actor, host, kind, batch, summary, reason, signature, body; \
            cells starting with =, +, -, @, tab or CR are prefixed with '), jsonl (one record per line: the \
            journal's canonical JSON, with DEL, C1, bidirectional and invisible characters written as \\u escapes \
            so the output is safe to view; parsing and re-encoding canonically gives the journal's bytes), json \
            (the same records as one array). With no record: the table's or CSV's header, [] or nothing. \
            Text from data is sanitised in every format. Needs a signed-in user.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, jsonl, csv
    }

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .long, help: "Only records about this batch (its data, reviews, dispositions, deviations, decisions).")
    var batch: String?

    @Option(name: .long, help: "Only records by this user id.")
    var actor: String?

    @Option(name: .long, help: "Only records of this kind (a trailing .* matches a family, e.g. user.*).")
    var kind: String?

    @Option(
        name: .long,
        help: "Only records at or after this UTC time (YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.mmm]], Z optional).")
    var since: String?

    @Option(
        name: .long,
        help: "Only records up to this UTC time, included (same forms as --since; a day includes the whole day).")
    var until: String?

    @Option(name: .long, help: "table, json (one document), jsonl (one record per line) or csv.")
    var format: Format = .table

    func validate() throws {
        if let since, AuditQuery.time(since) == nil { throw ValidationError("--since: \(AuditQuery.timeHelp)") }
        if let until, AuditQuery.time(until) == nil { throw ValidationError("--until: \(AuditQuery.timeHelp)") }
    }

    func run() throws {
        try Failure.guarded {
            let query = AuditQuery(
                actor: actor, kind: kind, batch: batch, since: since.flatMap(AuditQuery.time),
                until: until.flatMap(AuditQuery.untilBound))
            // While the desk reads and verifies the journal, only the seqs of the records that match are noted
            // (and, for a batch, whether the record names it); once the whole journal has verified and the user
            // has signed in, the records are read again one at a time through the journal's index of lines and
            // written out as they come. A store that keeps no such index has the matching records kept instead.
            var seqs: [Int64] = []
            var namesBatch: [Bool] = []
            var kept: [Record] = []
            var archive: (any RecordArchive)? = nil
            let locations = try global.locations()
            let (desk, _) = try global.signedIn(
                locations, channel: "cli:audit", for: .reading, passwords: global.passwords(),
                observe: { record in
                    guard query.matches(record) else { return }
                    if archive == nil {
                        kept.append(record)
                        return
                    }
                    seqs.append(record.seq)
                    if let batch { namesBatch.append(record.namedBatch == batch) }
                },
                keepingPlaces: { archive = $0 })
            defer { desk.checkpoint() }
            if let batch {
                // Every record about the batch: its data, reviews, dispositions and its deviations' steps.
                let own = Set(desk.state.batches[batch]?.recordSeqs ?? [])
                if archive == nil {
                    kept = kept.filter { desk.state.isRecord($0, about: batch, seqs: own) }
                } else {
                    seqs = seqs.indices.filter { namesBatch[$0] || own.contains(seqs[$0]) }.map { seqs[$0] }
                }
            }
            let count = archive == nil ? kept.count : seqs.count
            func record(_ i: Int) throws -> Record {
                guard let archive else { return kept[i] }
                switch archive.record(seqs[i]) {
                case .success(let record): return record
                case .failure(let problem): throw Failure(.refused, "the audit trail stops here: \(problem)")
                }
            }
            var out = StandardOutput()
            // What was written before a record that cannot be read again stays written; the error follows it.
            defer { out.flush() }
            switch format {
            case .csv:
                out.write(AuditText.csvHeader)
                for i in 0..<count { out.write(AuditText.csvRow(try record(i))) }
            case .jsonl:
                for i in 0..<count { out.write(AuditText.safeJSONLine(try record(i)) + "\n") }
            case .json:
                // One document: the records' lines as the elements of an array.
                out.write("[")
                for i in 0..<count { out.write((i == 0 ? "" : ",") + AuditText.safeJSONLine(try record(i))) }
                out.write("]\n")
            case .table:
                // Two passes: the columns' widths, then the lines.
                let header = ["SEQ", "AT (UTC)", "ACTOR", "KIND", "WHAT"]
                func row(_ record: Record) -> [String] {
                    [String(record.seq), record.at.description, record.actor, record.kind, AuditText.summary(record)]
                }
                var widths = Table.widths(header: header, rows: [])
                for i in 0..<count {
                    let cells = row(try record(i))
                    let blank = [String](repeating: "", count: cells.count)
                    widths = zip(widths, Table.widths(header: blank, rows: [cells])).map { max($0, $1) }
                }
                out.write(Table.line(header, widths: widths))
                for i in 0..<count { out.write(Table.line(row(try record(i)), widths: widths)) }
            }
        }
    }
}
