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
            func keep(_ r: Record) -> Bool { query.matches(r) }
            // The records are collected while the desk reads and verifies the journal, and shown only once
            // the whole journal has verified and the user has signed in: one read of the file.
            var selected: [Record] = []
            let locations = try global.locations()
            let (desk, _) = try global.signedIn(
                locations, channel: "cli:audit", for: .reading, passwords: global.passwords()
            ) {
                record in
                if keep(record) { selected.append(record) }
            }
            defer { desk.checkpoint() }
            if let batch {
                // Every record about the batch: its data, reviews, dispositions and its deviations' steps.
                let seqs = Set(desk.state.batches[batch]?.recordSeqs ?? [])
                selected = selected.filter { desk.state.isRecord($0, about: batch, seqs: seqs) }
            }
            var out = StandardOutput()
            switch format {
            case .csv:
                out.write(AuditText.csvHeader)
                for record in selected { out.write(AuditText.csvRow(record)) }
            case .jsonl:
                for record in selected { out.write(AuditText.safeJSONLine(record) + "\n") }
            case .json:
                // One document: the records' lines as the elements of an array.
                out.write("[" + selected.map(AuditText.safeJSONLine).joined(separator: ",") + "]\n")
            case .table:
                let rows = selected.map { record in
                    [String(record.seq), record.at.description, record.actor, record.kind, AuditText.summary(record)]
                }
                out.write(Table.render(header: ["SEQ", "AT (UTC)", "ACTOR", "KIND", "WHAT"], rows: rows))
            }
            out.flush()
        }
    }
}
