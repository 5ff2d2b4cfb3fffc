/// The review-by-exception engine: checks a batch record against its product's specification and its
/// site's quality agreement and returns explained exceptions. Pure: the time is passed in.
public enum ReviewEngine {
    /// The version of the rule set as a whole; every `batch.reviewed` record names it.
    public static let ruleSet = "RB-1"

    /// Everything a review needs besides the batch.
    public struct Context: Sendable {
        public var product: Product
        public var site: Site
        /// For each trended attribute: its values in up to 20 earlier batches of the same product and site,
        /// oldest first (batches without a numeric final result left out).
        public var history: [String: [Double]]
        /// The time of the review.
        public var now: Timestamp
        /// Share of exception-free batches sent to full review anyway, per thousand.
        public var quietPerMille: Int
        /// QC results a signed laboratory investigation invalidated: they stay in the record (and in the OOS
        /// exception, marked), but no longer count as the attribute's result.
        public var invalidatedResults: Set<String>
        /// When the batch was certified (or supplied at a physician's request) in this journal, if it was.
        public var certifiedAt: Timestamp?

        public init(
            product: Product, site: Site, history: [String: [Double]], now: Timestamp, quietPerMille: Int = 100,
            invalidatedResults: Set<String> = [], certifiedAt: Timestamp? = nil
        ) {
            self.product = product
            self.site = site
            self.history = history
            self.now = now
            self.quietPerMille = quietPerMille
            self.invalidatedResults = invalidatedResults
            self.certifiedAt = certifiedAt
        }

        /// A context whose trend history comes from `earlier` batches of the same product and site, oldest first.
        public init(product: Product, site: Site, earlier: [Batch], now: Timestamp, quietPerMille: Int = 100) {
            var history: [String: [Double]] = [:]
            for attribute in product.attributes where attribute.trended {
                history[attribute.id] = earlier.suffix(20).compactMap { ReviewEngine.latestValue($0, attribute.id) }
            }
            self.init(product: product, site: site, history: history, now: now, quietPerMille: quietPerMille)
        }
    }

    /// Reviews `batch`.
    public static func review(_ batch: Batch, in context: Context) -> Review {
        var found: [ReviewException] = []
        let latest = latestFinalResults(batch, excluding: context.invalidatedResults)
        found += outOfSpecification(batch, context)
        found += dose(batch, latest, context)
        found += processParameters(batch, context)
        found += outOfTrend(batch, latest, context)
        found += batchRecord(batch)
        found += chainOfIdentity(batch)
        found += chainOfCustody(batch, context)
        found += environment(batch)
        found += pendingTests(batch, context)
        found += expiry(batch, context)
        found += lateDeviations(batch, context)
        found += infusedBeforeCertification(batch, context)
        var quiet = false
        var reason: String? = nil
        if found.isEmpty, context.quietPerMille > 0,
            stableHash(batch.id + "|" + ruleSet) % 1000 < UInt64(context.quietPerMille)
        {
            quiet = true
            reason =
                "no exception, but chosen for full review: \(context.quietPerMille / 10)% of quiet batches are reviewed in "
                + "full so the rules themselves stay checked (chosen by batch id and rule set \(ruleSet), so every replay agrees)"
        }
        return Review(ruleSet: ruleSet, exceptions: found, quietSample: quiet, quietReason: reason)
    }

    static func exceptionID(_ batch: Batch, _ rule: String, _ subject: String) -> String {
        exceptionID(batch.id, rule, subject)
    }

    /// The stable id of the exception `rule` raises on `subject` of batch `batchID`.
    public static func exceptionID(_ batchID: String, _ rule: String, _ subject: String) -> String {
        "EXC-\(batchID)-\(rule)-\(subject)"
    }

    static func unit(_ q: String, _ unit: String) -> String {
        unit.isEmpty ? q : (unit == "%" ? "\(q) %" : "\(q) \(unit)")
    }

    // MARK: - OOS

