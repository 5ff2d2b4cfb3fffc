import ReleaseDeskCore

/// How a piece of the detail pane is meant to look; the screen maps it to a theme role.
public enum TextStyle: Equatable, Sendable {
    case plain, heading, label, dim, severity(Severity), status(BatchStatus), overdue, soon
}

/// One line of the detail pane, in styled segments. Texts are already sanitised and fit the width.
public struct StyledLine: Equatable, Sendable {
    public var segments: [(style: TextStyle, text: String)]

    public init(_ segments: [(style: TextStyle, text: String)]) { self.segments = segments }

    public static func == (a: StyledLine, b: StyledLine) -> Bool {
        a.segments.count == b.segments.count
            && zip(a.segments, b.segments).allSatisfy { $0.style == $1.style && $0.text == $1.text }
    }
}

extension StyledLine {
    /// A label and its value wrapped under it: the value sanitised, continuation lines indented.
    public static func field(_ label: String, _ value: String, _ style: TextStyle, width: Int, labelWidth: Int)
        -> [StyledLine]
    {
        Wrap.lines(DisplayText.sanitize(value), width: max(1, width - labelWidth)).enumerated().map { i, line in
            let l = i == 0 ? DisplayWidth.pad(label, to: labelWidth) : String(repeating: " ", count: labelWidth)
            return StyledLine([(.label, l), (style, line)])
        }
    }
}

