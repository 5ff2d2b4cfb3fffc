import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

/// The deviation board in the workstation (`b`, `:board`, `:deviations`) and the at-risk mark of the queue, on
/// the sample site with four deviations opened by hand.
@Suite("Deviation board view")
struct BoardViewTests {
    static let hour: Int64 = 3_600_000

    /// The sample site plus: DEV-0001 critical on CART-26-0022, opened by qa.ben, 26 h overdue; DEV-0002 major
    /// on CART-26-0021, opened by qa.anna, classification approved, an extension waiting; DEV-0003 minor on
    /// CART-26-0050, opened by qa.ben, due in 30 h, its batch assigned to qa.anna; DEV-0004 major on
    /// CART-26-0023, its batch assigned to qa.carl, one extension approved. CART-26-0041 is assigned to qa.anna.
    static func state(size: Size = Size(width: 120, height: 40)) -> WorkstationState {
        var (desk, records) = Fixture.sample
        func append(_ kind: String, _ actor: String, _ body: [String: JSONValue]) {
            let record = Record(
                seq: Int64(records.count + 1), at: Fixture.now, actor: actor, host: "h", kind: kind,
                body: body,
                prev: Record.zeroHash)
            records.append(record)
            desk.apply(record)
        }
        func due(_ hours: Int64) -> JSONValue { .string(Fixture.now.adding(milliseconds: hours * hour).description) }
        func open(_ id: String, _ batch: String, _ exception: String, _ c: Severity, _ hours: Int64, _ by: String) {
            append(
                RecordKind.deviationOpened, by,
                [
                    "deviation": .string(id), "batch": .string(batch), "exceptions": [.string(exception)],
                    "classification": .string(c.rawValue), "title": .string("\(c.rawValue) deviation on \(batch)"),
                    "description": "d", "due": due(hours), "reason": "r",
                ])
        }
        open("DEV-0001", "CART-26-0022", "EXC-CART-26-0022-COI-finalbag2", .critical, -26, "qa.ben")
        open("DEV-0002", "CART-26-0021", "EXC-CART-26-0021-OOS-viability", .major, 120, "qa.anna")
        append(RecordKind.deviationClassificationApproved, "qa.ben", ["deviation": "DEV-0002", "reason": "r"])
        append(
            RecordKind.deviationExtensionRequested, "qa.anna",
            ["deviation": "DEV-0002", "due": due(288), "reason": "lab backlog"])
        open("DEV-0003", "CART-26-0050", "EXC-CART-26-0050-OOT-car_positive-run", .minor, 30, "qa.ben")
        open("DEV-0004", "CART-26-0023", "EXC-CART-26-0023-X", .major, 200, "qa.ben")
        append(
            RecordKind.deviationExtensionRequested, "qa.ben", ["deviation": "DEV-0004", "due": due(480), "reason": "r"])
        append(
            RecordKind.deviationExtensionApproved, "qa.anna", ["deviation": "DEV-0004", "due": due(480), "reason": "r"])
        for (batch, user) in [("CART-26-0050", "qa.anna"), ("CART-26-0023", "qa.carl"), ("CART-26-0041", "qa.anna")] {
            append(RecordKind.batchAssigned, "qa.anna", ["batch": .string(batch), "assignee": .string(user)])
        }
        var state = WorkstationState(
            size: size, now: Fixture.now, desk: desk, records: records, chain: Fixture.chain,
            journalName: "journal.jsonl", signIn: SignInForm(user: "qa.anna"))
        _ = Workstation.reduce(&state, .signInSucceeded(desk.users["qa.anna"]!))
        state.message = nil
        return state
    }

    static func press(_ key: Key, _ state: inout WorkstationState) { _ = Workstation.reduce(&state, .keyPressed(key)) }

    static func board(_ state: WorkstationState) -> BoardView? {
        if case .board(let view) = state.mode { return view }
        return nil
    }

