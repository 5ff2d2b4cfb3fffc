import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskScreen
import ReleaseDeskServices
import ReleaseDeskWorkstation

/// `diagnostics audit-open`: how long the workstation takes to show the audit viewer at the journal's last
/// record — open, verify and fold the whole journal, then the first frame of every record, newest selected.
struct AuditOpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-open",
        abstract: "Time opening the audit viewer at the last record of the journal (sign-in excluded).",
        discussion:
            "Prints the time to open, verify and fold the journal and to draw the first frame of the audit pane "
            + "listing every record with the last one selected; --print shows that frame."
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Width of the screen in cells.") var width = 200
    @Option(help: "Height of the screen in cells.") var height = 60
    @Flag(help: "Print the frame.") var print = false

    func run() throws {
        try Failure.guarded {
            // As the workstation does: records read again through the journal's index of lines, when it has one.
            var records = JournalRecords()
            let locations = try global.locations()
            let authenticator = try global.authenticator(for: locations)
            let password = try global.passwords().read(prompt: "Password for \(DisplayText.sanitize(global.userID)): ")
            let t0 = Monotonic.seconds()
            let desk = try Failure.opening(
                locations,
                observe: { records.append($0) },
                keepingPlaces: { archive in
                    if let archive { records = JournalRecords(archive: archive) }
                })
            let opened = Monotonic.seconds()
            // The password check (scrypt) and its record are not part of opening the viewer: timed apart.
            let account: UserAccount
            do {
                account = try desk.signIn(
                    user: global.userID, password: password, with: authenticator, channel: "cli:diagnostics")
            } catch let error as DeskError {
                throw Failure(.refused, error.description)
            }
            let t1 = Monotonic.seconds()
            let signIn = t1 - opened
            var state = WorkstationState(
                size: Size(width: width, height: height), now: SystemEnvironment.clock(), desk: desk.state,
                records: records,
                chain: ChainStatus(seq: desk.journal.head.seq, headHash: desk.journal.head.hash, alarm: desk.alarm),
                journalName: DisplayText.sanitize(StoreSelection.describe(desk.locations)),
                signIn: SignInForm(user: account.id))
            _ = Workstation.reduce(&state, .signInSucceeded(account))
            _ = Workstation.reduce(&state, .keyPressed(.char("4")))
            _ = Workstation.reduce(&state, .keyPressed(.char("a")))
            _ = Workstation.reduce(&state, .keyPressed(.char("z")))
            let frame = Screen.render(state)
            let t2 = Monotonic.seconds()
            let open = t1 - t0 - signIn
            var out = StandardOutput()
            if print { out.write(frame.lines.joined(separator: "\n") + "\n") }
            let selected = state.selectedAuditRecord?.seq ?? 0
            out.write(
                "audit viewer at record \(selected) of \(records.count): \(Self.seconds(open + t2 - t1)) s "
                    + "(open, verify and fold \(Self.seconds(open)) s; first frame \(Self.seconds(t2 - t1)) s; "
                    + "sign-in \(Self.seconds(signIn)) s not counted)\n")
            out.flush()
        }
    }

    static func seconds(_ s: Double) -> String { String(Int((s * 1000).rounded())).padded(thousandths: true) }
}