/// The contents of the detail pane: the selected exception with its explanation, then the batch with its
/// clocks. A pure function of the state and the pane's width.
public enum DetailContent {
    public static func lines(_ state: WorkstationState, width: Int) -> [StyledLine] {
        guard let id = state.selectedBatchID, let record = state.desk.batches[id] else {
            return [StyledLine([(.dim, "No batch selected.")])]
        }
        var out: [StyledLine] = []
        func field(_ label: String, _ value: String, _ style: TextStyle = .plain) {
            out += StyledLine.field(label, value, style, width: width, labelWidth: 11)
        }
        var shownDeviation: String?
        if let exception = state.selectedException {
            out.append(
                StyledLine([
                    (.severity(exception.severity), Glyphs.severity(exception.severity)),
                    (
                        .heading,
                        " · " + exception.rule + " v\(exception.ruleVersion)"
                            + (exception.blocking ? " · blocking" : "")
                    ),
                ]))
            for line in Wrap.lines(DisplayText.sanitize(exception.title), width: width) {
                out.append(StyledLine([(.heading, line)]))
            }
            field("Limit", exception.limit)
            field("Observed", exception.observed, .severity(exception.severity))
            field("Source", exception.source)
            field("Why", exception.why)
            field("Exception", exception.id, .dim)
            let exceptionState = state.desk.exceptionState(exception, of: id)
            field("State", exceptionState.label, exceptionState.isResolved ? .dim : .severity(exception.severity))
            if let standing = state.desk.oosStanding(of: exception, in: id) {
                for result in standing.results {
                    let verdict: String
                    if let investigation = standing.investigations[result.id] {
                        verdict =
                            investigation.outcome == .invalidated
                            ? "invalidated by \(investigation.by), \(Clock.format(investigation.at)): \(investigation.cause ?? "")"
                            : "confirmed by \(investigation.by), \(Clock.format(investigation.at)): \(investigation.reason)"
                    } else {
                        verdict = "not investigated yet — releasedesk oos-investigation \(id) \(result.id)"
                    }
                    field(
                        "Result",
                        "\(result.id) \(result.value) \(result.unit), tested \(Clock.format(result.testedAt)): \(verdict)"
                    )
                }
            }
            let history = state.desk.release.dispositions[exception.id] ?? []
            for (i, d) in history.enumerated() {
                let superseded = i < history.count - 1 ? " (superseded)" : ""
                let target = d.deviation.map { " → \($0)" } ?? ""
                field(
                    i == history.count - 1 ? "Decision" : "Earlier",
                    "\(d.kind.rawValue)\(target)\(superseded): \(d.reason)")
                if let signature = d.signature { field("", signature.manifestation(at: d.at), .dim) }
            }
            if history.isEmpty && exception.rule == "OOS" {
                field("Decision", "a laboratory investigation settles it (invalidate or confirm) · D deviation", .soon)
            } else if history.isEmpty {
                field("Decision", "none yet — J justify · T re-test · D deviation", .soon)
            }
            if let id = history.last?.deviation, let deviation = state.desk.release.deviations[id] {
                out.append(StyledLine([]))
                out += deviationLines(deviation, now: state.now, width: width)
                shownDeviation = id
            }
            out.append(StyledLine([]))
        }
        let entry = state.desk.queueEntry(record)
        let batch = record.batch
        out.append(StyledLine([(.heading, "Batch " + DisplayText.sanitize(batch.id))]))
        field("Status", Glyphs.status(entry.status), .status(entry.status))
        field("Assigned", entry.assignee ?? "nobody — :assign USER", entry.assignee == nil ? .dim : .plain)
        if let reason = entry.quietReason, entry.status == .fullReview { field("Sampled", reason) }
        let product = state.desk.products[batch.product]?.name ?? batch.product
        field("Product", batch.product + " · " + product)
        let site = state.desk.sites[batch.site]
        field("Site", batch.site + (site.map { " · \($0.name) (\($0.kind))" } ?? ""))
        if let suspension = state.desk.release.suspension(of: batch.site) {
            // Why certification is closed for every batch of the site, and by whom (gate `site-suspended`).
            field(
                "Suspended",
                "by \(suspension.by) at \(Clock.format(suspension.at)) (#\(suspension.seq)): \(suspension.reason)")
        }
        if let coi = batch.coi { field("CoI code", coi) }
        if let weight = batch.patientWeightKg { field("Weight", "\(weight) kg") }
        if let hours = entry.hoursSinceApheresis(at: state.now) {
            field("Apheresis", Clock.format(batch.apheresisAt!) + " (" + Clock.duration(hours: hours) + " ago)")
        }
        if let infusion = batch.plannedInfusion {
            let left = (infusion.millisecondsSinceEpoch - state.now.millisecondsSinceEpoch) / 3_600_000
            field(
                "Infusion", Clock.format(infusion) + " (" + Clock.relative(hours: left) + ")", Clock.style(hours: left))
        }
        let shelf = entry.shelfLifeHours(at: state.now)
        field(
            "Expiry", Clock.format(batch.expiry) + " (" + Clock.relative(hours: shelf) + ")", Clock.style(hours: shelf))
        if let forecast = ReleaseForecast.forecast(state.desk, batch: batch.id, now: state.now),
            !forecast.tests.isEmpty || forecast.isAtRisk
        {
            for (i, line) in forecastLines(forecast, now: state.now).enumerated() {
                field(i == 0 ? "Forecast" : "", line.text, line.style)
            }
        }
        field(
            "Open",
            "\(entry.open.values.reduce(0, +)) exception(s) to disposition, \(entry.pendingTests) pending test(s)")
        let retests = (record.review?.exceptions ?? []).filter {
            state.desk.exceptionState($0, of: id) == .retestRequested
        }
        if !retests.isEmpty { field("Re-tests", "pending for " + retests.map(\.rule).joined(separator: ", "), .soon) }
        if let full = state.desk.release.fullReviews[batch.id] {
            field("Full review", "\(full.by), \(Clock.format(full.at)): \(full.reason)")
            if let signature = full.signature { field("", signature.manifestation(at: full.at), .dim) }
        }
        if let decision = state.desk.release.decisions[batch.id] {
            field("Decision", "\(decision.kind.rawValue) — \(decision.reason)", .status(entry.status))
            if let signature = decision.signature { field("", signature.manifestation(at: decision.at), .dim) }
        }
        if let hold = state.desk.release.holds[batch.id] {
            field("On hold", "\(hold.by), \(Clock.format(hold.at)): \(hold.reason)", .status(.onHold))
        }
        if let reviewed = record.reviewedAt {
            field("Reviewed", Clock.format(reviewed) + (record.needsReview ? " · new data since" : ""))
        }
        if !batch.deviations.isEmpty {
            out.append(StyledLine([]))
            out.append(StyledLine([(.heading, "Deviations reported by the site")]))
            for deviation in batch.deviations {
                field(
                    deviation.id, Glyphs.severity(deviation.severity) + " · " + deviation.description,
                    .severity(deviation.severity))
            }
        }
        out += qcLines(record, product: state.desk.products[batch.product], width: width)
        for deviation in state.desk.release.deviations(of: batch.id) where deviation.id != shownDeviation {
            out.append(StyledLine([]))
            out += deviationLines(deviation, now: state.now, width: width)
        }
        if !record.changes.isEmpty {
            out.append(StyledLine([]))
            out.append(StyledLine([(.heading, "Values changed after first entry")]))
            for change in record.changes {
                field(change.field, "\(change.old) → \(change.new) by \(change.actor), \(Clock.format(change.at))")
            }
        }
        return out
    }

