import ReleaseDeskCore
import ReleaseDeskScreen
import Testing

@testable import ReleaseDeskWorkstation

/// The audit pane as a viewer: scope, structured filters, the record view, live records, the alarm banner.
@Suite("Audit viewer")
struct AuditViewerTests {
    static func onAudit() -> WorkstationState {
        var state = Fixture.state()
        _ = Workstation.reduce(&state, .keyPressed(.char("/")))
        Fixture.type("0022", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        _ = Workstation.reduce(&state, .keyPressed(.char("4")))
        return state
    }

    static func setFilter(_ text: String, _ state: inout WorkstationState) {
        _ = Workstation.reduce(&state, .keyPressed(.char("f")))
        Fixture.type(text, into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
    }

    @Test func aSwitchesBetweenTheBatchTrailAndEveryRecordAtTheNewest() {
        var state = Self.onAudit()
        let trail = state.desk.batches["CART-26-0022"]!.recordSeqs
        #expect(state.auditIndex.map { state.records[$0]?.seq } == trail)
        _ = Workstation.reduce(&state, .keyPressed(.char("a")))
        #expect(state.auditScope == .all)
        #expect(state.auditIndex.count == state.records.count)
        #expect(state.selectedAuditRecord?.seq == state.records.last?.seq)
        _ = Workstation.reduce(&state, .keyPressed(.char("a")))
        #expect(state.auditScope == .batch)
        #expect(state.rowCount(.audit) == trail.count)
    }

    @Test func filtersByActorKindBatchAndTimeAndSaysWhenATimeCannotBeRead() {
        var state = Self.onAudit()
        _ = Workstation.reduce(&state, .keyPressed(.char("a")))
        Self.setFilter("actor:system kind:batch.reviewed batch:CART-26-0022", &state)
        #expect(state.auditIndex.count == 1)
        #expect(state.selectedAuditRecord?.kind == RecordKind.batchReviewed)
        Self.setFilter("", &state)
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        Self.setFilter("kind:user.* since:2026-01-15 until:2026-01-16", &state)
        #expect(state.auditIndex.count == 2)
        #expect(state.auditIndex.allSatisfy { state.records[$0]?.kind == RecordKind.userEnrolled })
        Self.setFilter(" until:2026-01-14", &state)
        #expect(state.auditIndex.isEmpty)
        // until: includes the whole day, minute or second it names; a time may come with or without Z.
        for (filter, count) in [
            ("kind:user.* until:2026-01-15", 2), ("kind:user.* until:2026-01-15T11:59", 0),
            ("kind:user.* until:2026-01-15T12:00", 2), ("kind:user.* until:2026-01-15T12:00:00Z", 2),
            ("kind:user.* until:2026-01-15T11:59:59.999", 0), ("kind:user.* since:2026-01-15T12:00:01", 0),
            ("kind:user.* since:2026-01-15T12:00 until:2026-01-15T12:00", 2),
        ] {
            _ = Workstation.reduce(&state, .keyPressed(.escape))
            Self.setFilter(filter, &state)
            #expect(state.auditIndex.count == count, "\(filter)")
        }
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        Self.setFilter("since:yesterday", &state)
        #expect(state.auditFilterProblem?.hasPrefix("since:") == true)
        let text = Screen.render(state).lines.joined(separator: "\n")
        #expect(text.contains("filter not applied: since: use YYYY-MM-DD"))
    }

    @Test func enterOpensTheRecordReadableAndRawAndEscClosesIt() {
        var state = Self.onAudit()
        let record = state.selectedAuditRecord!
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.mode == .record(seq: record.seq, offset: 0))
        let lines = RecordView.lines(state, seq: record.seq, width: 100).map { $0.segments.map(\.text).joined() }
        #expect(lines.contains { $0.hasPrefix("Who") && $0.contains("system") })
        #expect(lines.contains { $0.hasPrefix("When") && $0.contains("UTC") })
        #expect(lines.contains { $0 == "Raw canonical record" })
        let raw = lines.drop { $0 != "Raw canonical record" }.dropFirst(2).joined()
        #expect(raw == AuditText.safeJSONLine(record))
        _ = Workstation.reduce(&state, .keyPressed(.char("p")))
        #expect(state.mode == .record(seq: state.selectedAuditRecord!.seq, offset: 0))
        #expect(state.selectedAuditRecord!.seq < record.seq)
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.mode == .normal)
        _ = Workstation.reduce(&state, .keyPressed(.char("z")))
        #expect(state.zoomed == .audit)
    }