    /// One exception per attribute with any final result outside its limit. Every such result counts, not only
    /// the latest: a later passing result under a new result id never clears an earlier OOS (no testing into
    /// compliance); only a signed laboratory investigation that invalidates it does, and even then the result
    /// stays listed here, marked.
    static func outOfSpecification(_ batch: Batch, _ context: Context) -> [ReviewException] {
        var failing: [String: [QCResult]] = [:]
        var order: [String] = []
        for result in batch.qc where result.status == "final" {
            guard let attribute = context.product.attribute(result.attribute), !attribute.limit.isMet(by: result) else {
                continue
            }
            if failing[attribute.id] == nil { order.append(attribute.id) }
            failing[attribute.id, default: []].append(result)
        }
        var out: [ReviewException] = []
        for id in order.sorted() {
            guard let attribute = context.product.attribute(id) else { continue }
            let results = failing[id]!.sorted { $0.testedAt != $1.testedAt ? $0.testedAt < $1.testedAt : $0.id < $1.id }
            let standing = results.filter { !context.invalidatedResults.contains($0.id) }
            let shown = standing.last ?? results.last!
            let observed = unit(shown.value, shown.unit)
            let limit =
                attribute.limit.isNumeric
                ? unit(attribute.limit.description, attribute.unit) : attribute.limit.description
            let listed = results.map { r in
                "QC result \(r.id) \(unit(r.value, r.unit)) (\(attribute.method)), tested \(r.testedAt)"
                    + (context.invalidatedResults.contains(r.id) ? " — invalidated" : "")
            }
            let critical = attribute.oosSeverity == .critical
            let title =
                standing.isEmpty
                ? "OOS \(attribute.name) \(observed), limit \(limit) — invalidated"
                : "OOS \(attribute.name) \(observed), limit \(limit)"
            out.append(
                ReviewException(
                    id: exceptionID(batch, "OOS", attribute.id), rule: "OOS", ruleVersion: 2,
                    severity: attribute.oosSeverity,
                    title: title, limit: limit, observed: observed, source: listed.joined(separator: "; "),
                    why: "The release attribute \(attribute.name) is outside the registered specification "
                        + "\(context.product.specVersion); the batch may not be released as it stands. An OOS result is "
                        + "resolved only by a laboratory investigation signed by QA (invalidated with an assignable laboratory "
                        + "cause, or confirmed), never justified as no impact.",
                    blocking: critical))
        }
        return out
    }

    /// The last final result per attribute that an investigation did not invalidate.
    static func latestFinalResults(_ batch: Batch, excluding invalidated: Set<String> = []) -> [QCResult] {
        // A batch has a few results: a linear search beats hashing every attribute's name.
        var latest: [QCResult] = []
        for result in batch.qc
        where result.status == "final" && (invalidated.isEmpty || !invalidated.contains(result.id)) {
            if let i = latest.firstIndex(where: { $0.attribute == result.attribute }) {
                if latest[i].testedAt > result.testedAt { continue }
                latest[i] = result
            } else {
                latest.append(result)
            }
        }
        latest.sort { $0.attribute < $1.attribute }
        return latest
    }

    // MARK: - Dose

    static func dose(_ batch: Batch, _ latest: [QCResult], _ context: Context) -> [ReviewException] {
        guard let rule = context.product.dose,
            let result = latest.first(where: { $0.attribute == rule.attribute }),
            let total = result.quantity
        else { return [] }
        let id = exceptionID(batch, "DOSE", rule.attribute)
        guard let weight = batch.patientWeightKg else {
            return [
                ReviewException(
                    id: id, rule: "DOSE", ruleVersion: 1, severity: .major,
                    title: "dose cannot be checked: no patient weight",
                    limit: "weight-based below \(rule.weightThresholdKg.text) kg", observed: "weight missing",
                    source: "batch record \(batch.id)",
                    why:
                        "The dose is weight-based up to \(rule.weightThresholdKg.text) kg; without the weight the dose "
                        + "cannot be shown to be within the label range.", blocking: false)
            ]
        }
        let perKg = weight.value <= rule.weightThresholdKg.value
        let value = perKg ? total.value / weight.value : total.value
        let low = perKg ? rule.perKgMin : rule.flatMin
        let high = perKg ? rule.perKgMax : rule.flatMax
        guard value < low.value || value > high.value else { return [] }
        let shown =
            perKg ? "\(scientific(value)) cells/kg (\(total.text) cells, \(weight.text) kg)" : "\(total.text) cells"
        let limit = perKg ? "\(low.text)–\(high.text) cells/kg" : "\(low.text)–\(high.text) cells (flat)"
        return [
            ReviewException(
                id: id, rule: "DOSE", ruleVersion: 1, severity: .major, title: "dose outside range: \(shown)",
                limit: limit,
                observed: shown, source: "QC result \(result.id), patient weight \(weight.text) kg",
                why: "The dose for this patient's weight is outside the labelled range; infusing it needs a documented "
                    + "decision.", blocking: false)
        ]
    }

