import CanonicalJSON

/// Nelson's eight rules for an individuals chart, each looking at a window of consecutive points in
/// manufacture order. Windows, thresholds and tie rules are documented in `docs/oversight.md` ("Trends").
///
/// Ties: "above" and "below" are strict, so a value exactly on the centre line is on neither side; "beyond
/// kσ̂" is strictly beyond (a value exactly on a limit is not beyond it) and "within 1σ̂" is strictly within;
/// two equal consecutive values are neither an increase nor a decrease, so they break a trend (rule 3) and an
/// alternation (rule 4).
public enum NelsonRule: Int, CaseIterable, Sendable, Codable, Comparable {
    case beyondThreeSigma = 1
    case nineOnOneSide = 2
    case sixTrending = 3
    case fourteenAlternating = 4
    case twoOfThreeBeyondTwoSigma = 5
    case fourOfFiveBeyondOneSigma = 6
    case fifteenWithinOneSigma = 7
    case eightBeyondOneSigma = 8

    public static func < (a: NelsonRule, b: NelsonRule) -> Bool { a.rawValue < b.rawValue }

    /// Consecutive points the rule looks at.
    public var window: Int {
        switch self {
        case .beyondThreeSigma: return 1
        case .nineOnOneSide: return 9
        case .sixTrending: return 6
        case .fourteenAlternating: return 14
        case .twoOfThreeBeyondTwoSigma: return 3
        case .fourOfFiveBeyondOneSigma: return 5
        case .fifteenWithinOneSigma: return 15
        case .eightBeyondOneSigma: return 8
        }
    }

    /// Points of the window that must meet the rule's condition.
    public var needed: Int {
        switch self {
        case .twoOfThreeBeyondTwoSigma: return 2
        case .fourOfFiveBeyondOneSigma: return 4
        default: return window
        }
    }

    /// A short name: "nine in a row on one side".
    public var title: String {
        switch self {
        case .beyondThreeSigma: return "one point beyond 3σ̂"
        case .nineOnOneSide: return "nine in a row on one side of the centre line"
        case .sixTrending: return "six in a row steadily increasing or decreasing"
        case .fourteenAlternating: return "fourteen in a row alternating up and down"
        case .twoOfThreeBeyondTwoSigma: return "two of three beyond 2σ̂ on the same side"
        case .fourOfFiveBeyondOneSigma: return "four of five beyond 1σ̂ on the same side"
        case .fifteenWithinOneSigma: return "fifteen in a row within 1σ̂"
        case .eightBeyondOneSigma: return "eight in a row beyond 1σ̂ on either side"
        }
    }
}

/// The versioned set of trend rules, and which of them a product uses.
public enum TrendRuleSet {
    /// The rule set's name and version: raised whenever a rule's window, threshold or tie rule changes.
    public static let name = "NELSON"
    public static let version = 1
    public static var id: String { "\(name)-\(version)" }
    /// Rules used when a product names none: 1 and 2, what the review's OOT check looks for.
    public static let defaultRules: [NelsonRule] = [.beyondThreeSigma, .nineOnOneSide]
    /// Below this many points the control limits are preliminary.
    public static let preliminaryBelow = 15
    /// d₂ for moving ranges of two: σ̂ = mean moving range / d₂.
    public static let d2 = 1.128

    /// The rules `product` enables (`trend_rules` in its master data), in rule order; the default when it
    /// names none.
    public static func rules(for product: Product) -> [NelsonRule] {
        guard let numbers = product.trendRules else { return defaultRules }
        return Set(numbers.compactMap { NelsonRule(rawValue: $0) }).sorted()
    }
}

/// One batch on the chart: its attribute's result, in manufacture order.
public struct TrendPoint: Sendable, Equatable {
    public var batchID: String
    /// The QC result plotted: the batch's last final result for the attribute that no investigation invalidated.
    public var resultID: String
    /// The value as reported, and as a number.
    public var text: String
    public var value: Double
    public var manufactureStart: Timestamp

    public init(batchID: String, resultID: String, text: String, value: Double, manufactureStart: Timestamp) {
        self.batchID = batchID
        self.resultID = resultID
        self.text = text
        self.value = value
        self.manufactureStart = manufactureStart
    }
}

