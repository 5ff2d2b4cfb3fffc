import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

/// The trend view: reached with `t` from a batch and with `:trends`, left with Esc, drawn in braille or ASCII.
@Suite("Trend view")
struct TrendViewTests {
    static func trends(_ state: WorkstationState) -> TrendView? {
        if case .trends(let view) = state.mode { return view }
        return nil
    }

    static func command(_ line: String, _ state: inout WorkstationState) {
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type(line, into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
    }

    @Test func tOpensTheBatchsSiteBesideAnotherAndEscGoesBack() throws {
        var state = Fixture.state()
        let batch = try #require(state.selectedBatchID)
        let record = try #require(state.desk.batches[batch]?.batch)
        Fixture.type("t", into: &state)
        let view = try #require(Self.trends(state))
        #expect(view.product == record.product && view.sites.first == record.site && view.batch == batch)
        #expect(view.sites.count == 2 && view.charts.count == 2 && view.sites[0] != view.sites[1])
        #expect(view.charts[0].index(of: batch) != nil || view.charts[0].withoutValue.contains(batch))
        let trended = Trends.trendedAttributes(of: state.desk.products[record.product]!).map(\.id)
        #expect(trended.contains(view.attribute))
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.mode == .normal && state.focus == .queue && state.selectedBatchID == batch)
    }

    @Test func arrowsChangeTheAttributeAndJScrollsOnlyAsFarAsThereIsText() throws {
        var state = Fixture.state()
        Fixture.type("t", into: &state)
        let first = try #require(Self.trends(state))
        _ = Workstation.reduce(&state, .keyPressed(.right))
        let second = try #require(Self.trends(state))
        #expect(second.attribute != first.attribute && second.sites == first.sites)
        _ = Workstation.reduce(&state, .keyPressed(.left))
        #expect(Self.trends(state)?.attribute == first.attribute)
        for _ in 0..<200 { _ = Workstation.reduce(&state, .keyPressed(.char("j"))) }
        let view = try #require(Self.trends(state))
        let layout = TrendLayout(size: state.size)
        #expect(view.offset == layout.maxOffset(view.signalLines(width: layout.inner.width).count))
        // Only two sites make this product: Tab says so and keeps the view.
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        #expect(Self.trends(state)?.sites == first.sites)
        #expect(state.message?.contains("no other site") == true)
        // A journal update recomputes the charts and keeps the view.
        _ = Workstation.reduce(&state, .journalUpdated(state.desk, newRecords: [], chain: state.chain))
        #expect(Self.trends(state)?.attribute == first.attribute)
    }

    @Test func theCommandLineOpensAnyChartAndNamesWhatIsWrong() throws {
        var state = Fixture.state()
        let batch = try #require(state.selectedBatchID)
        Self.command("trends car_positive", &state)
        #expect(Self.trends(state)?.attribute == "car_positive" && Self.trends(state)?.batch == batch)
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        Self.command("trends KYM-19 CMO-A potency", &state)
        let view = try #require(Self.trends(state))
        #expect(view.sites.first == "CMO-A" && view.attribute == "potency")
        #expect(view.batch == nil || state.desk.batches[batch]?.batch.site == "CMO-A")
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        Self.command("trends nope", &state)
        #expect(state.mode == .normal)
        #expect(state.message?.contains("attribute: product KYM-19 has no attribute nope") == true)
        Self.command("trends KYM-19 NOWHERE viability", &state)
        #expect(state.message?.contains("site: no site NOWHERE") == true)
        #expect(Workstation.lineCommands.contains("trends"))
    }

    @Test func theKeyLooksAndChangesNothingAndIsNotBoundInTheAuditPane() {
        let binding = KeyMap.bindings.first { $0.command == .trends }
        #expect(binding?.keys == [.char("t")] && binding?.changesData == false && binding?.signs == false)
        #expect(KeyMap.conflicts().isEmpty)
        var state = Fixture.state()
        _ = Workstation.reduce(&state, .keyPressed(.char("4")))
        Fixture.type("t", into: &state)
        #expect(state.mode == .normal)
    }

    @Test(arguments: [Size(width: 80, height: 24), Size(width: 120, height: 40)])
    func outsideUTF8TheChartIsDrawnInASCII(size: Size) throws {
        var state = Fixture.state(size: size)
        Fixture.type("t", into: &state)
        let view = try #require(Self.trends(state))
        let lines = Screen.render(state, unicode: false).lines
        #expect(lines.count == size.height)
        for line in lines { #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "\(line)") }
        let text = lines.joined(separator: "\n")
        for word in ["UCL", "LCL", "CL ", "LSL", view.sites[0], view.sites[1], "preliminary", "^", "o", "="] {
            #expect(text.contains(word), "\(word)")
        }
        // In UTF-8 the plot is braille, the marked batch a ▲.
        let unicode = Screen.render(state).lines.joined(separator: "\n")
        #expect(unicode.unicodeScalars.contains { $0.value >= 0x2801 && $0.value <= 0x28FF })
        #expect(unicode.contains("▲"))
    }
}