    static func scientific(_ value: Double) -> String {
        guard value > 0 else { return "0" }
        var exponent = 0
        var mantissa = value
        while mantissa >= 10 {
            mantissa /= 10
            exponent += 1
        }
        while mantissa < 1 {
            mantissa *= 10
            exponent -= 1
        }
        return "\(Quantity(mantissa, decimals: 2).text)e\(exponent)"
    }

    // MARK: - CPP

    static func processParameters(_ batch: Batch, _ context: Context) -> [ReviewException] {
        var out: [ReviewException] = []
        for (index, reading) in batch.readings.enumerated() {
            guard let parameter = context.product.parameters.first(where: { $0.id == reading.parameter }) else {
                continue
            }
            guard reading.value < parameter.low || reading.value > parameter.high else { continue }
            let observed = unit(reading.value.text, reading.unit)
            let limit = unit("\(parameter.low.text)–\(parameter.high.text)", parameter.unit)
            out.append(
                ReviewException(
                    id: exceptionID(batch, "CPP", "\(parameter.id)-\(index + 1)"), rule: "CPP", ruleVersion: 1,
                    severity: .major, title: "CPP \(parameter.name) \(observed) outside \(limit)", limit: limit,
                    observed: observed, source: "batch record reading at \(reading.at)",
                    why: "A critical process parameter left its validated range; product quality may be affected.",
                    blocking: false))
        }
        return out
    }

    // MARK: - OOT

    /// The value of the last final result for `attribute` in `batch`, when it is a number.
    static func latestValue(_ batch: Batch, _ attribute: String) -> Double? {
        var best: QCResult? = nil
        for result in batch.qc where result.attribute == attribute && result.status == "final" {
            if let current = best, current.testedAt > result.testedAt { continue }
            best = result
        }
        return best?.quantity?.value
    }

    static func outOfTrend(_ batch: Batch, _ latest: [QCResult], _ context: Context) -> [ReviewException] {
        var out: [ReviewException] = []
        for result in latest {
            guard let attribute = context.product.attribute(result.attribute), attribute.trended,
                let x = result.quantity?.value
            else { continue }
            // The trend rule never calls an OOS value "within specification".
            let inSpecification = attribute.limit.isMet(by: result)
            let standing =
                inSpecification
                ? "Within specification but unusual"
                : "Outside the specification (see the OOS exception) and also unusual"
            let history = context.history[attribute.id] ?? []
            guard history.count >= 8 else { continue }
            let mean = history.reduce(0, +) / Double(history.count)
            let variance = history.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(history.count - 1)
            let sd = variance.squareRoot()
            let observed = unit(result.value, result.unit)
            let meanText = Quantity(mean, decimals: 2).text
            if sd > 0, abs(x - mean) > 3 * sd {
                let band = "\(Quantity(mean - 3 * sd, decimals: 2).text)–\(Quantity(mean + 3 * sd, decimals: 2).text)"
                out.append(
                    ReviewException(
                        id: exceptionID(batch, "OOT", attribute.id), rule: "OOT", ruleVersion: 1, severity: .minor,
                        title: "OOT \(attribute.name) \(observed) beyond mean ± 3σ", limit: unit(band, attribute.unit),
                        observed: observed,
                        source: "QC result \(result.id) against the previous \(history.count) batches of "
                            + "\(context.product.id) at \(context.site.id) (mean \(meanText))",
                        why:
                            "\(standing) against this product's history at this site: a process shift may be starting.",
                        blocking: false))
                continue
            }
            let lastEight = Array(history.suffix(8))
            if lastEight.count == 8 {
                let run = lastEight + [x]
                if run.allSatisfy({ $0 > mean }) || run.allSatisfy({ $0 < mean }) {
                    let side = x > mean ? "above" : "below"
                    out.append(
                        ReviewException(
                            id: exceptionID(batch, "OOT", "\(attribute.id)-run"), rule: "OOT", ruleVersion: 1,
                            severity: .minor, title: "OOT \(attribute.name): nine results in a row \(side) the mean",
                            limit: "no run of 9 on one side of the mean \(unit(meanText, attribute.unit))",
                            observed: "this and the 8 previous batches \(side) the mean",
                            source: "QC result \(result.id) against the previous \(history.count) batches",
                            why: inSpecification
                                ? "A run of nine on one side of the mean signals a shift even though each value is within "
                                    + "specification."
                                : "A run of nine on one side of the mean signals a shift; this value is outside the "
                                    + "specification as well (see the OOS exception).", blocking: false))
                }
            }
        }
        return out
    }