    /// Found by the hostile-text torture line: a record holding a one-megabyte value took a third of a second
    /// for every key in the record view, which wrapped and escaped the whole raw line at each frame.
    @Test func aOneMegabyteRecordIsPagedNotWrappedWholeAtEveryKey() {
        var state = Self.onAudit()
        let selected = state.selectedAuditRecord!
        var record = selected
        record.body["note"] = .string(
            "\u{1B}]52;c;cHduZWQ=\u{07} \u{202E}" + String(repeating: "A", count: 1 << 20) + " 漢字")
        state.records = JournalRecords(
            state.records.indices.map { $0 == Int(record.seq) - 1 ? record : state.records[$0]! })
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(state.recordText?.seq == record.seq)
        #expect(state.recordText?.ascii == false)  // the two wide characters at the end
        let width = 100
        let all = RecordView.lines(state, seq: record.seq, width: width)
        #expect(all.count > 10_000)
        for offset in [0, 7, 5_000, all.count - 30, all.count + 50] {
            let page = RecordView.page(state, seq: record.seq, width: width, offset: offset, rows: 30)
            let first = max(0, min(offset, all.count - 30))
            #expect(page.first == first)
            #expect(page.total == all.count)
            #expect(page.lines == Array(all[first..<first + 30]))
        }
        let joined = all.map { $0.segments.map(\.text).joined() }.joined()
        #expect(!joined.contains("\u{1B}") && !joined.contains("\u{202E}"))
        _ = Workstation.reduce(&state, .keyPressed(.char("G")))
        #expect(state.mode == .record(seq: record.seq, offset: RecordView.maxOffset(state, seq: record.seq)))
        let screen = Screen.render(state).lines.joined(separator: "\n")
        #expect(screen.contains("漢字"))
        _ = Workstation.reduce(&state, .keyPressed(.escape))
        #expect(state.recordText == nil)
    }

    @Test func hardWrapPagesEqualTheWholeWrap() {
        let texts = [
            "", "a", String(repeating: "abc", count: 50), "漢字かな" + String(repeating: "x", count: 37) + "é\u{301}z",
            String(repeating: "界", count: 33),
        ]
        for text in texts {
            for width in [1, 2, 3, 7, 40] {
                let whole = Wrap.hard(text, width: width)
                #expect(Wrap.hardCount(text, width: width) == whole.count)
                for first in 0...whole.count + 1 {
                    for count in [1, 2, 5] {
                        let expected = Array(whole.dropFirst(first).prefix(count))
                        #expect(Wrap.hard(text, width: width, from: first, count: count) == expected)
                    }
                }
            }
        }
    }

