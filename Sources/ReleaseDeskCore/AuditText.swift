import CanonicalJSON

/// Audit-trail records in readable words and in export formats, sanitised for display.
public enum AuditText {
    /// `; corrected RESULT ATTRIBUTE (field old → new, …)` for each result of a QC record that names the
    /// result it replaces (`previous`); empty for records without one.
    static func corrections(_ results: [JSONValue]) -> String {
        var parts: [String] = []
        for result in results {
            guard let previous = result["previous"]?.objectValue else { continue }
            let changed = ["value", "unit", "status", "tested_at"].compactMap { field -> String? in
                let old = previous[field]?.stringValue ?? "—"
                let new = result[field]?.stringValue ?? "—"
                return old == new ? nil : "\(field) \(DisplayText.sanitize(old)) → \(DisplayText.sanitize(new))"
            }
            let name =
                "\(DisplayText.sanitize(result["result_id"]?.stringValue ?? "?")) \(DisplayText.sanitize(result["attribute"]?.stringValue ?? "?"))"
            parts.append("\(name) (\(changed.joined(separator: ", ")))")
        }
        return parts.isEmpty ? "" : "; corrected " + parts.joined(separator: "; ")
    }

    /// One line of plain words saying what the record means. Safe to show: every data value is sanitised.
    public static func summary(_ record: Record) -> String {
        let b = record.body
        func text(_ key: String) -> String { DisplayText.sanitize(b[key]?.stringValue ?? "?") }
        func reason() -> String {
            guard let reason = b["reason"]?.stringValue else { return "" }
            return " — reason: \"\(DisplayText.sanitize(reason))\""
        }
        switch record.kind {
        case RecordKind.journalCreated:
            return "journal created (\(text("format")), id \(text("journal_id")))"
        case RecordKind.tailRepaired:
            return
                "repaired a torn tail: fragment of \(b["length"]?.intValue ?? 0) bytes at offset \(b["offset"]?.intValue ?? 0)"
                + " (sha256 \(text("sha256").prefix(12))…)"
        case RecordKind.userEnrolled:
            let roles = (b["roles"]?.arrayValue ?? []).compactMap(\.stringValue).map { DisplayText.sanitize($0) }
                .joined(separator: ", ")
            return "enrolled \(text("user")) \"\(text("name"))\" as \(roles)\(reason())"
        case RecordKind.userRolesChanged:
            let roles = (b["roles"]?.arrayValue ?? []).compactMap(\.stringValue).map { DisplayText.sanitize($0) }
                .joined(separator: ", ")
            return "roles of \(text("user")) set to \(roles)\(reason())"
        case RecordKind.userLocked:
            return "locked the account \(text("user"))\(reason())"
        case RecordKind.userUnlocked:
            return "unlocked the account \(text("user"))\(reason())"
        case RecordKind.userCredentialChanged:
            return "password of \(text("user")) set\(reason())"
        case RecordKind.signInFailed:
            let cause = b["cause"]?.stringValue.map { " (\(DisplayText.sanitize($0)))" } ?? ""
            return "failed sign-in as \(text("user")) via \(text("channel"))\(cause)"
        case RecordKind.signInSucceeded:
            return
                "signed in as \(text("user")) via \(text("channel")); \(b["failures_cleared"]?.intValue ?? 0) earlier failure(s) cleared"
        case RecordKind.integrityAlarmAcknowledged:
            let witness = IntegrityAcknowledgement.Point(b["witness"])
            let head = IntegrityAcknowledgement.Point(b["head"])
            return
                "acknowledged the integrity alarm at witness seq \(witness?.seq ?? 0) (sha256 \(DisplayText.sanitize(String(witness?.sha256.prefix(12) ?? "?")))…), head seq \(head?.seq ?? 0)"
                + " — finding: \"\(text("finding"))\""
        case "action.refused":
            let claimed = b["claimed_user"]?.stringValue.map { " (claimed user \(DisplayText.sanitize($0)))" } ?? ""
            return "refused \(text("action")) at gate \(text("gate")): \(text("message"))\(claimed)"
        case RecordKind.productSpecified:
            let p = b["product"]?.objectValue ?? [:]
            return
                "specified product \(field(p, "id")) \"\(field(p, "name"))\" (spec \(field(p, "spec_version")))\(importNote(b))"
        case RecordKind.siteRegistered:
            let site = b["site"]?.objectValue ?? [:]
            return
                "registered site \(field(site, "id")) \"\(field(site, "name"))\" (\(field(site, "kind")))\(importNote(b))"
        case RecordKind.batchImported:
            let batch = b["batch"]?.objectValue ?? [:]
            return "imported batch \(field(batch, "id")) of \(field(batch, "product")) from \(field(batch, "site"))"
                + " (\(batch["steps"]?.arrayValue?.count ?? 0) steps, \(batch["qc"]?.arrayValue?.count ?? 0) QC results)"
                + importNote(b)
        case RecordKind.qcResultsRecorded:
            return "recorded \(b["results"]?.arrayValue?.count ?? 0) QC result(s) for \(text("batch"))"
                + corrections(b["results"]?.arrayValue ?? []) + importNote(b)
        case RecordKind.custodyEventsRecorded:
            return
                "recorded \(b["events"]?.arrayValue?.count ?? 0) custody event(s) for \(text("batch"))\(importNote(b))"
        case RecordKind.importCommitted:
            let files = (b["files"]?.arrayValue ?? []).compactMap { $0.objectValue }.map { field($0, "name") }
            return "committed import \(text("import_id").prefix(8))… of \(files.joined(separator: ", "))\(reason())"
        case RecordKind.batchReviewed:
            let exceptions = b["exceptions"]?.arrayValue ?? []
            let rules = exceptions.compactMap { $0.objectValue?["rule"]?.stringValue }.map { DisplayText.sanitize($0) }
            let quiet = b["quiet_sample"]?.boolValue == true ? "; picked for full review" : ""
            return "reviewed \(text("batch")) with \(text("rule_set")): "
                + (exceptions.isEmpty
                    ? "no exception" : "\(exceptions.count) exception(s) (\(rules.joined(separator: ", ")))") + quiet
        case RecordKind.exceptionDispositioned:
            let deviation = b["deviation"]?.stringValue.map { " → \(DisplayText.sanitize($0))" } ?? ""
            let replaces =
                b["supersedes"]?.intValue.map {
                    " (supersedes seq \($0)\(b["superseded_disposition"]?.stringValue.map { ", \(DisplayText.sanitize($0))" } ?? ""))"
                } ?? ""
            return "\(text("disposition")) \(text("exception"))\(deviation)\(replaces)\(signed(record))\(reason())"
        case RecordKind.deviationOpened:
            return
                "opened \(text("classification")) deviation \(text("deviation")) on \(text("batch")): \"\(text("title"))\""
                + "\(signed(record))\(reason())"
        case RecordKind.deviationClassificationApproved:
            return "approved \(text("deviation")) as \(text("classification"))\(signed(record))\(reason())"
        case RecordKind.deviationInvestigationRecorded:
            return
                "recorded the investigation of \(text("deviation")): root cause \"\(text("root_cause"))\"\(signed(record))\(reason())"
        case RecordKind.deviationApproved:
            return "approved and closed \(text("deviation"))\(signed(record))\(reason())"
        case RecordKind.deviationExtensionRequested:
            return "asked to move the due date of \(text("deviation")) to \(text("due"))\(reason())"
        case RecordKind.deviationExtensionApproved:
            return "approved the due date \(text("due")) for \(text("deviation"))\(signed(record))\(reason())"
        case RecordKind.batchCertified:
            let pending = (b["pending_tests"]?.arrayValue ?? []).count
            return
                "CERTIFIED \(text("batch")) for release\(pending > 0 ? " with \(pending) test(s) pending" : "")\(signed(record))\(reason())"
        case RecordKind.batchRejected:
            return "REJECTED \(text("batch"))\(signed(record))\(reason())"
        case RecordKind.batchHeld:
            return "put \(text("batch")) on hold\(signed(record))\(reason())"
        case RecordKind.batchHoldReleased:
            return "released \(text("batch")) from hold\(signed(record))\(reason())"
        case RecordKind.siteSuspended:
            return "SUSPENDED site \(text("site"))\(signed(record))\(reason())"
        case RecordKind.siteReinstated:
            return "reinstated site \(text("site"))\(signed(record))\(reason())"
        case RecordKind.batchCommented:
            return "commented on \(text("batch")): \"\(text("reason"))\""
        case RecordKind.batchAssigned:
            return "assigned \(text("batch")) to \(text("assignee"))"
        case RecordKind.batchUnassigned:
            return "removed the assignment of \(text("batch")) (was \(text("assignee")))"
        case RecordKind.oosSupplyRequested:
            return
                "recorded the request of physician \"\(text("physician"))\" (\(text("reference"))) for OOS supply of \(text("batch"))"
                + "\(signed(record))\(reason())"
        case RecordKind.oosRiskEvaluated:
            return
                "risk evaluation for OOS supply of \(text("batch")) (case #\(b["oos_case"]?.intValue ?? 0)): \"\(text("evaluation"))\""
                + "\(signed(record))\(reason())"
        case RecordKind.oosSupplyAccepted:
            return
                "physician \"\(text("physician"))\" accepted the risk of OOS supply of \(text("batch")) (\(text("reference")); case #\(b["oos_case"]?.intValue ?? 0))"
                + "\(signed(record))\(reason())"
        case RecordKind.oosNotified:
            return
                "notified \(text("recipient")) of OOS supply of \(text("batch")) (\(text("reference")); case #\(b["oos_case"]?.intValue ?? 0))"
                + "\(signed(record))\(reason())"
        case RecordKind.oosSupplied:
            return
                "SUPPLIED \(text("batch")) OUT OF SPECIFICATION at the physician's request (case #\(b["oos_case"]?.intValue ?? 0))"
                + "\(signed(record))\(reason())"
        case RecordKind.auditTrailReviewed:
            let count = b["record_seqs"]?.arrayValue?.count ?? 0
            return
                "reviewed the audit trail of \(text("batch")) through #\(b["through_seq"]?.intValue ?? 0) (\(count) record(s))"
                + "\(signed(record))\(reason())"
        default:
            return compact(b)
        }
    }