    // MARK: - Batch record

    static func batchRecord(_ batch: Batch) -> [ReviewException] {
        var out: [ReviewException] = []
        for step in batch.steps {
            for entry in step.entries where entry.value == nil {
                out.append(
                    ReviewException(
                        id: exceptionID(
                            batch, "RECORD", "\(step.id)-\(entry.field.filter { $0.isLetter || $0.isNumber })"),
                        rule: "RECORD", ruleVersion: 1, severity: .minor,
                        title: "missing entry: \(step.name) — \(entry.field)", limit: "every field completed",
                        observed: "empty", source: "batch record step \(step.id)",
                        why: "A required entry of the executed batch record is blank (ALCOA+: complete).",
                        blocking: false))
            }
            if step.performedBy == nil {
                out.append(
                    ReviewException(
                        id: exceptionID(batch, "RECORD", "\(step.id)-signature"), rule: "RECORD", ruleVersion: 1,
                        severity: .minor, title: "missing signature: \(step.name)", limit: "performer's signature",
                        observed: "unsigned", source: "batch record step \(step.id)",
                        why: "The step is not attributable to the person who performed it.", blocking: false))
            }
            if step.requiresVerification {
                if step.verifiedBy == nil {
                    out.append(
                        ReviewException(
                            id: exceptionID(batch, "RECORD", "\(step.id)-verification"), rule: "RECORD", ruleVersion: 1,
                            severity: .minor, title: "missing second signature: \(step.name)",
                            limit: "verification by a second person", observed: "not verified",
                            source: "batch record step \(step.id)",
                            why: "This critical step needs an independent verifier's signature.", blocking: false))
                } else if step.verifiedBy == step.performedBy {
                    out.append(
                        ReviewException(
                            id: exceptionID(batch, "RECORD", "\(step.id)-verification"), rule: "RECORD", ruleVersion: 1,
                            severity: .major, title: "self-verification: \(step.name)",
                            limit: "verifier differs from performer", observed: "both \(step.verifiedBy!)",
                            source: "batch record step \(step.id)",
                            why: "The same person performed and verified a critical step: no independent check.",
                            blocking: false))
                }
            }
        }
        return out
    }

    // MARK: - Chain of identity

    static func chainOfIdentity(_ batch: Batch) -> [ReviewException] {
        guard let coi = batch.coi else { return [] }
        var out: [ReviewException] = []
        var seen: Set<String> = []
        let labelled = batch.labels.map { ($0.item, $0.coi, "label check") }
        let custody = batch.custody.compactMap { event in
            event.coi.map { ("custody \(event.event)", $0, "custody event \(event.id)") }
        }
        for (item, code, source) in labelled + custody where code != coi {
            let subject = item.filter { $0.isLetter || $0.isNumber }
            guard seen.insert(subject).inserted else { continue }
            out.append(
                ReviewException(
                    id: exceptionID(batch, "COI", subject), rule: "COI", ruleVersion: 1, severity: .critical,
                    title: "chain-of-identity mismatch on \(item)", limit: coi, observed: code, source: source,
                    why:
                        "The patient identifier on \(item) differs from the batch's: the product could reach the wrong "
                        + "patient. Release is blocked until identity is verified.", blocking: true))
        }
        return out
    }

