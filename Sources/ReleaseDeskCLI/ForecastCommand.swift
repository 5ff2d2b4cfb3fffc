import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskServices

struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "The release forecast: pending tests, their expected results and the earliest certification.",
        discussion: """
            For every batch still waiting for certification: each pending test with its expected result time \
            (registered + the turnaround_hours of its attribute in the product's master data; unknown without \
            one), and the earliest possible certification: the latest of now and the expected times of the \
            pending tests that may not follow release. A batch is at risk when that plus \
            \(ReleaseForecast.marginHours) hours is later than its planned infusion (docs/oversight.md, \
            "Release forecast"). table and csv: one row per batch; json: one array of batches, each with its \
            tests.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("at-risk"), help: "Only the batches at risk of missing their planned infusion.")
    var atRisk = false

    @Option(
        name: .long, help: ArgumentHelp("table, json (one document) or csv (one row per batch).", valueName: "format"))
    var format: TrendFormat = .table

    func run() throws {
        try Failure.guarded {
            let (desk, _) = try global.signedIn(
                try global.locations(), channel: "cli:forecast", for: .reading, passwords: global.passwords())
            let now = SystemEnvironment.clock()
            let forecasts = ReleaseForecast.all(desk.state, now: now).filter { !atRisk || $0.isAtRisk }
            var out = StandardOutput()
            switch format {
            case .json: out.write(AuditText.safeJSON(.array(forecasts.map { Self.json($0, now: now) })) + "\n")
            case .csv: out.write(Self.list(forecasts, now: now).render(.csv))
            case .table: out.write(Self.list(forecasts, now: now).render(.table))
            }
            out.flush()
        }
    }

    static func list(_ forecasts: [ReleaseForecast], now: Timestamp) -> ListOutput {
        var list = ListOutput(
            columns: ["BATCH", "PRODUCT", "SITE", "STANDING", "EARLIEST CERT.", "INFUSION", "SLACK", "PENDING TESTS"],
            csvColumns: [
                "batch", "product", "site", "standing", "earliest_certification", "planned_infusion", "slack_hours",
                "pending_tests",
            ])
        for f in forecasts {
            let earliest =
                f.earliestCertification.map { $0.description + (f.manufactureEnded ? "" : " (in manufacture)") }
                ?? "unknown"
            let tests = f.tests.map { test in
                let expected = test.expectedAt.map { "expected " + $0.description } ?? "turnaround unknown"
                return "\(test.attribute) (\(expected)\(test.mayFollowRelease ? ", may follow release" : ""))"
            }
            list.append(
                [
                    f.batch, f.product, f.site, standingWords(f.standing), earliest,
                    f.plannedInfusion?.description ?? "", f.slackHours.map { String($0) } ?? "",
                    tests.joined(separator: "; "),
                ], json(f, now: now))
        }
        return list
    }

    /// The standing in words (upper case when at risk, so it stands out without colour).
    static func standingWords(_ standing: ReleaseForecast.Standing) -> String {
        switch standing {
        case .atRisk: return "AT RISK"
        case .onTrack: return "on track"
        case .unknown: return "unknown"
        case .noInfusion: return "no infusion planned"
        }
    }

    static func json(_ f: ReleaseForecast, now: Timestamp) -> JSONValue {
        var object: [String: JSONValue] = [
            "batch": .string(f.batch), "product": .string(f.product), "site": .string(f.site),
            "standing": .string(f.standing.rawValue), "at_risk": .bool(f.isAtRisk),
            "manufacture_ended": .bool(f.manufactureEnded), "margin_hours": .int(ReleaseForecast.marginHours),
            "tests": .array(
                f.tests.map { t in
                    var o: [String: JSONValue] = [
                        "result": .string(t.result), "attribute": .string(t.attribute),
                        "attribute_name": .string(t.attributeName), "method": .string(t.method),
                        "registered_at": .string(t.registeredAt.description),
                        "may_follow_release": .bool(t.mayFollowRelease), "late": .bool(t.isLate(at: now)),
                    ]
                    o["turnaround_hours"] = t.turnaroundHours.map { .int($0) } ?? .null
                    o["expected_at"] = t.expectedAt.map { .string($0.description) } ?? .null
                    return .object(o)
                }),
        ]
        object["earliest_certification"] = f.earliestCertification.map { .string($0.description) } ?? .null
        object["planned_infusion"] = f.plannedInfusion.map { .string($0.description) } ?? .null
        object["slack_hours"] = f.slackHours.map { .int($0) } ?? .null
        return .object(object)
    }
}
