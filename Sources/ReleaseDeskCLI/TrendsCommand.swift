import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore

/// The output forms of `trends`.
enum TrendFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

struct TrendsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trends",
        abstract: "The individuals chart of a trended attribute of a product at a site: points, limits, signals.",
        discussion: """
            Points are the batches of the product at the site in manufacture order, each with its last final \
            result for the attribute that no investigation invalidated. Centre line = mean; σ̂ = mean moving \
            range / 1.128; control limits = centre ± 3σ̂, preliminary below 15 batches. Signals come from the \
            Nelson rules the product enables (trend_rules in its master data; rules 1 and 2 when it names none), \
            rule set NELSON-1 (docs/oversight.md). table: the limits, the points and each signal explained; json: \
            one document {product, site, attribute, rule_set, rules, preliminary, limits, spec, points, \
            without_value, signals}; csv: one row per point with the limits and the rules of the signals it is in.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The product id.")
    var product: String

    @Option(help: "The site id.")
    var site: String

    @Option(help: "The trended attribute id.")
    var attribute: String

    @Option(
        name: .long, help: ArgumentHelp("table, json (one document) or csv (one row per point).", valueName: "format"))
    var format: TrendFormat = .table

    func run() throws {
        try Failure.guarded {
            let (desk, _) = try global.signedIn(
                try global.locations(), channel: "cli:trends", for: .reading, passwords: global.passwords())
            defer { desk.checkpoint() }
            let chart: TrendChart
            do throws(TrendError) {
                chart = try Trends.chart(desk.state, product: product, site: site, attribute: attribute)
            } catch {
                let option = error.field == "product" ? "PRODUCT" : "--" + error.field
                throw Failure(.noInput, "\(option): \(error.message)")
            }
            var out = StandardOutput()
            switch format {
            case .json: out.write(AuditText.safeJSON(chart.json) + "\n")
            case .csv: out.write(Self.rows(chart).render(.csv))
            case .table: out.write(Self.table(chart))
            }
            out.flush()
        }
    }

    /// One row per point, with the limits and the rules of the signals whose window holds it.
    static func rows(_ chart: TrendChart) -> ListOutput {
        var list = ListOutput(
            columns: [
                "POS", "BATCH", "MANUFACTURE START", "RESULT", "VALUE", "CENTRE", "UCL", "LCL", "SPEC LOW", "SPEC HIGH",
                "PRELIMINARY", "SIGNALS",
            ])
        let f: (Double?) -> String = { $0.map(Trends.format) ?? "" }
        for (i, point) in chart.points.enumerated() {
            let rules = chart.signals(at: i).map { String($0.rule.rawValue) }
            list.append(
                [
                    String(i + 1), point.batchID, point.manufactureStart.description, point.resultID, point.text,
                    f(chart.limits?.centre), f(chart.limits?.upper), f(chart.limits?.lower), f(chart.specLow),
                    f(chart.specHigh), chart.preliminary ? "yes" : "no", rules.joined(separator: ";"),
                ], .null)
        }
        return list
    }

    /// The chart for people: what it is, its limits, the points and the signals in words.
    static func table(_ chart: TrendChart) -> String {
        let a = chart.attribute
        let unit = a.unit.isEmpty ? "" : " (\(a.unit))"
        let rules =
            chart.rules.isEmpty
            ? "no rules" : "rules " + chart.rules.map { String($0.rawValue) }.joined(separator: ", ")
        var head = [
            "\(chart.product) · \(a.id)\(unit) at \(chart.site) · rule set \(TrendRuleSet.id): \(rules)",
            "Specification \(a.limit.description) · \(chart.points.count) batches",
        ]
        if let l = chart.limits {
            let f = Trends.format
            head.append(
                "Centre \(f(l.centre)) · σ̂ \(f(l.sigma)) (mean moving range \(f(l.meanMovingRange)) / 1.128) · "
                    + "UCL \(f(l.upper)) · LCL \(f(l.lower))")
        } else {
            head.append("No control limits: fewer than 2 batches with a result")
        }
        if chart.preliminary {
            head.append("Limits preliminary: fewer than \(TrendRuleSet.preliminaryBelow) batches")
        }
        if !chart.withoutValue.isEmpty {
            head.append("Without a numeric final result (not plotted): " + chart.withoutValue.joined(separator: ", "))
        }
        let list = rows(chart)
        var out = head.map { DisplayText.sanitize($0) + "\n" }.joined() + "\n"
        out += Table.render(
            header: ["POS", "BATCH", "MANUFACTURE START", "RESULT", "VALUE", "SIGNALS"],
            rows: list.rows.map { row in [0, 1, 2, 3, 4, 11].map { row.cells[$0] } })
        out += "\nSignals (\(chart.signals.count))\n"
        for signal in chart.signals {
            out += "  " + DisplayText.sanitize(signal.explanation) + "\n"
        }
        return out
    }
}