    // MARK: - Chain of custody

    static func chainOfCustody(_ batch: Batch, _ context: Context) -> [ReviewException] {
        var out: [ReviewException] = []
        let events = batch.custody.sorted { $0.at < $1.at }
        var inTransit = false
        var previous: CustodyEvent? = nil
        for event in events {
            if let previous, inTransit {
                let minutes = (event.at.millisecondsSinceEpoch - previous.at.millisecondsSinceEpoch) / 60_000
                if minutes > context.site.maxCustodyGapMinutes {
                    out.append(
                        ReviewException(
                            id: exceptionID(batch, "COC", "gap-\(event.id)"), rule: "COC", ruleVersion: 1,
                            severity: .major,
                            title: "custody gap of \(minutes) min in transit",
                            limit: "≤ \(context.site.maxCustodyGapMinutes) min",
                            observed: "\(minutes) min between \(previous.id) and \(event.id)",
                            source: "custody events \(previous.id) → \(event.id)",
                            why:
                                "Nobody can account for the material's condition during the gap (quality agreement with "
                                + "\(context.site.id)).", blocking: false))
                }
            }
            switch event.event {
            case "shipped": inTransit = true
            case "received", "infused": inTransit = false
            default: break
            }
            previous = event
            let afterManufacture = batch.manufactureEnd.map { event.at >= $0 } ?? false
            if afterManufacture, let t = event.temperatureC {
                if let high = context.product.storageMaxC, t > high {
                    out.append(temperature(batch, event, "above \(high.text) °C", t))
                } else if let low = context.product.storageMinC, t < low {
                    out.append(temperature(batch, event, "below \(low.text) °C", t))
                }
            }
        }
        return out
    }

    static func temperature(_ batch: Batch, _ event: CustodyEvent, _ bound: String, _ t: Quantity) -> ReviewException {
        ReviewException(
            id: exceptionID(batch, "COC", "temp-\(event.id)"), rule: "COC", ruleVersion: 1, severity: .major,
            title: "temperature excursion \(t.text) °C (\(event.event))", limit: "not \(bound)",
            observed: "\(t.text) °C",
            source: "custody event \(event.id) at \(event.location), \(event.at)",
            why: "The final product left its storage temperature; stability may be affected.", blocking: false)
    }

    // MARK: - Environmental monitoring

    static func environment(_ batch: Batch) -> [ReviewException] {
        var out: [ReviewException] = []
        for result in batch.environment where result.cfu > result.alertLimit {
            let action = result.cfu > result.actionLimit
            let critical = (result.grade == "A" || result.grade == "B") && result.openStep
            let severity: Severity = action && critical ? .major : .minor
            let level = action ? "action" : "alert"
            let limit =
                "≤ \(action ? result.actionLimit : result.alertLimit) CFU (\(level) limit, grade \(result.grade))"
            out.append(
                ReviewException(
                    id: exceptionID(batch, "EM", result.id), rule: "EM", ruleVersion: 1, severity: severity,
                    title: "EM \(level) excursion grade \(result.grade) \(result.sample): \(result.cfu) CFU",
                    limit: limit,
                    observed: "\(result.cfu) CFU at \(result.location)",
                    source: "EM sample \(result.id), \(result.at)\(result.openStep ? ", product open" : "")",
                    why: critical
                        ? "Microbial contamination near open product in a grade \(result.grade) area may compromise sterility."
                        : "Above the \(level) limit; trend and investigate per EM programme.", blocking: false))
        }
        return out
    }

    // MARK: - Pending tests

