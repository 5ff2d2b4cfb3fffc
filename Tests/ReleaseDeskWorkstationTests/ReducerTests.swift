import ReleaseDeskCore
import Testing

@testable import ReleaseDeskWorkstation

@Suite("Reducer")
struct ReducerTests {
    @Test func signInHandsThePasswordToTheEffectAndKeepsNoCopy() {
        var state = Fixture.signInState()
        #expect(state.signIn.field == .password)
        Fixture.type("s3cret", into: &state)
        #expect(state.signIn.password == "s3cret")
        let effects = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(effects == [.signIn(user: "qa.anna", password: "s3cret")])
        #expect(state.signIn.password == "")
        #expect(state.signIn.busy)
        #expect(state.user == nil)
        // Keys are ignored while the password is checked.
        #expect(Workstation.reduce(&state, .keyPressed(.char("x"))) == [])
        #expect(state.signIn.password == "")
    }

    @Test func failedSignInShowsTheReasonAndAsksAgain() {
        var state = Fixture.signInState()
        Fixture.type("wrong", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .signInFailed("user id or password is wrong"))
        #expect(state.signIn.message == "user id or password is wrong")
        #expect(!state.signIn.busy)
        #expect(state.signIn.field == .password)
        #expect(state.user == nil)
    }

    @Test func typingQInTheSignInFormTypesAndCtrlCQuits() {
        var state = Fixture.signInState()
        #expect(Workstation.reduce(&state, .keyPressed(.char("q"))) == [])
        #expect(state.signIn.password == "q")
        #expect(Workstation.reduce(&state, .keyPressed(.ctrl("c"))) == [.quit])
    }

    @Test func movingInTheQueueSelectsTheBatchOfTheOtherPanes() {
        var state = Fixture.state()
        let first = state.queueRow(0).id
        #expect(state.selectedBatchID == first)
        #expect(Workstation.reduce(&state, .keyPressed(.char("j"))) == [])
        #expect(state.cursor(.queue).selected == 1)
        #expect(state.selectedBatchID == state.queueRow(1).id)
        _ = Workstation.reduce(&state, .keyPressed(.char("k")))
        _ = Workstation.reduce(&state, .keyPressed(.char("k")))
        #expect(state.cursor(.queue).selected == 0)
        _ = Workstation.reduce(&state, .keyPressed(.char("G")))
        #expect(state.cursor(.queue).selected == state.visibleQueue.count - 1)
        let rows = state.layout.listRows(.queue)
        #expect(state.cursor(.queue).offset == state.visibleQueue.count - rows)
        _ = Workstation.reduce(&state, .keyPressed(.char("g")))
        #expect(state.cursor(.queue) == ListCursor(selected: 0, offset: 0))
        _ = Workstation.reduce(&state, .keyPressed(.pageDown))
        #expect(state.cursor(.queue).selected == rows)
        _ = Workstation.reduce(&state, .keyPressed(.ctrl("u")))
        #expect(state.cursor(.queue).selected == rows - rows / 2)
    }

