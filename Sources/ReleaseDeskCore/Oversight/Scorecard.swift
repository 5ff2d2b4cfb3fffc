import CanonicalJSON

/// A period of time, from `since` (included) to `until` (not included).
public struct OversightPeriod: Sendable, Equatable {
    public var since: Timestamp
    public var until: Timestamp

    public init(since: Timestamp, until: Timestamp) {
        self.since = since
        self.until = until
    }

    /// Whether `t` falls in the period.
    public func contains(_ t: Timestamp) -> Bool { t >= since && t < until }

    /// The twelve calendar months (UTC) that end with the month of `now`: from the first day of the month eleven
    /// months before to `now` itself.
    public static func lastTwelveMonths(at now: Timestamp) -> OversightPeriod {
        let c = now.civil
        var year = c.year
        var month = c.month - 11
        if month < 1 {
            month += 12
            year -= 1
        }
        return OversightPeriod(since: Self.monthStart(year: year, month: month), until: now)
    }

    static func monthStart(year: Int64, month: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Timestamp.daysFromCivil(year: year, month: month, day: 1) * 86_400_000)
    }

    /// The calendar months (UTC) the period touches, each as its own period cut to this one, oldest first.
    public var months: [OversightPeriod] {
        guard since < until else { return [] }
        var out: [OversightPeriod] = []
        let c = since.civil
        var year = c.year
        var month = c.month
        var start = since
        while start < until {
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
            let next = Self.monthStart(year: year, month: month)
            out.append(OversightPeriod(since: start, until: min(next, until)))
            start = next
        }
        return out
    }

    /// `YYYY-MM` of the month the period starts in.
    public var monthLabel: String {
        let c = since.civil
        return "\(c.year)-\(c.month < 10 ? "0" : "")\(c.month)"
    }
}

/// A set of durations (milliseconds) with their median and 90th percentile by the nearest-rank method, and how
/// many fall within a target when there is one.
public struct DurationSummary: Sendable, Equatable {
    /// The durations, shortest first.
    public var values: [Int64]
    /// The agreement's limit, when the figure has one.
    public var target: Int64?

    public init(_ values: [Int64], target: Int64? = nil) {
        self.values = values.sorted()
        self.target = target
    }

    public var count: Int { values.count }

    /// The nearest-rank percentile `p` (0 < p ≤ 100): the value at rank ⌈p/100 × n⌉ of the sorted values.
    public func percentile(_ p: Int) -> Int64? {
        guard !values.isEmpty else { return nil }
        let rank = max(1, (p * values.count + 99) / 100)
        return values[min(values.count, rank) - 1]
    }

    public var median: Int64? { percentile(50) }
    public var p90: Int64? { percentile(90) }

    /// Durations at or under the target.
    public var withinTarget: Int? { target.map { t in values.filter { $0 <= t }.count } }
}

/// One review rule's record at a site: how many exceptions it raised in the period's reviewed batches, and how
/// many of them QA justified as having no impact.
public struct RuleRecord: Sendable, Equatable {
    public var rule: String
    public var exceptions: Int
    public var justified: Int
}

/// What quiet-batch sampling did at a site: batches the review picked although it raised nothing, how many QA
/// reviewed in full, and the batches where the full review was followed by a finding (a deviation, a hold or a
/// rejection).
public struct QuietRecord: Sendable, Equatable {
    public var sampled: Int
    public var reviewed: Int
    public var findings: [String]
}

/// The attribute of a site that drifts most: the trended attribute of one of its products with the most points of
/// the period inside a signal's window (a long run or trend counts for its length; an outlier for one point).
public struct Drift: Sendable, Equatable {
    public var product: String
    public var attribute: String
    /// Points manufactured in the period that lie in the window of a signal.
    public var points: Int
    /// Signals whose window holds such a point.
    public var signals: Int
    /// The rules of those signals, each once, in rule order.
    public var rules: [Int]
}

/// A site's figures for one month of the period (for the sparklines).
public struct MonthFigures: Sendable, Equatable {
    public var month: String
    public var batches: Int
    /// Right-first-time share, 0…1, when a batch of the month was reviewed.
    public var rightFirstTime: Double?
    /// Deviations per batch, when the month has batches.
    public var deviationRate: Double?
    /// Median batch-record turnaround, milliseconds.
    public var turnaround: Int64?
    /// Median release cycle time, milliseconds.
    public var releaseCycle: Int64?
}