/// The centre line and control limits of an individuals chart.
public struct TrendLimits: Sendable, Equatable {
    /// The mean of the values.
    public var centre: Double
    /// The mean of the moving ranges |xᵢ − xᵢ₋₁|.
    public var meanMovingRange: Double
    /// σ̂ = mean moving range / 1.128.
    public var sigma: Double
    /// Points the limits come from.
    public var count: Int

    public init(centre: Double, meanMovingRange: Double, sigma: Double, count: Int) {
        self.centre = centre
        self.meanMovingRange = meanMovingRange
        self.sigma = sigma
        self.count = count
    }

    /// Limits with centre `centre` and σ̂ `sigma` (the mean moving range follows from σ̂).
    public init(centre: Double, sigma: Double, count: Int = 100) {
        self.init(centre: centre, meanMovingRange: sigma * TrendRuleSet.d2, sigma: sigma, count: count)
    }

    public var upper: Double { centre + 3 * sigma }
    public var lower: Double { centre - 3 * sigma }

    /// The centre line ± `k` σ̂.
    public func line(_ k: Double) -> Double { centre + k * sigma }

    /// Whether the limits come from fewer than `TrendRuleSet.preliminaryBelow` points.
    public var preliminary: Bool { count < TrendRuleSet.preliminaryBelow }
}

/// Where a signal's points lie.
public enum TrendDirection: String, Sendable, Equatable {
    case above, below, increasing, decreasing
}

/// One signal of a Nelson rule: the window of consecutive points that meets it (windows of the same rule and
/// direction that overlap are joined into one signal), the points that count, and why in words.
public struct TrendSignal: Sendable, Equatable {
    public var rule: NelsonRule
    public var direction: TrendDirection?
    /// Indices into the chart's points of the first and last point of the window.
    public var first: Int
    public var last: Int
    /// Indices of the points that meet the condition (for rules 5 and 6 only those beyond the line; for the
    /// others every point of the window).
    public var flagged: [Int]
    /// The signal in words: rule, window (batches), values and the line they were compared with.
    public var explanation: String

    public var window: ClosedRange<Int> { first...last }
}

/// What a chart cannot be drawn for, naming the field.
public struct TrendError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// An individuals (I-MR) chart of one trended attribute of one product at one site.
public struct TrendChart: Sendable, Equatable {
    public var product: String
    public var site: String
    public var attribute: SpecAttribute
    /// Batches with a numeric final result, in manufacture order (start, then batch id).
    public var points: [TrendPoint]
    /// Batches of the series without a numeric final result for the attribute (not plotted).
    public var withoutValue: [String]
    /// Nil below two points (no moving range).
    public var limits: TrendLimits?
    /// The specification limits of the attribute, when numeric.
    public var specLow: Double?
    public var specHigh: Double?
    /// The rules the product enables.
    public var rules: [NelsonRule]
    public var signals: [TrendSignal]

    /// Whether the limits are preliminary (fewer than 15 points).
    public var preliminary: Bool { points.count < TrendRuleSet.preliminaryBelow }

    /// The position of `batchID` on the chart.
    public func index(of batchID: String) -> Int? { points.firstIndex { $0.batchID == batchID } }

    /// Signals whose window holds point `index`.
    public func signals(at index: Int) -> [TrendSignal] { signals.filter { $0.window.contains(index) } }
}

/// Control charts of trended attributes: pure functions of the folded state.
public enum Trends {
    /// The trended attributes of `product` with a numeric limit or none, in master-data order.
    public static func trendedAttributes(of product: Product) -> [SpecAttribute] {
        product.attributes.filter(\.trended)
    }