    @Test func enterDrillsDownAndEscGoesBackWithoutQuitting() {
        var state = Fixture.state()
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [])
        #expect(state.focus == .exceptions)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.focus == .detail)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.zoomed == .detail)
        #expect(Workstation.reduce(&state, .keyPressed(.escape)) == [])
        #expect(state.zoomed == nil)
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.focus == .exceptions)
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.focus == .queue)
        #expect(Workstation.reduce(&state, .keyPressed(.escape)) == [])
        #expect(state.focus == .queue)
    }

    @Test func tabCyclesAndDigitsJump() {
        var state = Fixture.state()
        for expected in [Pane.exceptions, .detail, .audit, .queue] {
            _ = Workstation.reduce(&state, .keyPressed(.tab))
            #expect(state.focus == expected)
        }
        _ = Workstation.reduce(&state, .keyPressed(.backTab))
        #expect(state.focus == .audit)
        _ = Workstation.reduce(&state, .keyPressed(.char("2")))
        #expect(state.focus == .exceptions)
    }

    @Test func incrementalSearchJumpsAsYouTypeAndEscRestores() {
        var state = Fixture.state()
        let target = state.visibleQueue.indices.first { state.queueRow($0).id == "CART-26-0022" }!
        _ = Workstation.reduce(&state, .keyPressed(.char("/")))
        #expect(state.mode == .search(.queue, query: "", origin: 0))
        Fixture.type("0022", into: &state)
        #expect(state.mode == .search(.queue, query: "0022", origin: 0))
        #expect(state.cursor(.queue).selected == target)
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.mode == .normal)
        #expect(state.cursor(.queue).selected == 0)
        _ = Workstation.reduce(&state, .keyPressed(.char("/")))
        Fixture.type("flagged", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.lastSearch == "flagged")
        let first = state.cursor(.queue).selected
        #expect(state.queueRow(first).status == .flagged)
        _ = Workstation.reduce(&state, .keyPressed(.char("n")))
        let second = state.cursor(.queue).selected
        #expect(second > first)
        #expect(state.queueRow(second).status == .flagged)
        _ = Workstation.reduce(&state, .keyPressed(.char("N")))
        #expect(state.cursor(.queue).selected == first)
    }

    @Test func searchWithoutMatchSaysSo() {
        var state = Fixture.state()
        _ = Workstation.reduce(&state, .keyPressed(.char("/")))
        Fixture.type("no-such-batch", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.message == "No match for “no-such-batch”.")
        #expect(state.cursor(.queue).selected == 0)
    }

    @Test func filterNarrowsTheQueueWithCountsAndEscClears() {
        var state = Fixture.state()
        let all = state.visibleQueue.count
        _ = Workstation.reduce(&state, .keyPressed(.char("f")))
        Fixture.type("ONA", into: &state)
        #expect(state.filters[.queue] == "ONA")
        #expect(state.visibleQueue.count < all)
        #expect(state.visibleQueue.allSatisfy { state.queueRows[$0].product.hasPrefix("ONA") })
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.mode == .normal)
        #expect(state.filters[.queue] == "ONA")
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.filters[.queue] == nil)
        #expect(state.visibleQueue.count == all)
    }

    @Test func sortMenuChoosesAColumnAndSReverses() {
        var state = Fixture.state()
        _ = Workstation.reduce(&state, .keyPressed(.char("s")))
        #expect(state.mode == .sortMenu)
        _ = Workstation.reduce(&state, .keyPressed(.char("b")))
        #expect(state.mode == .normal)
        #expect(state.sortColumn == .batch)
        let ids = state.visibleQueue.map { state.queueRows[$0].id }
        #expect(ids == ids.sorted())
        _ = Workstation.reduce(&state, .keyPressed(.char("S")))
        #expect(state.visibleQueue.map { state.queueRows[$0].id } == ids.reversed())
    }

    @Test func sortAndFilterKeepTheSelectedBatch() {
        var state = Fixture.state()
        for _ in 0..<5 { _ = Workstation.reduce(&state, .keyPressed(.char("j"))) }
        let chosen = state.selectedBatchID
        _ = Workstation.reduce(&state, .keyPressed(.char("S")))
        #expect(state.selectedBatchID == chosen)
        #expect(state.selectedQueueEntry?.id == chosen)
    }

    @Test func helpOpensForTheFocusedPaneAndAnyCloseKeyCloses() {
        var state = Fixture.state()
        _ = Workstation.reduce(&state, .keyPressed(.char("4")))
        _ = Workstation.reduce(&state, .keyPressed(.char("?")))
        #expect(state.mode == .help(.audit, offset: 0))
        #expect(Workstation.reduce(&state, .keyPressed(.char("q"))) == [])
        #expect(state.mode == .normal)
    }

    @Test func quitReloadAndRedrawAreEffects() {
        var state = Fixture.state()
        #expect(Workstation.reduce(&state, .keyPressed(.char("R"))) == [.reload])
        #expect(Workstation.reduce(&state, .keyPressed(.ctrl("l"))) == [.redraw])
        #expect(Workstation.reduce(&state, .keyPressed(.char("q"))) == [.quit])
        #expect(Workstation.reduce(&state, .keyPressed(.ctrl("c"))) == [.quit])
    }

    @Test func belowTheMinimumSizeOnlyQuitWorksAndResizeKeepsTheSelection() {
        var state = Fixture.state()
        for _ in 0..<7 { _ = Workstation.reduce(&state, .keyPressed(.char("j"))) }
        let chosen = state.selectedBatchID
        _ = Workstation.reduce(&state, .resized(Size(width: 60, height: 20)))
        #expect(state.size.isTooSmall)
        #expect(Workstation.reduce(&state, .keyPressed(.char("j"))) == [])
        #expect(state.cursor(.queue).selected == 7)
        _ = Workstation.reduce(&state, .resized(Size(width: 80, height: 24)))
        #expect(state.selectedBatchID == chosen)
        let c = state.cursor(.queue)
        #expect(c.selected >= c.offset && c.selected < c.offset + state.layout.listRows(.queue))
        #expect(Workstation.reduce(&state, .keyPressed(.char("q"))) == [.quit])
    }

    @Test func newRecordsKeepTheSelectedBatchSelected() {
        var state = Fixture.state()
        for _ in 0..<3 { _ = Workstation.reduce(&state, .keyPressed(.char("j"))) }
        let chosen = state.selectedBatchID
        let desk = state.desk
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: [], chain: Fixture.chain))
        #expect(state.selectedBatchID == chosen)
        #expect(state.cursor(.queue).selected == 3)
    }

    @Test func integrityAlarmMakesTheWorkstationReadOnly() {
        var state = Fixture.state()
        var chain = Fixture.chain
        chain.alarm = "the journal is corrupt at line 7"
        _ = Workstation.reduce(&state, .journalUpdated(state.desk, newRecords: [], chain: chain))
        #expect(state.readOnly)
        #expect(state.chain.alarm == "the journal is corrupt at line 7")
    }

    @Test func commandLineCompletesAndRuns() {
        var state = Fixture.state()
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type("so", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        #expect(state.mode == .command("sort "))
        Fixture.type("si", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        #expect(state.mode == .command("sort site"))
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.sortColumn == .site)
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type("quit", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.quit])
    }

    @Test func theExceptionListFollowsTheBatchAndDetailExplainsIt() {
        var state = Fixture.state()
        _ = Workstation.reduce(&state, .keyPressed(.char("/")))
        Fixture.type("0022", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.selectedBatchID == "CART-26-0022")
        let exception = state.selectedException
        #expect(exception?.rule == "COI")
        let lines = DetailContent.lines(state, width: 60).map { $0.segments.map(\.text).joined() }
        #expect(lines.contains { $0.hasPrefix("Why") })
        #expect(lines.contains { $0.contains("Batch CART-26-0022") })
    }

    @Test func hundredThousandRowsMoveInConstantWork() {
        var state = Fixture.state()
        // Widen the queue to many rows by repeating the sample's entries under new ids.
        var desk = state.desk
        let template = desk.batches.values.first { desk.queueEntry($0).status == .flagged }!
        for i in 0..<100_000 {
            var copy = template
            copy.batch.id = "SYN-\(i)"
            desk.batches[copy.batch.id] = copy
        }
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: [], chain: Fixture.chain))
        #expect(state.visibleQueue.count > 100_000)
        _ = Workstation.reduce(&state, .keyPressed(.char("G")))
        #expect(state.cursor(.queue).selected == state.visibleQueue.count - 1)
        _ = Workstation.reduce(&state, .keyPressed(.char("k")))
        #expect(state.cursor(.queue).selected == state.visibleQueue.count - 2)
    }
}