    static func pendingTests(_ batch: Batch, _ context: Context) -> [ReviewException] {
        let done = batch.qc.filter { $0.status == "final" }.map(\.attribute)
        return context.product.attributes.filter { $0.releaseCritical && !done.contains($0.id) }.map { attribute in
            ReviewException(
                id: exceptionID(batch, "PENDING", attribute.id), rule: "PENDING", ruleVersion: 1,
                severity: attribute.mayFollowRelease ? .minor : .major,
                title: "pending: \(attribute.name)\(attribute.mayFollowRelease ? " (may follow release)" : "")",
                limit: "result required\(attribute.mayFollowRelease ? " (may follow release)" : " before release")",
                observed: "no final result", source: "specification \(context.product.specVersion)",
                why: attribute.mayFollowRelease
                    ? "Release may precede this result only as a staged certification, tracked until it arrives."
                    : "Release needs this result.", blocking: false)
        }
    }

    // MARK: - Expiry

    static func expiry(_ batch: Batch, _ context: Context) -> [ReviewException] {
        if batch.expiry <= context.now {
            return [
                ReviewException(
                    id: exceptionID(batch, "EXPIRY", "expired"), rule: "EXPIRY", ruleVersion: 1, severity: .critical,
                    title: "expired on \(batch.expiry)", limit: "not expired", observed: "expiry \(batch.expiry)",
                    source: "batch record \(batch.id)", why: "An expired batch may not be released.", blocking: true)
            ]
        }
        if let infusion = batch.plannedInfusion, infusion > batch.expiry {
            return [
                ReviewException(
                    id: exceptionID(batch, "EXPIRY", "before-infusion"), rule: "EXPIRY", ruleVersion: 1,
                    severity: .critical,
                    title: "expires before the planned infusion", limit: "expiry after \(infusion)",
                    observed: "expiry \(batch.expiry)", source: "batch record \(batch.id)",
                    why: "The product would be expired when the patient is due to receive it.", blocking: true)
            ]
        }
        return []
    }

    // MARK: - Late deviations

    static func lateDeviations(_ batch: Batch, _ context: Context) -> [ReviewException] {
        batch.deviations.compactMap { deviation in
            guard let allowed = context.site.notifyHours[deviation.severity] else { return nil }
            let hours =
                (deviation.reportedAt.millisecondsSinceEpoch - deviation.discoveredAt.millisecondsSinceEpoch)
                / 3_600_000
            guard hours > allowed else { return nil }
            return ReviewException(
                id: exceptionID(batch, "LATE-DEV", deviation.id), rule: "LATE-DEV", ruleVersion: 1, severity: .major,
                title: "\(deviation.severity.rawValue) deviation \(deviation.id) reported after \(hours) h",
                limit: "≤ \(allowed) h (quality agreement, \(context.site.id))", observed: "\(hours) h",
                source:
                    "deviation \(deviation.id): discovered \(deviation.discoveredAt), reported \(deviation.reportedAt)",
                why: "The site reported the deviation later than the quality agreement allows.", blocking: false)
        }
    }

    // MARK: - Infused before certification

    /// A custody event `infused` for a batch that was not certified (or supplied at a physician's request) in
    /// this journal before that time, and that does not declare a release before the journal: critical and
    /// blocking, so the batch stays in the working queue until a deviation deals with it.
    static func infusedBeforeCertification(_ batch: Batch, _ context: Context) -> [ReviewException] {
        guard batch.priorRelease == nil else { return [] }
        return batch.custody.filter { $0.event == "infused" }.compactMap { event in
            if let certified = context.certifiedAt, certified <= event.at { return nil }
            return ReviewException(
                id: exceptionID(batch, "INFUSED", event.id), rule: "INFUSED", ruleVersion: 1, severity: .critical,
                title: "infused before certification (\(event.id), \(event.at))",
                limit: "QP certification before infusion",
                observed: context.certifiedAt.map { "certified \($0), infused \(event.at)" }
                    ?? "infused \(event.at), not certified",
                source: "custody event \(event.id) at \(event.location), \(event.at)",
                why:
                    "The product reached the patient without a QP certification: report it, open a critical deviation and "
                    + "assess the patient's risk at once.", blocking: true)
        }
    }

    /// FNV-1a, 64 bits: a hash that is the same on every machine and every run.
    public static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