    /// A batch's QC results as recorded: attribute, value and unit, the limit and whether it is met, status,
    /// test time, and each correction with who made it and why.
    static func qcLines(_ record: BatchRecord, product: Product?, width: Int) -> [StyledLine] {
        let results = record.batch.qc
        guard !results.isEmpty else { return [] }
        var out: [StyledLine] = [StyledLine([]), StyledLine([(.heading, "QC results")])]
        for result in results {
            let attribute = product?.attribute(result.attribute)
            let pending = result.status == "pending"
            let meets = pending ? nil : attribute.map { $0.limit.isMet(by: result) }
            let verdict =
                meets.map { $0 ? "✔ meets" : "✘ out of specification" } ?? (pending ? "… pending" : "? no limit")
            let corrections = record.corrections(of: result)
            let unit = result.unit.isEmpty ? "" : " " + result.unit
            let limitUnit = (attribute?.unit).map { $0.isEmpty ? "" : " " + $0 } ?? ""
            var text =
                "\(pending ? "pending" : result.value + unit) · limit \(attribute.map { $0.limit.description + limitUnit } ?? "—")"
            text += " · \(verdict) · \(result.status) · tested \(Clock.format(result.testedAt))"
            if !corrections.isEmpty { text += " · ◆ corrected" }
            let style: TextStyle = meets == false ? .severity(.major) : pending ? .soon : .plain
            out += StyledLine.field(DisplayText.sanitize(result.attribute), text, style, width: width, labelWidth: 14)
            for change in corrections {
                let why = change.reason.map { ": \($0)" } ?? ""
                out += StyledLine.field(
                    "",
                    "◆ \(record.fieldName(change, of: result)) \(change.old) → \(change.new) by \(change.actor), \(Clock.format(change.at))\(why)",
                    .dim, width: width, labelWidth: 14)
            }
        }
        return out
    }

    /// The release forecast of a batch: its standing against the planned infusion, then each pending test with
    /// its expected result time.
    public static func forecastLines(_ f: ReleaseForecast, now: Timestamp) -> [(text: String, style: TextStyle)] {
        var out: [(text: String, style: TextStyle)] = []
        let earliest = f.earliestCertification.map { "earliest certification " + Clock.format($0) } ?? ""
        let lower = f.manufactureEnded ? "" : " (manufacture not ended: not before)"
        let slack = f.slackHours.map { h in
            h >= 0
                ? Clock.duration(hours: h) + " before the infusion" : Clock.duration(hours: h) + " after the infusion"
        }
        switch f.standing {
        case .atRisk:
            out.append(
                (
                    "◷ at risk · \(earliest)\(lower), \(slack ?? ""); margin \(ReleaseForecast.marginHours) h",
                    .overdue
                ))
        case .onTrack:
            out.append(("on track · \(earliest)\(lower), \(slack ?? "")", .plain))
        case .unknown:
            let names = f.unknownTests.map(\.attribute).joined(separator: ", ")
            out.append(("unknown · no turnaround in the master data for \(names)", .dim))
        case .noInfusion:
            out.append(("\(earliest)\(lower) · no infusion planned", .plain))
        }
        for test in f.tests {
            var text = "⧗ \(test.attribute) (\(test.method)) registered \(Clock.format(test.registeredAt))"
            if let expected = test.expectedAt {
                text += ", expected \(Clock.format(expected))" + (test.isLate(at: now) ? " · late" : "")
            } else {
                text += ", turnaround unknown"
            }
            if test.mayFollowRelease { text += " · may follow release" }
            out.append((text, test.isLate(at: now) ? .soon : .plain))
        }
        return out
    }

    /// A deviation's content: classification and stage, due date, description, investigation (root cause,
    /// impact, CAPA or the rationale for none, effectiveness check) and every step with its signature.
    static func deviationLines(_ deviation: Deviation, now: Timestamp, width: Int) -> [StyledLine] {
        var out: [StyledLine] = []
        func field(_ label: String, _ value: String, _ style: TextStyle = .plain) {
            out += StyledLine.field(label, value, style, width: width, labelWidth: 14)
        }
        let heading = "Deviation \(deviation.id) · \(deviation.classification.rawValue) · \(deviation.stage.rawValue)"
        for line in Wrap.lines(DisplayText.sanitize(heading), width: width) {
            out.append(StyledLine([(.heading, line)]))
        }
        field("Title", deviation.title)
        field("Stage", deviation.stage.rawValue)
        if deviation.isOpen {
            let left = (deviation.due.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 3_600_000
            field(
                "Due", Clock.format(deviation.due) + " (" + Clock.relative(hours: left) + ")", Clock.style(hours: left))
        } else {
            field("Due", Clock.format(deviation.due))
        }
        if let requested = deviation.requestedDue {
            field("Extension", "requested to " + Clock.format(requested), .soon)
        }
        field("Description", deviation.description)
        field("Root cause", deviation.rootCause ?? "— not investigated yet", deviation.rootCause == nil ? .dim : .plain)
        if let impact = deviation.impact { field("Impact", impact) }
        if !deviation.capa.isEmpty {
            field("CAPA", deviation.capa.joined(separator: ", "))
        } else if let rationale = deviation.capaRationale {
            field("CAPA", "none: " + rationale)
        }
        if let check = deviation.effectivenessCheck { field("Effectiveness", check) }
        for event in deviation.history {
            let step = event.kind.split(separator: ".").last.map(String.init) ?? event.kind
            field(
                String(step.prefix(13)),
                "\(event.by), \(Clock.format(event.at))\(event.reason.isEmpty ? "" : ": \(event.reason)")")
            if let signature = event.signature { field("", signature.manifestation(at: event.at), .dim) }
        }
        return out
    }

    /// The largest useful scroll offset of the detail pane.
    public static func maxOffset(_ state: WorkstationState) -> Int {
        guard let rect = state.layout.panes[.detail] else { return 0 }
        return max(0, lines(state, width: rect.innerWidth).count - rect.innerHeight)
    }
}

/// Glyph-and-word labels, so colour never carries meaning alone.
public enum Glyphs {
    public static func severity(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "‼ critical"
        case .major: return "⚠ major"
        case .minor: return "• minor"
        }
    }

