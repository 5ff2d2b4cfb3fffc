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
            Formats: table (readable), csv (RFC 4180, CRLF; columns seq, at, actor, host, kind, summary, body; \
            cells starting with =, +, -, @, tab or CR are prefixed with '), jsonl (one record per line: the \
            journal's canonical JSON, with DEL, C1, bidirectional and invisible characters written as \\u escapes \
            so the output is safe to view; parsing and re-encoding canonically gives the journal's bytes). \
            Text from data is sanitised in every format. Needs a signed-in user.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, jsonl
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Only records about this batch (its data, reviews, dispositions, deviations, decisions).")
    var batch: String?

    @Option(name: .long, help: "Only records by this user id.")
    var actor: String?

    @Option(name: .long, help: "Only records of this kind (a trailing .* matches a family, e.g. user.*).")
    var kind: String?

    @Option(name: .long, help: "Only records at or after this UTC time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.mmmZ).")
    var since: String?

    @Option(name: .long, help: "Only records before this UTC time (same forms as --since).")
    var until: String?

    @Option(name: .long, help: "table, csv or jsonl.")
    var format: Format = .table

    func validate() throws {
        if let since, TimeFilter.parse(since) == nil { throw ValidationError("--since: \(TimeFilter.help)") }
        if let until, TimeFilter.parse(until) == nil { throw ValidationError("--until: \(TimeFilter.help)") }
    }

    func run() throws {
        try Failure.guarded {
            let sinceTime = since.flatMap(TimeFilter.parse)
            let untilTime = until.flatMap(TimeFilter.parse)
            let kindPrefix = kind.flatMap { $0.hasSuffix(".*") ? String($0.dropLast(1)) : nil }
            func keep(_ r: Record) -> Bool {
                if let actor, r.actor != actor { return false }
                if let kind {
                    if let kindPrefix { if !r.kind.hasPrefix(kindPrefix) { return false } } else if r.kind != kind { return false }
                }
                if let sinceTime, r.at < sinceTime { return false }
                if let untilTime, r.at >= untilTime { return false }
                return true
            }
            // The records are collected while the desk reads and verifies the journal, and shown only once
            // the user has signed in: one read of the file.
            var selected: [Record] = []
            let locations = try global.locations()
            let (desk, _) = try global.signedIn(locations, channel: "cli:audit", passwords: global.passwords()) { record in
                if keep(record) { selected.append(record) }
            }
            defer { desk.checkpoint() }
            if let batch {
                // Every record about the batch: its data, reviews, dispositions and its deviations' steps.
                let seqs = Set(desk.state.batches[batch]?.recordSeqs ?? [])
                selected = selected.filter { seqs.contains($0.seq) || (($0.body["batch_id"] ?? $0.body["batch"])?.stringValue == batch) }
            }
            if let alarm = desk.alarm {
                StandardError.write("releasedesk: INTEGRITY ALARM: \(DisplayText.sanitize(alarm)); listing what verified\n")
            }
            var out = StandardOutput()
            switch format {
            case .csv:
                out.write(AuditText.csvHeader)
                for record in selected { out.write(AuditText.csvRow(record)) }
            case .jsonl:
                for record in selected { out.write(AuditText.safeJSONLine(record) + "\n") }
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
/// Times given on the command line.
enum TimeFilter {
    static let help = "use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.mmmZ (UTC)"

    static func parse(_ text: String) -> Timestamp? {
        if let full = Timestamp(journalForm: text) { return full }
        if text.utf8.count == 10, let day = Timestamp(journalForm: text + "T00:00:00.000Z") { return day }
        if text.utf8.count == 20, text.hasSuffix("Z"), let seconds = Timestamp(journalForm: String(text.dropLast()) + ".000Z") {
            return seconds
        }
        return nil
    }
}