    /// The signature manifestation of a record, when it carries one.
    static func signed(_ record: Record) -> String {
        guard let signature = Signature.decode(record.body["signature"]) else { return "" }
        return " — " + signature.manifestation(at: record.at)
    }

    static func field(_ object: [String: JSONValue], _ key: String) -> String {
        DisplayText.sanitize(object[key]?.stringValue ?? "?")
    }

    static func importNote(_ body: [String: JSONValue]) -> String {
        guard let id = body["import_id"]?.stringValue else { return "" }
        return " [import \(DisplayText.sanitize(String(id.prefix(8))))…]"
    }

    /// `key=value` pairs of a body, sorted, sanitised, on one line.
    public static func compact(_ body: [String: JSONValue]) -> String {
        body.keys.sorted().map { key in "\(key)=\(render(body[key]!))" }.joined(separator: " ")
    }

    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "\"" + DisplayText.sanitize(s) + "\""
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
        case .object(let members): return "{" + compact(members) + "}"
        }
    }

    // MARK: - CSV

    /// The header row of the CSV export.
    public static let csvColumns = [
        "seq", "at", "actor", "host", "kind", "batch", "summary", "reason", "signature", "body",
    ]

    /// One CSV row (RFC 4180, CRLF-terminated) for `record`.
    public static func csvRow(_ record: Record) -> String {
        let body = String(decoding: (try? CanonicalJSON.encode(.object(record.body))) ?? [], as: UTF8.self)
        let b = record.body
        let batch = (b["batch_id"] ?? b["batch"])?.stringValue ?? b["batch"]?.objectValue?["id"]?.stringValue ?? ""
        let signature = Signature.decode(b["signature"]).map { $0.manifestation(at: record.at) } ?? ""
        let fields = [
            String(record.seq), record.at.description, record.actor, record.host, record.kind, batch, summary(record),
            b["reason"]?.stringValue ?? "", signature, body,
        ]
        return fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    /// The header row.
    public static var csvHeader: String { csvColumns.map(csvField).joined(separator: ",") + "\r\n" }

    /// One CSV cell: sanitised (line feeds are kept, inside quotes, as RFC 4180 allows: a reason written on
    /// two lines reads back on two lines; every other control character is shown as a placeholder),
    /// neutralised against spreadsheet formulas (a cell whose first character other than spaces is `=`, `+`,
    /// `-`, `@`, tab, CR or their full-width forms gets a `'` in front), and quoted when it holds a comma,
    /// quote or line end.
    ///
    /// Every decision is made on Unicode scalars, never on `Character`s: a combining mark after a comma or
    /// quote would otherwise hide the comma or quote inside one grapheme. And so that readers that split text
    /// into graphemes parse the cell as readers that split it into code points do, a mark that would join a
    /// comma or quote (a combining mark after it, a prepended mark before it) gets a dotted circle U+25CC as
    /// its own base; the same at the start and end of the cell, where the delimiters are.
    public static func csvField(_ raw: String) -> String {
        var scalars: [Unicode.Scalar] = []
        for scalar in DisplayText.sanitize(raw, layout: .multiline).unicodeScalars {
            if let last = scalars.last, isCSVStructural(last) || isCSVStructural(scalar), joins(last, scalar) {
                scalars.append(dottedCircle)
            }
            scalars.append(scalar)
        }
        if let first = scalars.first, joins(",", first) || joins("\"", first) { scalars.insert(dottedCircle, at: 0) }
        if let last = scalars.last, joins(last, ",") || joins(last, "\"") || joins(last, "\r") {
            scalars.append(dottedCircle)
        }
        if let lead = scalars.first(where: { $0 != " " && $0 != "\u{3000}" }), csvFormulaStarts.contains(lead.value) {
            scalars.insert("'", at: 0)
        }
        var text = String.UnicodeScalarView()
        guard scalars.contains(where: isCSVStructural) else {
            text.append(contentsOf: scalars)
            return String(text)
        }
        text.append("\"")
        for scalar in scalars {
            text.append(scalar)
            if scalar == "\"" { text.append("\"") }
        }
        text.append("\"")
        return String(text)
    }

    /// Scalars that start a formula in a spreadsheet: `=`, `+`, `-`, `@`, tab, CR, and the full-width `＝`,
    /// `＋`, `－`, `＠` that some spreadsheets read as the same.
    static let csvFormulaStarts: Set<UInt32> = [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D, 0xFF1D, 0xFF0B, 0xFF0D, 0xFF20]

    /// U+25CC DOTTED CIRCLE, the conventional base for showing a mark on its own.
    static let dottedCircle: Unicode.Scalar = "\u{25CC}"

    /// Whether `scalar` is part of the CSV syntax: comma, quote, line end.
    static func isCSVStructural(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "," || scalar == "\"" || scalar == "\n" || scalar == "\r"
    }

    /// Whether `a` followed by `b` forms one grapheme (the standard library's segmentation decides).
    static func joins(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        var pair = String.UnicodeScalarView()
        pair.append(a)
        pair.append(b)
        return String(pair).count == 1
    }

    // MARK: - JSON Lines

    /// The record as one JSON line that is safe to show in a terminal: the canonical form, except that
    /// DEL, C1 controls, bidirectional and invisible characters are written as `\uXXXX` escapes. A JSON
    /// parser reads the same values; re-encoding them canonically gives back the journal's exact bytes.
    public static func safeJSONLine(_ record: Record) -> String {
        safeJSON(record.jsonValue)
    }

    /// `value` as canonical JSON with hidden characters escaped (see `safeJSONLine`).
    public static func safeJSON(_ value: JSONValue) -> String {
        let canonical = String(decoding: (try? CanonicalJSON.encode(value)) ?? [], as: UTF8.self)
        guard canonical.unicodeScalars.contains(where: DisplayText.isHidden) else { return canonical }
        var out = String.UnicodeScalarView()
        for scalar in canonical.unicodeScalars {
            guard DisplayText.isHidden(scalar) else {
                out.append(scalar)
                continue
            }
            // Control characters below 0x20 are already escaped by the canonical form.
            var units: [UInt16] = []
            units.append(contentsOf: String(scalar).utf16)
            for unit in units {
                var hex = String(unit, radix: 16)
                while hex.count < 4 { hex = "0" + hex }
                out.append(contentsOf: "\\u\(hex)".unicodeScalars)
            }
        }
        return String(out)
    }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement`.
    public func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