    public static func severityGlyph(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "‼"
        case .major: return "⚠"
        case .minor: return "•"
        }
    }

    public static func status(_ status: BatchStatus) -> String { status.label }

    /// Glyph and a short word, for narrow columns.
    public static func shortStatus(_ status: BatchStatus) -> String {
        switch status {
        case .flagged: return "⚑ flagged"
        case .fullReview: return "◎ sample"
        case .resultsPending: return "⧗ results"
        case .deviationOpen: return "⚠ deviation"
        case .oosConfirmed: return "✘ OOS conf."
        case .readyForQP: return "✔ ready"
        case .awaitingReview: return "… review"
        case .inManufacture: return "⚙ making"
        case .infused: return "✓ infused"
        case .released: return "✔ released"
        case .releasedPending: return "⚑ rel+pend"
        case .escalated: return "‼ escalated"
        case .suppliedOOS: return "⚠ OOS supply"
        case .rejected: return "✘ rejected"
        case .onHold: return "⏸ on hold"
        case .siteSuspended: return "⊘ suspend"
        }
    }
}

/// Times and durations as the panes show them.
public enum Clock {
    /// `2026-11-21 14:02Z`.
    public static func format(_ t: Timestamp) -> String {
        let c = t.civil
        return "\(c.year)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))Z"
    }

    /// `14:02:11Z` when on the day of `now`, else `2026-11-20 14:02Z`.
    public static func compact(_ t: Timestamp, now: Timestamp) -> String {
        let c = t.civil
        let n = now.civil
        if c.year == n.year && c.month == n.month && c.day == n.day {
            return "\(two(c.hour)):\(two(c.minute)):\(two(c.second))Z"
        }
        return format(t)
    }

    /// `3 d 4 h`, `19 h`.
    public static func duration(hours: Int64) -> String {
        let h = abs(hours)
        return h >= 48 ? "\(h / 24) d \(h % 24) h" : "\(h) h"
    }

    /// `in 3 d 4 h` or `overdue by 5 h`.
    public static func relative(hours: Int64) -> String {
        hours >= 0 ? "in " + duration(hours: hours) : duration(hours: hours) + " ago"
    }

    /// Short form for a table cell: `+3d`, `19h`, `-5h`.
    public static func cell(hours: Int64) -> String {
        let h = abs(hours)
        let body = h >= 48 ? "\(h / 24)d" : "\(h)h"
        return hours < 0 ? "-" + body : body
    }

    static func style(hours: Int64) -> TextStyle {
        hours < 0 ? .overdue : hours < 48 ? .soon : .plain
    }

    static func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

/// Word wrapping by display columns.
public enum Wrap {
    public static func lines(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var out: [String] = []
        var line = ""
        var used = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            var w = DisplayWidth.of(word)
            if used > 0 && used + 1 + w > width {
                out.append(line)
                line = ""
                used = 0
            }
            while w > width {
                // A word longer than the line: cut it by columns.
                var head = ""
                var headWidth = 0
                var rest = Substring(word)
                while let ch = rest.first, headWidth + DisplayWidth.of(String(ch)) <= width - used - (used > 0 ? 1 : 0)
                {
                    head.append(ch)
                    headWidth += DisplayWidth.of(String(ch))
                    rest = rest.dropFirst()
                }
                if head.isEmpty && used == 0 { head = String(rest.removeFirst()) }
                out.append(used > 0 ? line + " " + head : head)
                line = ""
                used = 0
                word = String(rest)
                w = DisplayWidth.of(word)
            }
            if used > 0 {
                line += " " + word
                used += 1 + w
            } else {
                line = word
                used = w
            }
        }
        if !line.isEmpty || out.isEmpty { out.append(line) }
        return out
    }
}
