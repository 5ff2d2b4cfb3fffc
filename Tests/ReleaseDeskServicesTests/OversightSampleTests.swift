import Foundation
import ReleaseDeskCore
import Testing

@testable import ReleaseDeskServices

/// `sample --oversight`: the reference site's life with a drifting CMO and a CMO slow to return its batch
/// records, written by the product's own rules, and what the scorecards find in it.
@Suite("Oversight sample")
struct OversightSampleTests {
    @Test func aShortOversightHistoryShowsTheDriftAndTheLateRecords() throws {
        let directory = try ReferenceJournalTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/journal.jsonl"
        let end = Timestamp(iso8601: "2026-01-01T00:00:00Z")!
        var variation = ReferenceSite.Variation.oversight(end: end)
        variation.days = 60
        variation.drift = ("CMO-A", "KYM-19", "viability", 20, 0.3, 7.5)
        let summary = try ReferenceSite.write(
            records: 0, seed: 3,
            site: try SiteGenerator(
                masterDataPath: ReferenceJournalTests.sampleData + "/master-data.json",
                anchor: Timestamp(millisecondsSinceEpoch: 0)),
            to: path, variation: variation)
        #expect(summary.unexpectedRefusals.isEmpty, "\(summary.unexpectedRefusals)")
        #expect(summary.refusedImports == 0, "\(summary.importProblems)")
        #expect(summary.days == 60 && summary.batches == 6 * 60)

        let state = try Desk.open(
            Locations(journal: path, credentials: path + ".credentials.json", stateDirectory: directory + "/state"),
            mode: .readOnly
        ).state
        #expect(state.lastAt.map { $0 < end } == true)
        let period = OversightPeriod(since: Timestamp(iso8601: "2025-01-01T00:00:00Z")!, until: end)
        let card = try Scorecards.compute(state, period: period, now: end)
        let sites = Dictionary(uniqueKeysWithValues: card.sites.map { ($0.site, $0) })
        let slow = try #require(sites["CMO-B"])
        let day: Int64 = 86_400_000
        #expect(slow.turnaround.count > 0 && slow.turnaround.withinTarget == 0)
        #expect(slow.turnaround.values.allSatisfy { $0 >= 16 * day && $0 < 26 * day })
        for id in ["CMO-A", "SITE-1"] {
            #expect(sites[id]?.turnaround.values.allSatisfy { $0 < day } == true, "\(id)")
        }
        let drift = try #require(sites["CMO-A"]?.drift)
        #expect(drift.product == "KYM-19" && drift.attribute == "viability" && drift.rules.contains(2))
        for id in ["CMO-B", "SITE-1"] { #expect((sites[id]?.drift?.points ?? 0) < drift.points, "\(id)") }
        // The drift is what the charts themselves show: points of the period inside a signal's window.
        for site in card.sites {
            var best: (points: Int, product: String, attribute: String)? = nil
            for product in state.products.values.sorted(by: { $0.id < $1.id }) {
                for attribute in Trends.trendedAttributes(of: product) {
                    guard
                        let chart = try? Trends.chart(
                            state, product: product.id, site: site.site, attribute: attribute.id)
                    else { continue }
                    var held = Set<Int>()
                    for signal in chart.signals {
                        held.formUnion(signal.window.filter { period.contains(chart.points[$0].manufactureStart) })
                    }
                    if !held.isEmpty, held.count > (best?.points ?? 0) { best = (held.count, product.id, attribute.id) }
                }
            }
            #expect(site.drift?.points == best?.points, "\(site.site)")
            #expect(site.drift.map { [$0.product, $0.attribute] } == best.map { [$0.product, $0.attribute] })
        }
    }
}