    /// Sites with batches of `product`, most batches first (then by id).
    public static func sites(of product: String, in state: DeskState) -> [String] {
        var counts: [(String, Int)] = []
        for (key, ids) in state.seriesIndex {
            guard let bar = key.firstIndex(of: "|"), key[..<bar] == product else { continue }
            counts.append((String(key[key.index(after: bar)...]), ids.count))
        }
        return counts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// The chart of `attribute` of `product` at `site`.
    public static func chart(_ state: DeskState, product productID: String, site: String, attribute: String)
        throws(TrendError) -> TrendChart
    {
        guard let product = state.products[productID] else {
            throw TrendError("product", "no product \(productID) in this journal")
        }
        guard state.sites[site] != nil else { throw TrendError("site", "no site \(site) in this journal") }
        let trended = trendedAttributes(of: product).map(\.id)
        guard let spec = product.attribute(attribute) else {
            throw TrendError(
                "attribute",
                "product \(productID) has no attribute \(attribute) (trended: \(trended.joined(separator: ", ")))")
        }
        guard spec.trended else {
            throw TrendError(
                "attribute",
                "\(attribute) is not a trended attribute of \(productID) (trended: \(trended.joined(separator: ", ")))")
        }
        // The batches in manufacture order (as `TrendIndex.precedes`), each read in place where it is kept: a
        // batch record is large, and copying 100 000 of them to sort them cost more than the chart.
        var order: [(start: Timestamp, id: String, index: Dictionary<String, BatchRecord>.Index)] = []
        for id in state.seriesIndex[productID + "|" + site] ?? [] {
            guard let i = state.batches.index(forKey: id) else { continue }
            order.append((state.batches.values[i].batch.manufactureStart, state.batches.values[i].batch.id, i))
        }
        order.sort { $0.start != $1.start ? $0.start < $1.start : $0.id < $1.id }
        var points: [TrendPoint] = []
        var withoutValue: [String] = []
        points.reserveCapacity(order.count)
        for entry in order {
            let invalidated =
                state.release.oosInvestigations[entry.id] == nil ? [] : state.release.invalidatedResults(of: entry.id)
            var best: QCResult? = nil
            for result in state.batches.values[entry.index].batch.qc
            where result.attribute == attribute && result.status == "final" && !invalidated.contains(result.id) {
                if let current = best, current.testedAt > result.testedAt { continue }
                best = result
            }
            if let best, let quantity = best.quantity {
                points.append(
                    TrendPoint(
                        batchID: entry.id, resultID: best.id, text: best.value, value: quantity.value,
                        manufactureStart: entry.start))
            } else {
                withoutValue.append(entry.id)
            }
        }
        var specLow: Double? = nil
        var specHigh: Double? = nil
        switch spec.limit {
        case .minimum(let q): specLow = q.value
        case .maximum(let q): specHigh = q.value
        case .range(let a, let b): (specLow, specHigh) = (a.value, b.value)
        default: break
        }
        let rules = TrendRuleSet.rules(for: product)
        let limits = Self.limits(points.map(\.value))
        let signals = limits.map { Self.signals(points, limits: $0, rules: rules, unit: spec.unit) } ?? []
        return TrendChart(
            product: productID, site: site, attribute: spec, points: points, withoutValue: withoutValue,
            limits: limits, specLow: specLow, specHigh: specHigh, rules: rules, signals: signals)
    }

    /// Centre line (mean) and σ̂ (mean moving range / 1.128) of `values`; nil below two values.
    public static func limits(_ values: [Double]) -> TrendLimits? {
        guard values.count >= 2 else { return nil }
        var sum = 0.0
        var ranges = 0.0
        for (i, x) in values.enumerated() {
            sum += x
            if i > 0 { ranges += abs(x - values[i - 1]) }
        }
        let meanRange = ranges / Double(values.count - 1)
        // No moving range at all means every value is the same: the centre is that value exactly, so no
        // rounding puts a point a hair off the centre line.
        let centre = meanRange == 0 ? values[0] : sum / Double(values.count)
        return TrendLimits(
            centre: centre, meanMovingRange: meanRange, sigma: meanRange / TrendRuleSet.d2, count: values.count)
    }

    /// A window that meets a rule: its first and last index, direction and the points that count.
    public struct Window: Equatable, Sendable {
        public var first: Int
        public var last: Int
        public var direction: TrendDirection?
        public var flagged: [Int]
    }

    /// Every window of `values` that meets `rule`, in order of its last point; overlapping windows of the same
    /// direction are joined. Zone rules (1, 5–8) need σ̂ > 0.
    public static func windows(_ values: [Double], limits: TrendLimits, rule: NelsonRule) -> [Window] {
        let n = values.count
        let w = rule.window
        guard n >= w else { return [] }
        let c = limits.centre
        let s = limits.sigma
        let zone: Bool
        switch rule {
        case .nineOnOneSide, .sixTrending, .fourteenAlternating: zone = false
        default: zone = true
        }
        if zone && !(s > 0) { return [] }
        var found: [Window] = []
        func add(_ first: Int, _ last: Int, _ direction: TrendDirection?, _ flagged: [Int]) {
            if let at = found.lastIndex(where: { $0.direction == direction }), first <= found[at].last {
                found[at].last = last
                found[at].flagged = Array(Set(found[at].flagged + flagged)).sorted()
            } else {
                found.append(Window(first: first, last: last, direction: direction, flagged: flagged))
            }
        }
        for end in (w - 1)..<n {
            let start = end - w + 1
            let range = start...end
            switch rule {
            case .beyondThreeSigma:
                let x = values[end]
                if x - c > 3 * s { add(end, end, .above, [end]) }
                if c - x > 3 * s { add(end, end, .below, [end]) }
            case .nineOnOneSide:
                if range.allSatisfy({ values[$0] > c }) { add(start, end, .above, Array(range)) }
                if range.allSatisfy({ values[$0] < c }) { add(start, end, .below, Array(range)) }
            case .sixTrending:
                let steps = (start + 1)...end
                if steps.allSatisfy({ values[$0] > values[$0 - 1] }) { add(start, end, .increasing, Array(range)) }
                if steps.allSatisfy({ values[$0] < values[$0 - 1] }) { add(start, end, .decreasing, Array(range)) }
            case .fourteenAlternating:
                var alternating = true
                for i in (start + 2)...end {
                    let before = values[i - 1] - values[i - 2]
                    let after = values[i] - values[i - 1]
                    if !(before > 0 && after < 0 || before < 0 && after > 0) {
                        alternating = false
                        break
                    }
                }
                if alternating { add(start, end, nil, Array(range)) }
            case .twoOfThreeBeyondTwoSigma, .fourOfFiveBeyondOneSigma:
                let k = rule == .twoOfThreeBeyondTwoSigma ? 2.0 : 1.0
                let high = range.filter { values[$0] - c > k * s }
                let low = range.filter { c - values[$0] > k * s }
                if high.count >= rule.needed { add(start, end, .above, high) }
                if low.count >= rule.needed { add(start, end, .below, low) }
            case .fifteenWithinOneSigma:
                if range.allSatisfy({ abs(values[$0] - c) < s }) { add(start, end, nil, Array(range)) }
            case .eightBeyondOneSigma:
                if range.allSatisfy({ abs(values[$0] - c) > s }) { add(start, end, nil, Array(range)) }
            }
        }
        // Joined windows of one direction may interleave with the other direction's (rules 1, 5, 6): order
        // by the first point, then the last.
        return found.sorted { ($0.first, $0.last) < ($1.first, $1.last) }
    }

    /// Every signal of `rules` on `points`, explained, ordered by window then rule.
    public static func signals(_ points: [TrendPoint], limits: TrendLimits, rules: [NelsonRule], unit: String = "")
        -> [TrendSignal]
    {
        let values = points.map(\.value)
        var out: [TrendSignal] = []
        for rule in rules.sorted() {
            for window in windows(values, limits: limits, rule: rule) {
                out.append(
                    TrendSignal(
                        rule: rule, direction: window.direction, first: window.first, last: window.last,
                        flagged: window.flagged,
                        explanation: explain(rule, window, points, limits, unit: unit)))
            }
        }
        return out.sorted { ($0.first, $0.last, $0.rule) < ($1.first, $1.last, $1.rule) }
    }

    /// The words of a signal: "Rule 2 (nine in a row on one side of the centre line): 10 batches, B-1 to
    /// B-10 (points 3–12 of 20), all above the centre line 85.2: 86.1, …".
    static func explain(
        _ rule: NelsonRule, _ window: Window, _ points: [TrendPoint], _ limits: TrendLimits, unit: String
    ) -> String {
        let count = window.last - window.first + 1
        let side = window.direction?.rawValue ?? ""
        func line(_ k: Double) -> String { format(limits.line(k)) }
        let what: String
        switch rule {
        case .beyondThreeSigma:
            what =
                window.direction == .above
                ? "above the upper control limit \(line(3))" : "below the lower control limit \(line(-3))"
        case .nineOnOneSide:
            what = "\(count) in a row \(side) the centre line \(format(limits.centre))"
        case .sixTrending:
            what = "\(count) in a row, each \(window.direction == .increasing ? "higher" : "lower") than the one before"
        case .fourteenAlternating:
            what = "\(count) in a row alternating up and down"
        case .twoOfThreeBeyondTwoSigma:
            let bound = window.direction == .above ? "above \(line(2))" : "below \(line(-2))"
            what = "\(window.flagged.count) of \(count) in a row beyond 2σ̂ (\(bound)), at least 2 of every 3"
        case .fourOfFiveBeyondOneSigma:
            let bound = window.direction == .above ? "above \(line(1))" : "below \(line(-1))"
            what = "\(window.flagged.count) of \(count) in a row beyond 1σ̂ (\(bound)), at least 4 of every 5"
        case .fifteenWithinOneSigma:
            what = "\(count) in a row within 1σ̂ (between \(line(-1)) and \(line(1)))"
        case .eightBeyondOneSigma:
            what = "\(count) in a row beyond 1σ̂ (below \(line(-1)) or above \(line(1)))"
        }
        let first = points[window.first]
        let last = points[window.last]
        let batches =
            count == 1
            ? "batch \(first.batchID)"
            : "batches \(first.batchID) to \(last.batchID)"
        let positions =
            count == 1
            ? "point \(window.first + 1) of \(points.count)"
            : "points \(window.first + 1)–\(window.last + 1) of \(points.count)"
        var values = (window.first...window.last).map { i in
            (window.flagged.contains(i) || rule.needed == rule.window) ? points[i].text : "(\(points[i].text))"
        }
        if values.count > 16 {
            let hidden = values.count - 12
            values = Array(values.prefix(6)) + ["… \(hidden) more …"] + Array(values.suffix(6))
        }
        let shownUnit = unit.isEmpty ? "" : " \(unit)"
        return "Rule \(rule.rawValue) (\(rule.title)): \(batches) (\(positions)), \(what): "
            + values.joined(separator: ", ") + shownUnit
            + "; centre \(format(limits.centre)), σ̂ \(format(limits.sigma))."
    }

    /// A number for charts and explanations: four significant digits at most, in scientific form below 0.001
    /// and from a million up.
    public static func format(_ x: Double) -> String {
        guard x.isFinite else { return "–" }
        if x == 0 { return "0" }
        let a = abs(x)
        if a >= 1e6 || a < 1e-3 { return (x < 0 ? "-" : "") + ReviewEngine.scientific(a) }
        let decimals = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3
        var text = Quantity(x, decimals: decimals).text
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}

extension TrendChart {
    /// The chart as one JSON document (the `trends` command's `--format json`).
    public var json: JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map { .string(Trends.format($0)) } ?? .null }
        let limitsJSON: JSONValue =
            limits.map { l in
                [
                    "centre": number(l.centre), "mean_moving_range": number(l.meanMovingRange),
                    "sigma": number(l.sigma), "ucl": number(l.upper), "lcl": number(l.lower),
                ]
            } ?? .null
        return [
            "product": .string(product), "site": .string(site), "attribute": .string(attribute.id),
            "attribute_name": .string(attribute.name), "unit": .string(attribute.unit),
            "rule_set": .string(TrendRuleSet.id), "rules": .array(rules.map { .int(Int64($0.rawValue)) }),
            "preliminary": .bool(preliminary), "limits": limitsJSON,
            "spec": ["low": number(specLow), "high": number(specHigh), "text": .string(attribute.limit.description)],
            "points": .array(
                points.enumerated().map { i, p in
                    [
                        "position": .int(Int64(i + 1)), "batch": .string(p.batchID), "result": .string(p.resultID),
                        "value": .string(p.text), "manufacture_start": .string(p.manufactureStart.description),
                        "signals": .array(signals(at: i).map { .int(Int64($0.rule.rawValue)) }),
                    ]
                }),
            "without_value": .array(withoutValue.map { .string($0) }),
            "signals": .array(
                signals.map { s in
                    [
                        "rule": .int(Int64(s.rule.rawValue)), "title": .string(s.rule.title),
                        "direction": s.direction.map { .string($0.rawValue) } ?? .null,
                        "first": .string(points[s.first].batchID), "last": .string(points[s.last].batchID),
                        "batches": .array((s.first...s.last).map { .string(points[$0].batchID) }),
                        "values": .array((s.first...s.last).map { .string(points[$0].text) }),
                        "flagged": .array(s.flagged.map { .string(points[$0].batchID) }),
                        "explanation": .string(s.explanation),
                    ]
                }),
        ]
    }
}
