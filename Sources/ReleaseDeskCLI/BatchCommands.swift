import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Import batch records (JSON), QC results (CSV), custody events (CSV or JSON), products and sites (JSON).",
        discussion: """
            All files of one command are imported together or not at all. Every value is checked (types, units, \
            physical ranges, references, duplicates); bad input exits 65 with one line per problem naming file, \
            line and field, and leaves the journal untouched. The journal keeps each file's name and SHA-256, and \
            the batches touched are reviewed at once. Formats: docs/import-formats.md.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The files to import.")
    var files: [String]

    @Option(name: .long, help: "Why these data are imported (kept with the records).")
    var reason: String?

    func run() throws {
        try Failure.guarded {
            let locations = try global.locations()
            let (desk, actor) = try global.signedIn(
                locations, channel: "cli:import", for: .writing, passwords: global.passwords())
            defer { desk.checkpoint() }
            let written = try desk.importFiles(files, by: actor.id, reason: reason)
            var out = StandardOutput()
            let counts = Dictionary(grouping: written, by: \.kind).mapValues(\.count)
            out.write(
                "imported \(files.count) file(s) in \(written.count) records (seq \(written.first?.seq ?? 0)–\(written.last?.seq ?? 0)):\n"
            )
            for kind in counts.keys.sorted() { out.write("  \(counts[kind]!) × \(kind)\n") }
            for record in written where record.kind == RecordKind.batchReviewed {
                let review = Review.decode(record.body)
                let batch = DisplayText.sanitize(record.body["batch"]?.stringValue ?? "?")
                out.write(
                    "  \(batch): \(review.exceptions.count) exception(s)\(review.quietSample ? ", quiet-batch sample" : "")\n"
                )
            }
            out.flush()
        }
    }
}

/// Shared text for batch listings.
enum BatchText {
    static func counts(_ open: [Severity: Int]) -> String {
        let parts = [(Severity.critical, "‼"), (.major, "⚠"), (.minor, "·")].compactMap { severity, glyph -> String? in
            guard let n = open[severity], n > 0 else { return nil }
            return "\(glyph)\(n) \(severity.rawValue)"
        }
        return parts.isEmpty ? "none" : parts.joined(separator: " ")
    }

    static func hours(_ h: Int64) -> String {
        if abs(h) >= 48 { return "\(h / 24)d" }
        return "\(h)h"
    }

    static func day(_ t: Timestamp?) -> String {
        guard let t else { return "—" }
        return String(t.description.prefix(10))
    }
}

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract:
            "The batch queue: status, open exceptions by severity, pending tests, patient clock; most urgent first.",
        discussion: """
            Urgency: earliest deadline first (the planned infusion, else the expiry), then critical exceptions. \
            --format json is one document (an array), jsonl (or --json) one batch per line, csv the table's \
            columns; each object: batch, product, site, coi, status (flagged, full-review, \
            results-pending, deviation-open, oos-confirmed, ready-for-qp, awaiting-review, in-manufacture, infused, \
            released, released-pending, escalated, supplied-oos, rejected, on-hold, site-suspended), open \
            {critical, major, minor} \
            (exceptions with no disposition or investigation yet), pending_tests (tests not reported and re-tests \
            requested), apheresis_at, \
            hours_since_apheresis, expiry, shelf_life_hours, planned_infusion, quiet_reason.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "JSON Lines output (the same as --format jsonl).")
    var json = false

    @Option(name: .long, help: ListFormat.help)
    var format: ListFormat?

    @Flag(name: .long, help: "Include batches already infused (history imported for trending).")
    var all = false

    func run() throws {
        try Failure.guarded {
            let format = try ListFormat.resolve(format, json: json)
            let locations = try global.locations()
            let (desk, _) = try global.signedIn(
                locations, channel: "cli:queue", for: .reading, passwords: global.passwords(),
                warm: GlobalOptions.showingOpen)
            defer { desk.checkpoint() }
            let now = SystemEnvironment.clock()
            let queue = desk.state.queue(includeInfused: all)
            var list = ListOutput(
                columns: [
                    "BATCH", "PRODUCT", "SITE", "COI", "STATUS", "OPEN", "PENDING", "SINCE APH.", "SHELF LEFT",
                    "INFUSION",
                ],
                csvColumns: [
                    "batch", "product", "site", "coi", "status", "open", "pending_tests", "since_apheresis",
                    "shelf_left", "infusion",
                ])
            for e in queue {
                var o: [String: JSONValue] = [
                    "batch": .string(e.id), "product": .string(e.product), "site": .string(e.site),
                    "coi": e.coi.map(JSONValue.string) ?? .null, "status": .string(e.status.rawValue),
                    "open": [
                        "critical": .int(Int64(e.open[.critical, default: 0])),
                        "major": .int(Int64(e.open[.major, default: 0])),
                        "minor": .int(Int64(e.open[.minor, default: 0])),
                    ],
                    "pending_tests": .int(Int64(e.pendingTests)), "expiry": .string(e.expiry.description),
                    "shelf_life_hours": .int(e.shelfLifeHours(at: now)),
                    "planned_infusion": e.plannedInfusion.map { .string($0.description) } ?? .null,
                    "apheresis_at": e.apheresisAt.map { .string($0.description) } ?? .null,
                    "hours_since_apheresis": e.hoursSinceApheresis(at: now).map(JSONValue.int) ?? .null,
                ]
                if let reason = e.quietReason { o["quiet_reason"] = .string(reason) }
                let cells = [
                    e.id, e.product, e.site, e.coi ?? "—", format == .csv ? e.status.rawValue : e.status.label,
                    BatchText.counts(e.open), String(e.pendingTests),
                    e.hoursSinceApheresis(at: now).map { "d+\($0 / 24)" } ?? "—",
                    BatchText.hours(e.shelfLifeHours(at: now)),
                    BatchText.day(e.plannedInfusion),
                ]
                list.append(cells, .object(o))
            }
            list.tableFooter = "\(queue.count) batches"
            var out = StandardOutput()
            out.write(list.render(format))
            out.flush()
        }
    }
}

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "The exceptions of one batch, each with its rule, limit, observed value, source and why.",
        discussion: """
            JSON (--json): one object with batch, status, rule_set, reviewed_at, review_seq, quiet_sample, \
            quiet_reason, pending_tests and exceptions [{id, rule, rule_version, severity, title, limit, observed, \
            source, why, blocking, state}]; state is open, pending, justified, retest-requested, deviation, \
            deviation-closed, invalidated or confirmed.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The batch id.")
    var batch: String

    @Flag(name: .long, help: "JSON output.")
    var json = false

    func run() throws {
        try Failure.guarded {
            let locations = try global.locations()
            let (desk, _) = try global.signedIn(
                locations, channel: "cli:review", for: .reading, passwords: global.passwords())
            defer { desk.checkpoint() }
            guard let record = desk.state.batches[batch] else {
                throw Failure(.noInput, "no batch \(batch) in this journal")
            }
            let entry = desk.state.queueEntry(record)
            let review = record.review
            var out = StandardOutput()
            if json {
                var o: [String: JSONValue] = [
                    "batch": .string(batch), "status": .string(entry.status.rawValue),
                    "rule_set": review.map { .string($0.ruleSet) } ?? .null,
                    "reviewed_at": record.reviewedAt.map { .string($0.description) } ?? .null,
                    "review_seq": record.reviewSeq.map(JSONValue.int) ?? .null,
                    "quiet_sample": .bool(review?.quietSample ?? false),
                    "exceptions": .array(
                        (review?.exceptions ?? []).map { e in
                            var o = e.json.objectValue ?? [:]
                            o["state"] = .string(desk.state.exceptionState(e, of: batch).word)
                            return .object(o)
                        }),
                    "pending_tests": .int(Int64(entry.pendingTests)),
                ]
                if let reason = review?.quietReason { o["quiet_reason"] = .string(reason) }
                out.write(AuditText.safeJSON(.object(o)) + "\n")
            } else {
                let b = record.batch
                out.write(
                    "\(DisplayText.sanitize(b.id))  \(DisplayText.sanitize(b.product)) at \(DisplayText.sanitize(b.site))  CoI \(DisplayText.sanitize(b.coi ?? "—"))  \(entry.status.label)\n"
                )
                if let review, let at = record.reviewedAt {
                    out.write(
                        "reviewed \(at) by rule set \(review.ruleSet) (seq \(record.reviewSeq ?? 0)): \(review.exceptions.count) exception(s)\n"
                    )
                }
                if let reason = review?.quietReason { out.write("full review: \(DisplayText.sanitize(reason))\n") }
                for e in review?.exceptions ?? [] {
                    let glyph = e.severity == .critical ? "‼" : (e.severity == .major ? "⚠" : "·")
                    out.write(
                        "\n\(glyph) \(e.severity.rawValue.uppercased())  \(DisplayText.sanitize(e.title))\(e.blocking ? "  [blocks release]" : "")\n"
                    )
                    out.write("  id        \(DisplayText.sanitize(e.id))\n")
                    out.write("  state     \(desk.state.exceptionState(e, of: batch).label)\n")
                    out.write("  rule      \(DisplayText.sanitize(e.rule)) v\(e.ruleVersion)\n")
                    out.write("  limit     \(DisplayText.sanitize(e.limit))\n")
                    out.write("  observed  \(DisplayText.sanitize(e.observed))\n")
                    out.write("  source    \(DisplayText.sanitize(e.source))\n")
                    out.write("  why       \(DisplayText.sanitize(e.why))\n")
                }
            }
            out.flush()
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The compiled disposition record of a batch: data, results against limits, exceptions, changes.",
        discussion: "Values changed after first entry are marked ◆ and listed with their history."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The batch id.")
    var batch: String

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(name: .long, help: "text or json.")
    var format: Format = .text

    func run() throws {
        try Failure.guarded {
            let locations = try global.locations()
            let (desk, _) = try global.signedIn(
                locations, channel: "cli:report", for: .reading, passwords: global.passwords(),
                warm: GlobalOptions.showingOpen)
            defer { desk.checkpoint() }
            guard let record = desk.state.batches[batch] else {
                throw Failure(.noInput, "no batch \(batch) in this journal")
            }
            let report = DispositionReport(record: record, state: desk.state)
            var out = StandardOutput()
            switch format {
            case .json: out.write(AuditText.safeJSON(report.json) + "\n")
            case .text:
                out.write(report.text)
                out.write(
                    "\nSHA-256 of this record's canonical JSON (what a certification now would sign): \(Signing.digest(report.json))\n"
                )
            }
            out.flush()
        }
    }
}