/// One site's scorecard over a period (see `docs/oversight.md`, "Scorecards", for every definition).
public struct SiteScorecard: Sendable, Equatable {
    public var site: String
    public var name: String
    public var kind: String
    /// The suspension in force at the end of the period's fold (now), if any.
    public var suspension: DeviationEvent?
    /// Every suspension and reinstatement, oldest first.
    public var statusHistory: [DeviationEvent]
    /// Batches whose manufacture started in the period.
    public var batches: Int
    /// Those with a review in force.
    public var reviewed: Int
    /// Reviewed batches whose review in force raised no exception other than a pending result.
    public var rightFirstTime: Int
    /// Exceptions of the reviews in force, all rules.
    public var exceptions: Int
    /// Per rule, most exceptions first (then by rule).
    public var rules: [RuleRecord]
    public var quiet: QuietRecord
    /// Deviations opened on the period's batches.
    public var deviations: Int
    /// Deviations closed by their due time (after approved extensions).
    public var deviationsOnTime: Int
    /// Deviations closed, or still open past their due time at `now`: the ones whose clock has been decided.
    public var deviationsDecided: Int
    /// Manufacture end → the batch record imported, against the agreement's return days.
    public var turnaround: DurationSummary
    /// Critical deviations the site reported: discovered → reported, against the agreement's notice hours.
    public var criticalNotice: DurationSummary
    /// Manufacture end → first certification.
    public var releaseCycle: DurationSummary
    /// Ready for the QP → certification.
    public var certificationLag: DurationSummary
    /// Certified batches whose ready time could not be told from the state.
    public var lagUnknown: Int
    public var drift: Drift?
    public var monthly: [MonthFigures]

    /// Right-first-time share (0…1) of the reviewed batches.
    public var rightFirstTimeShare: Double? { reviewed == 0 ? nil : Double(rightFirstTime) / Double(reviewed) }
    /// Exceptions per reviewed batch.
    public var exceptionsPerBatch: Double? { reviewed == 0 ? nil : Double(exceptions) / Double(reviewed) }
    /// Deviations per batch.
    public var deviationRate: Double? { batches == 0 ? nil : Double(deviations) / Double(batches) }
    /// Share of the decided deviations closed on time.
    public var onTimeShare: Double? {
        deviationsDecided == 0 ? nil : Double(deviationsOnTime) / Double(deviationsDecided)
    }
}

/// Scorecards of the sites side by side over one period.
public struct Scorecard: Sendable, Equatable {
    public var period: OversightPeriod
    /// The time the figures were computed for (open deviations past due are late at this time).
    public var now: Timestamp
    public var months: [String]
    public var sites: [SiteScorecard]

    public init(period: OversightPeriod, now: Timestamp, months: [String], sites: [SiteScorecard]) {
        self.period = period
        self.now = now
        self.months = months
        self.sites = sites
    }
}

/// Site and CMO scorecards: pure functions of the folded state, with `now` passed in.
public enum Scorecards {
    /// The rule id of a result not yet in: listed with the rules, never a failure of right first time.
    public static let pendingRule = "PENDING"

