import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

/// The scorecard view: `o` and `:oversight` open it, ← → choose a site, Enter opens the chart of the site's
/// drifting attribute and Esc there comes back; the figures are computed on opening and on journal updates.
@Suite("Scorecard view")
struct ScorecardViewTests {
    static func scorecard(_ state: WorkstationState) -> ScorecardView? {
        if case .scorecard(let view) = state.mode { return view }
        return nil
    }

    @Test func oOpensEverySiteOverTwelveMonthsAndEscCloses() throws {
        var state = Fixture.state()
        Fixture.type("o", into: &state)
        let view = try #require(Self.scorecard(state))
        #expect(view.card.sites.map(\.site) == state.desk.sites.keys.sorted())
        #expect(view.card.months.count == 12 && view.card.now == state.now)
        #expect(
            view.card == (try Scorecards.compute(state.desk, period: .lastTwelveMonths(at: state.now), now: state.now)))
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.mode == .normal)
        for line in [":oversight", ":scorecard"] {
            _ = Workstation.reduce(&state, .keyPressed(.char(":")))
            Fixture.type(String(line.dropFirst()), into: &state)
            _ = Workstation.reduce(&state, .keyPressed(.enter))
            #expect(Self.scorecard(state) != nil, "\(line)")
            _ = Workstation.reduce(&state, .keyPressed(.char("q")))
            #expect(state.mode == .normal)
        }
    }

    @Test func arrowsChooseASiteAndScrollingStopsAtTheEnd() throws {
        var state = Fixture.state(size: Size(width: 80, height: 24))
        Fixture.type("o", into: &state)
        let count = try #require(Self.scorecard(state)).card.sites.count
        #expect(count >= 2)
        _ = Workstation.reduce(&state, .keyPressed(.right))
        #expect(Self.scorecard(state)?.selected == 1)
        _ = Workstation.reduce(&state, .keyPressed(.left))
        _ = Workstation.reduce(&state, .keyPressed(.left))
        #expect(Self.scorecard(state)?.selected == count - 1)
        for _ in 0..<200 { _ = Workstation.reduce(&state, .keyPressed(.char("j"))) }
        let view = try #require(Self.scorecard(state))
        let layout = ScorecardLayout(size: state.size)
        #expect(view.offset == layout.maxOffset(view.lines().count) && view.offset > 0)
        // A journal update computes the figures again and keeps the site and the scroll.
        _ = Workstation.reduce(&state, .journalUpdated(state.desk, newRecords: [], chain: state.chain))
        #expect(Self.scorecard(state)?.selected == count - 1 && Self.scorecard(state)?.offset == view.offset)
    }

    @Test func enterOpensTheDriftingAttributesChartAndEscComesBack() throws {
        var state = Fixture.state()
        Fixture.type("o", into: &state)
        var view = try #require(Self.scorecard(state))
        guard let index = view.card.sites.firstIndex(where: { $0.drift != nil }) else {
            // Without a drift Enter says so and stays.
            _ = Workstation.reduce(&state, .keyPressed(.enter))
            #expect(state.message?.contains("drifts") == true && Self.scorecard(state) != nil)
            return
        }
        view.selected = index
        state.mode = .scorecard(view)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        guard case .trends(let trend) = state.mode else {
            Issue.record("Enter did not open the trend view")
            return
        }
        let drift = try #require(view.card.sites[index].drift)
        #expect(trend.product == drift.product && trend.attribute == drift.attribute)
        #expect(trend.sites.first == view.card.sites[index].site && trend.back != nil)
        // Moving in the chart keeps the way back.
        _ = Workstation.reduce(&state, .keyPressed(.char("j")))
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(Self.scorecard(state)?.selected == index)
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.mode == .normal)
    }

    @Test func aSiteWithoutDriftSaysSo() throws {
        var state = Fixture.state()
        Fixture.type("o", into: &state)
        var view = try #require(Self.scorecard(state))
        for i in view.card.sites.indices { view.card.sites[i].drift = nil }
        state.mode = .scorecard(view)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.message?.contains("drifts in this period") == true)
        #expect(Self.scorecard(state) != nil)
    }

    @Test func outsideUTF8TheScorecardIsASCIIAndSitesAreSideBySide() throws {
        for size in [Size(width: 80, height: 24), Size(width: 120, height: 40)] {
            var state = Fixture.state(size: size)
            Fixture.type("o", into: &state)
            let frame = Screen.render(state, unicode: false)
            #expect(frame.cells.allSatisfy { $0.text.unicodeScalars.allSatisfy { $0.value < 0x80 } })
            let text = frame.lines.joined(separator: "\n")
            #expect(text.contains("Oversight"))
            let names = try #require(frame.lines.first { $0.contains(state.desk.sites.keys.sorted()[0]) })
            for site in state.desk.sites.keys { #expect(names.contains(site), "\(site) at \(size)") }
        }
    }
}