    @Test func recordsAppendedByOthersAppearAndTheNewestStaysSelected() {
        var state = Self.onAudit()
        _ = Workstation.reduce(&state, .keyPressed(.char("a")))
        let last = state.records.last!
        let comment = Record(
            seq: last.seq + 1, at: Fixture.now, actor: "qp.maria", host: "h", kind: RecordKind.batchCommented,
            body: ["batch": "CART-26-0022", "reason": "seen"], prev: Record.zeroHash)
        var desk = state.desk
        desk.apply(comment)
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: [comment], chain: Fixture.chain))
        #expect(state.selectedAuditRecord?.seq == comment.seq)
        _ = Workstation.reduce(&state, .keyPressed(.char("a")))
        #expect(state.selectedAuditRecord?.seq == comment.seq)
        let title = Screen.render(state).lines.joined(separator: "\n")
        #expect(title.contains("commented on CART-26-0022"))
    }

    @Test func aMillionRecordsListAndMoveWithoutBuildingTheirTexts() {
        var state = Self.onAudit()
        let template = state.records.last!
        var added: [Record] = []
        added.reserveCapacity(1_000_000)
        while state.records.count + added.count < 1_000_000 {
            var copy = template
            copy.seq = Int64(state.records.count + added.count + 1)
            added.append(copy)
        }
        _ = Workstation.reduce(&state, .journalUpdated(state.desk, newRecords: added, chain: Fixture.chain))
        _ = Workstation.reduce(&state, .keyPressed(.char("a")))
        #expect(state.rowCount(.audit) == 1_000_000)
        #expect(state.selectedAuditRecord?.seq == 1_000_000)
        _ = Workstation.reduce(&state, .keyPressed(.char("g")))
        #expect(state.selectedAuditRecord?.seq == 1)
        let frame = Screen.render(state).lines.joined(separator: "\n")
        #expect(frame.contains("all records (1000000)"))
    }

    @Test func theSupervisorMarksTheTrailReviewedWithASignatureAndQAOfTheBatchIsRefused() {
        var state = Self.onAudit()
        // qa.anna imported the batch but did not disposition it: she is independent of its QA review.
        _ = Workstation.reduce(&state, .keyPressed(.char("V")))
        guard case .dialog(let dialog) = state.mode else {
            Issue.record("no dialog: \(state.message ?? "")")
            return
        }
        #expect(
            dialog.purpose
                == .auditReview(batch: "CART-26-0022", through: state.desk.batches["CART-26-0022"]!.recordSeqs.last!))
        #expect(dialog.focus == ActionDialog.cancelIndex)
        var maria = Fixture.state(user: "qp.maria")
        _ = Workstation.reduce(&maria, .keyPressed(.char("V")))
        #expect(maria.message?.hasPrefix("Refused (role)") == true)
    }

    @Test func theAlarmBannerTakesTheTopRowsAndNamesTheBadLine() {
        var state = Fixture.state(size: Size(width: 80, height: 24))
        var chain = Fixture.chain
        chain.alarm = "the journal is corrupt at line 7 (byte offset 2411): bad hash"
        _ = Workstation.reduce(&state, .journalUpdated(state.desk, newRecords: [], chain: chain))
        let lines = Screen.render(state).lines
        #expect(lines[0].hasPrefix("‼ INTEGRITY ALARM ‼ read-only"))
        #expect(lines[1].contains("line 7 (byte offset 2411)"))
        #expect(state.layout.panes[.queue]?.y == 2)
        _ = Workstation.reduce(&state, .keyPressed(.char("C")))
        #expect(state.message?.hasPrefix("Read-only") == true)
    }

    @Test func afterTheIdleLimitTheScreenLocksAndOnlyTheSameUserUnlocksIt() {
        var state = Fixture.state()
        let idle = state.desk.policy.idleLockMilliseconds
        _ = Workstation.reduce(&state, .tick(Fixture.now.adding(milliseconds: idle - 1000)))
        #expect(!state.locked)
        _ = Workstation.reduce(&state, .tick(Fixture.now.adding(milliseconds: idle + 1000)))
        #expect(state.locked)
        let text = Screen.render(state).lines.joined(separator: "\n")
        #expect(!text.contains("CART-"))
        #expect(text.contains("ReleaseDesk · locked"))
        #expect(text.contains("Locked after 15 min idle"))
        // Keys type into the form, never into the panes.
        #expect(Workstation.reduce(&state, .keyPressed(.char("q"))).isEmpty)
        _ = Workstation.reduce(&state, .keyPressed(.backspace))
        let effects = Fixture.type("demo-qa-anna", into: &state) + Workstation.reduce(&state, .keyPressed(.enter))
        #expect(effects == [.signIn(user: "qa.anna", password: "demo-qa-anna")])
        _ = Workstation.reduce(&state, .signInSucceeded(state.desk.users["qp.maria"]!))
        #expect(state.locked)
        _ = Workstation.reduce(&state, .signInSucceeded(state.desk.users["qa.anna"]!))
        #expect(!state.locked)
        #expect(state.session?.components(at: state.now) == .userIDAndPassword)
    }

    @Test func theCommandLineAssignsTheSelectedBatch() {
        var state = Self.onAudit()
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type("assign qa.ben", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.assign(batch: "CART-26-0022", to: "qa.ben")])
        // Without a user, :assign asks for one on the status line; Tab completes among active QA users.
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type("assign", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [])
        #expect(state.mode == .prompt(.assignee(batch: "CART-26-0022"), text: ""))
        #expect(Screen.render(state).lines.last!.hasPrefix("Assign CART-26-0022 to (user id, - removes): ▏"))
        Fixture.type("qa.a", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.tab))
        #expect(state.mode == .prompt(.assignee(batch: "CART-26-0022"), text: "qa.anna"))
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.assign(batch: "CART-26-0022", to: "qa.anna")])
        #expect(state.mode == .normal)
        // Esc cancels; an empty answer assigns nobody.
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type("assign", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("qa", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.escape)) == [])
        #expect(state.mode == .normal)
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type("assign", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [])
        #expect(state.message == "Not assigned: no user id given.")
        // The assignment is removed with :unassign, :assign - or - at the prompt.
        for line in ["unassign", "assign -"] {
            _ = Workstation.reduce(&state, .keyPressed(.char(":")))
            Fixture.type(line, into: &state)
            #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.unassign(batch: "CART-26-0022")], "\(line)")
        }
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type("assign", into: &state)
        _ = Workstation.reduce(&state, .keyPressed(.enter))
        Fixture.type("-", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [.unassign(batch: "CART-26-0022")])
        // Read-only: refused before anything is asked.
        state.readOnly = true
        _ = Workstation.reduce(&state, .keyPressed(.char(":")))
        Fixture.type("unassign", into: &state)
        #expect(Workstation.reduce(&state, .keyPressed(.enter)) == [])
        #expect(state.message?.hasPrefix("Read-only") == true)
    }

    @Test func supervisorsSeeLockedAccountsOnTheStatusLine() {
        var state = Fixture.state(user: "qp.maria")
        var desk = state.desk
        desk.apply(
            Record(
                seq: Int64(state.records.count + 1), at: Fixture.now, actor: "system", host: "h",
                kind: RecordKind.userLocked,
                body: ["user": "qa.anna", "reason": "5 failed sign-ins"], prev: Record.zeroHash))
        _ = Workstation.reduce(&state, .journalUpdated(desk, newRecords: [], chain: Fixture.chain))
        #expect(!Screen.render(state).lines.last!.contains("account(s) locked"))
        var supervisor = state.desk.users["qp.maria"]!
        supervisor.roles = [.supervisor]
        state.user = supervisor
        #expect(Screen.render(state).lines.last!.contains("⚠ 1 account(s) locked"))
    }
}