    /// The sites of the state, by id, or those of `only` (an unknown one is an error naming it).
    public static func sites(_ state: DeskState, only: [String] = []) throws(TrendError) -> [String] {
        for id in only where state.sites[id] == nil {
            throw TrendError("site", "no site \(id) in this journal")
        }
        return only.isEmpty
            ? state.sites.keys.sorted() : only.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The scorecards of `sites` (every site when empty) over `period`, at `now`.
    public static func compute(
        _ state: DeskState, period: OversightPeriod, now: Timestamp, sites only: [String] = []
    ) throws(TrendError) -> Scorecard {
        let ids = try sites(state, only: only)
        // Every batch is looked at where it is kept (`values[i]`); only the period's are copied out.
        var bySite: [String: [Dictionary<String, BatchRecord>.Index]] = [:]
        let wanted = Set(ids)
        let batches = state.batches.values
        for i in state.batches.indices
        where period.contains(batches[i].batch.manufactureStart) && wanted.contains(batches[i].batch.site) {
            bySite[batches[i].batch.site, default: []].append(i)
        }
        let months = period.months
        // The sites are independent: computed on every processor.
        let cards = Parallel.map(ids.count) { n in
            site(
                ids[n], state: state,
                batches: (bySite[ids[n]] ?? []).map { batches[$0] }.sorted { $0.batch.id < $1.batch.id },
                period: period, months: months, now: now)
        }
        return Scorecard(period: period, now: now, months: months.map(\.monthLabel), sites: cards)
    }

    /// The time the executed batch record reached the journal: the journal time of the record that first brought
    /// the batch with its manufacture end.
    public static func recordReturned(_ record: BatchRecord) -> Timestamp? {
        guard record.batch.manufactureEnd != nil else { return nil }
        if let first = record.changes.first(where: { $0.field == "manufacture_end" }), first.old == "—" {
            return first.at
        }
        return record.firstAt
    }

    /// The certification of a batch in this journal (a batch is decided once: the decision in force is the only
    /// one).
    public static func certification(_ batch: String, in state: DeskState) -> ReleaseDecision? {
        guard let decision = state.release.decisions[batch], decision.kind == .certified else { return nil }
        return decision
    }

    /// When the batch became ready for the QP, as far as the state tells: the latest, at or before its
    /// certification, of its review in force, the disposition in force of each of its exceptions, the closing
    /// approval of each of its deviations, its full review, its latest audit-trail review and the last release
    /// from hold. Nil when none of them is at or before the certification.
    public static func readyForQP(_ record: BatchRecord, certifiedAt: Timestamp, in state: DeskState) -> Timestamp? {
        let ledger = state.release
        var times: [Timestamp] = []
        if let at = record.reviewedAt { times.append(at) }
        for exception in record.review?.exceptions ?? [] {
            if let d = ledger.disposition(of: exception.id) { times.append(d.at) }
        }
        for deviation in ledger.deviations(of: record.batch.id) where deviation.stage == .closed {
            if let closed = deviation.history.last(where: { $0.kind == RecordKind.deviationApproved }) {
                times.append(closed.at)
            }
        }
        if let full = ledger.fullReviews[record.batch.id] { times.append(full.at) }
        if let audit = ledger.auditReviews[record.batch.id] { times.append(audit.at) }
        return times.filter { $0 <= certifiedAt }.max()
    }

    static func site(
        _ id: String, state: DeskState, batches: [BatchRecord], period: OversightPeriod, months: [OversightPeriod],
        now: Timestamp
    ) -> SiteScorecard {
        let info = state.sites[id]
        let ledger = state.release
        let agreementDays = info?.batchRecordReturnDays ?? 10
        let noticeHours = info?.notifyHours[.critical]
        var card = SiteScorecard(
            site: id, name: info?.name ?? id, kind: info?.kind ?? "", suspension: ledger.suspension(of: id),
            statusHistory: ledger.siteEvents[id] ?? [], batches: batches.count, reviewed: 0, rightFirstTime: 0,
            exceptions: 0, rules: [], quiet: QuietRecord(sampled: 0, reviewed: 0, findings: []), deviations: 0,
            deviationsOnTime: 0, deviationsDecided: 0, turnaround: DurationSummary([]),
            criticalNotice: DurationSummary([]), releaseCycle: DurationSummary([]),
            certificationLag: DurationSummary([]), lagUnknown: 0, drift: nil, monthly: [])
        var ruleCounts: [String: (Int, Int)] = [:]
        var turnaround: [Int64] = []
        var notice: [Int64] = []
        var cycle: [Int64] = []
        var lag: [Int64] = []
        for record in batches {
            let batch = record.batch
            if let review = record.review {
                card.reviewed += 1
                card.exceptions += review.exceptions.count
                if !review.exceptions.contains(where: { $0.rule != pendingRule }) { card.rightFirstTime += 1 }
                for exception in review.exceptions {
                    let justified = ledger.disposition(of: exception.id)?.kind == .justified
                    let before = ruleCounts[exception.rule] ?? (0, 0)
                    ruleCounts[exception.rule] = (before.0 + 1, before.1 + (justified ? 1 : 0))
                }
                if review.quietSample {
                    card.quiet.sampled += 1
                    if ledger.fullReviews[batch.id] != nil {
                        card.quiet.reviewed += 1
                        let rejected = ledger.decisions[batch.id]?.kind == .rejected
                        if rejected || ledger.holds[batch.id] != nil || !ledger.deviations(of: batch.id).isEmpty {
                            card.quiet.findings.append(batch.id)
                        }
                    }
                }
            }
            for deviation in ledger.deviations(of: batch.id) {
                card.deviations += 1
                if deviation.stage == .closed {
                    card.deviationsDecided += 1
                    let closed = deviation.history.last { $0.kind == RecordKind.deviationApproved }?.at
                    if let closed, closed <= deviation.due { card.deviationsOnTime += 1 }
                } else if deviation.due < now {
                    card.deviationsDecided += 1
                }
            }
            for reported in batch.deviations where reported.severity == .critical {
                notice.append(reported.reportedAt.millisecondsSinceEpoch - reported.discoveredAt.millisecondsSinceEpoch)
            }
            guard let end = batch.manufactureEnd else { continue }
            if let returned = recordReturned(record) {
                turnaround.append(max(0, returned.millisecondsSinceEpoch - end.millisecondsSinceEpoch))
            }
            if let certified = certification(batch.id, in: state) {
                cycle.append(certified.at.millisecondsSinceEpoch - end.millisecondsSinceEpoch)
                if let ready = readyForQP(record, certifiedAt: certified.at, in: state) {
                    lag.append(certified.at.millisecondsSinceEpoch - ready.millisecondsSinceEpoch)
                } else {
                    card.lagUnknown += 1
                }
            }
        }
        card.rules = ruleCounts.map { RuleRecord(rule: $0.key, exceptions: $0.value.0, justified: $0.value.1) }
            .sorted { $0.exceptions != $1.exceptions ? $0.exceptions > $1.exceptions : $0.rule < $1.rule }
        card.quiet.findings.sort()
        card.turnaround = DurationSummary(turnaround, target: agreementDays * 86_400_000)
        card.criticalNotice = DurationSummary(notice, target: noticeHours.map { $0 * 3_600_000 })
        card.releaseCycle = DurationSummary(cycle)
        card.certificationLag = DurationSummary(lag)
        card.drift = drift(id, state: state, period: period)
        card.monthly = months.map { month in
            Self.month(month, batches: batches.filter { month.contains($0.batch.manufactureStart) }, state: state)
        }
        return card
    }

    static func month(_ month: OversightPeriod, batches: [BatchRecord], state: DeskState) -> MonthFigures {
        var reviewed = 0
        var right = 0
        var deviations = 0
        var turnaround: [Int64] = []
        var cycle: [Int64] = []
        for record in batches {
            if let review = record.review {
                reviewed += 1
                if !review.exceptions.contains(where: { $0.rule != pendingRule }) { right += 1 }
            }
            deviations += state.release.deviationsByBatch[record.batch.id]?.count ?? 0
            guard let end = record.batch.manufactureEnd else { continue }
            if let returned = recordReturned(record) {
                turnaround.append(max(0, returned.millisecondsSinceEpoch - end.millisecondsSinceEpoch))
            }
            if let certified = certification(record.batch.id, in: state) {
                cycle.append(certified.at.millisecondsSinceEpoch - end.millisecondsSinceEpoch)
            }
        }
        return MonthFigures(
            month: month.monthLabel, batches: batches.count,
            rightFirstTime: reviewed == 0 ? nil : Double(right) / Double(reviewed),
            deviationRate: batches.isEmpty ? nil : Double(deviations) / Double(batches.count),
            turnaround: DurationSummary(turnaround).median, releaseCycle: DurationSummary(cycle).median)
    }

    /// The site's most drifting trended attribute: of every product made at the site and each of its trended
    /// attributes, the chart with the most points manufactured in the period that lie in a signal's window (ties:
    /// the latest such point, then product and attribute by id). Nil when no chart has such a point.
    public static func drift(_ site: String, state: DeskState, period: OversightPeriod) -> Drift? {
        var best: (drift: Drift, latest: Timestamp)? = nil
        let products = state.seriesIndex.keys.compactMap { key -> String? in
            guard let bar = key.firstIndex(of: "|"), key[key.index(after: bar)...] == site else { return nil }
            return String(key[..<bar])
        }.sorted()
        for productID in products {
            guard let product = state.products[productID] else { continue }
            let attributes = Trends.trendedAttributes(of: product).map(\.id)
            guard !attributes.isEmpty else { continue }
            let rules = TrendRuleSet.rules(for: product)
            for (attribute, points) in zip(
                attributes, series(state, product: productID, site: site, attributes: attributes))
            {
                // The chart's points and its signals' windows (`Trends.chart`), without the chart's texts.
                let values = points.map(\.value)
                guard let limits = Trends.limits(values) else { continue }
                var inSignal = Set<Int>()
                var signals = 0
                var ruleSet = Set<Int>()
                for rule in rules {
                    for window in Trends.windows(values, limits: limits, rule: rule) {
                        let held = (window.first...window.last).filter { period.contains(points[$0].start) }
                        guard !held.isEmpty else { continue }
                        signals += 1
                        ruleSet.insert(rule.rawValue)
                        inSignal.formUnion(held)
                    }
                }
                guard let last = inSignal.max() else { continue }
                let latest = points[last].start
                let candidate = Drift(
                    product: productID, attribute: attribute, points: inSignal.count, signals: signals,
                    rules: ruleSet.sorted())
                if let current = best {
                    let better =
                        candidate.points > current.drift.points
                        || (candidate.points == current.drift.points && latest > current.latest)
                    if !better { continue }
                }
                best = (candidate, latest)
            }
        }
        return best?.drift
    }

    /// For each of `attributes`, the points of its chart at `site` as `Trends.chart` takes them: the batches in
    /// manufacture order (start, then id), each with its last final result of the attribute (latest `tested_at`)
    /// that no investigation invalidated, when that result is a number. One pass over the series for all of them.
    static func series(_ state: DeskState, product: String, site: String, attributes: [String])
        -> [[(value: Double, start: Timestamp)]]
    {
        let ids = state.seriesIndex[product + "|" + site] ?? []
        let width = attributes.count
        // One flat table, row r's attribute k at r * width + k: no array per batch.
        var starts: [(start: Timestamp, id: String)] = []
        var tested = [Int64](repeating: .min, count: ids.count * width)
        var values = [Double?](repeating: nil, count: ids.count * width)
        starts.reserveCapacity(ids.count)
        let batches = state.batches.values
        for id in ids {
            // Read in place (`values[i]`), not copied out of the dictionary: a batch record is large.
            guard let i = state.batches.index(forKey: id) else { continue }
            let invalidated =
                state.release.oosInvestigations[id] == nil ? [] : state.release.invalidatedResults(of: id)
            let row = starts.count
            starts.append((batches[i].batch.manufactureStart, id))
            let qc = batches[i].batch.qc
            for j in qc.indices
            where qc[j].status == "final" && (invalidated.isEmpty || !invalidated.contains(qc[j].id)) {
                guard let k = attributes.firstIndex(of: qc[j].attribute) else { continue }
                let at = qc[j].testedAt.millisecondsSinceEpoch
                if tested[row * width + k] > at { continue }
                tested[row * width + k] = at
                values[row * width + k] = qc[j].quantity?.value
            }
        }
        let order = starts.indices.sorted {
            starts[$0].start != starts[$1].start ? starts[$0].start < starts[$1].start : starts[$0].id < starts[$1].id
        }
        return attributes.indices.map { k in
            order.compactMap { row in values[row * width + k].map { (value: $0, start: starts[row].start) } }
        }
    }

    /// Days with one decimal (`3.5 d`), hours below two days (`26 h`), minutes below an hour (`12 min`).
    public static func duration(_ ms: Int64?) -> String {
        guard let ms else { return "–" }
        if abs(ms) < 3_600_000 { return "\(Int64((Double(ms) / 60_000).rounded())) min" }
        if abs(ms) < 48 * 3_600_000 { return "\(Int64((Double(ms) / 3_600_000).rounded())) h" }
        let tenths = Int64((Double(ms) / 8_640_000).rounded())
        return "\(tenths / 10).\(abs(tenths % 10)) d"
    }

    /// A share as a whole percentage (`82 %`).
    public static func percent(_ share: Double?) -> String {
        share.map { "\(Int(($0 * 100).rounded())) %" } ?? "–"
    }

    /// A ratio with two decimals (`0.25`).
    public static func ratio(_ value: Double?) -> String {
        guard let value else { return "–" }
        let hundredths = Int((value * 100).rounded())
        let cents = hundredths % 100
        return "\(hundredths / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// One character per value, from the lowest (▁) to the highest (█) of the series; a space where a month has
    /// no value. Outside UTF-8 the levels are `_.-=#`. A flat series sits at the lowest level.
    public static func sparkline(_ values: [Double?], unicode: Bool = true) -> String {
        let levels: [Character] = unicode ? Array("▁▂▃▄▅▆▇█") : Array("_.-=#")
        let known = values.compactMap { $0 }
        guard let low = known.min(), let high = known.max() else { return String(repeating: " ", count: values.count) }
        return String(
            values.map { value -> Character in
                guard let value else { return " " }
                guard high > low else { return levels[0] }
                let step = (value - low) / (high - low) * Double(levels.count - 1)
                return levels[Int(step.rounded())]
            })
    }
}