    @Test func bOpensTheBoardOverdueFirstAndEscGoesBack() throws {
        var state = Self.state()
        Self.press(.char("b"), &state)
        let view = try #require(Self.board(state))
        #expect(view.section == .all)
        #expect(
            view.items.compactMap { item -> String? in
                if case .deviation(let row, _) = item { return row.id }
                return nil
            } == ["DEV-0001", "DEV-0003", "DEV-0002", "DEV-0004"])
        let text = Screen.render(state).lines.joined(separator: "\n")
        #expect(text.contains("4 open · 1 overdue"))
        #expect(text.contains("overdue by 26 h"))
        #expect(text.contains("1 waiting"))
        Self.press(.escape, &state)
        #expect(state.mode == .normal)
    }

    @Test func tabShowsMyWorkAndEnterSelectsTheDeviationsBatchAndException() throws {
        var state = Self.state()
        Self.press(.char("b"), &state)
        Self.press(.tab, &state)
        let view = try #require(Self.board(state))
        #expect(view.section == .mine)
        let labels = view.items.map { item -> String in
            switch item {
            case .heading(let text): return text
            case .deviation(let row, let steps): return row.id + ":" + steps.map(\.rawValue).joined(separator: ",")
            case .batch(let entry): return entry.id
            }
        }
        // DEV-0004's batch is qa.carl's; DEV-0002's extension was asked for by qa.anna herself.
        #expect(
            labels == [
                "Deviations waiting for you (3)", "DEV-0001:classification-approval", "DEV-0003:approval",
                "DEV-0002:investigation", "Batches assigned to you (2)", "CART-26-0041", "CART-26-0050",
            ])
        #expect(view.cursor.selected == 1)
        Self.press(.char("j"), &state)
        Self.press(.enter, &state)
        #expect(state.mode == .normal)
        #expect(state.selectedBatchID == "CART-26-0050")
        #expect(state.focus == .detail)
        #expect(state.selectedException?.id == "EXC-CART-26-0050-OOT-car_positive-run")
        // A batch row selects the batch in the queue.
        Self.press(.char("b"), &state)
        Self.press(.char("m"), &state)
        Self.press(.char("G"), &state)
        Self.press(.char("k"), &state)
        Self.press(.enter, &state)
        #expect(state.selectedBatchID == "CART-26-0041")
        #expect(state.focus == .queue)
    }

    @Test func enterClearsAQueueFilterThatHidesTheBatch() {
        var state = Self.state()
        _ = Workstation.execute(&state, "filter 0041")
        #expect(state.visibleQueue.count == 1)
        Self.press(.char("b"), &state)
        Self.press(.enter, &state)
        #expect(state.selectedBatchID == "CART-26-0022")
        #expect(state.filters[.queue] == nil)
    }

    @Test func theCommandLineOpensEitherList() throws {
        var state = Self.state()
        _ = Workstation.execute(&state, "board mine")
        #expect(Self.board(state)?.section == .mine)
        state.mode = .normal
        _ = Workstation.execute(&state, "deviations")
        #expect(Self.board(state)?.section == .all)
        state.mode = .normal
        _ = Workstation.execute(&state, "board everything")
        #expect(state.mode == .normal)
        #expect(state.message?.contains("mine") == true)
        #expect(Workstation.lineCommands.contains("board") && Workstation.lineCommands.contains("deviations"))
    }

    @Test func theBoardFollowsTheJournal() throws {
        var state = Self.state()
        Self.press(.char("b"), &state)
        var desk = state.desk
        desk.apply(
            Record(
                seq: desk.lastSeq + 1, at: Fixture.now, actor: "qa.anna", host: "h", kind: RecordKind.deviationApproved,
                body: ["deviation": "DEV-0003", "reason": "r"], prev: Record.zeroHash))
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: [], chain: state.chain))
        #expect(Self.board(state)?.items.count == 3)
    }

    @Test func aBatchAtRiskIsMarkedInTheQueueWithAGlyphAndAWord() throws {
        var state = Self.state()
        // CART-26-0027's potency result is pending; with an 800-hour turnaround it is expected less than 48 hours before the infusion.
        var desk = state.desk
        let index = desk.products["KYM-19"]!.attributes.firstIndex { $0.id == "potency" }!
        desk.products["KYM-19"]!.attributes[index].turnaroundHours = 800
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: [], chain: state.chain))
        let forecast = try #require(ReleaseForecast.forecast(state.desk, batch: "CART-26-0027", now: state.now))
        #expect(forecast.isAtRisk)
        _ = Workstation.execute(&state, "filter 0027")
        let row = try #require(Screen.render(state).lines.first { $0.contains("▶ CART-26-0027") })
        #expect(row.contains("◷ risk"), "\(row)")
        let ascii = try #require(Screen.render(state, unicode: false).lines.first { $0.contains("> CART-26-0027") })
        #expect(ascii.contains("@ risk"), "\(ascii)")
        let detail = DetailContent.forecastLines(forecast, now: state.now).map(\.text)
        #expect(detail.first?.hasPrefix("◷ at risk · earliest certification 2026-02-03 23:00Z") == true, "\(detail)")
        #expect(detail.contains { $0.contains("potency") && $0.contains("expected 2026-02-03 23:00Z") })
        // At 80 columns the narrow queue fits the mark as one word.
        _ = Workstation.reduce(&state, .resized(Size(width: 80, height: 24)))
        let narrow = try #require(Screen.render(state).lines.first { $0.contains("▶ CART-26-0027") })
        #expect(narrow.contains("◷risk"), "\(narrow)")
    }

    @Test(arguments: [0, 1])
    func theBoardMatchesItsSnapshots(sizeIndex: Int) throws {
        let size = RenderSnapshotTests.sizes[sizeIndex]
        var all = Self.state(size: size)
        Self.press(.char("b"), &all)
        var mine = all
        Self.press(.tab, &mine)
        for theme in RenderSnapshotTests.themes {
            try RenderSnapshotTests.check("board", all, theme: theme)
            try RenderSnapshotTests.check("board-mine", mine, theme: theme)
        }
    }
}
