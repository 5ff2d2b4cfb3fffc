import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskScreen
import ReleaseDeskServices
import ReleaseDeskWorkstation

/// What the runtime takes from the process: the clocks, the log, how an error reads, whether a signal asked
/// the program to end. The executable passes the real ones; a test passes its own.
public struct RuntimeEnvironment {
    /// Wall-clock time (journal time, UTC).
    public var clock: () -> Timestamp
    /// Seconds on a clock that never steps back (for polling intervals).
    public var monotonic: () -> Double
    /// One line for the workstation's log.
    public var log: (String) -> Void
    /// The one sentence a user is shown for an error.
    public var describe: (any Error) -> String
    /// The signal that asked the program to end, or 0.
    public var pendingSignal: () -> Int32
    /// Whether the terminal shows UTF-8 (otherwise ASCII stand-ins are drawn).
    public var unicode: Bool
    /// How often records appended by other processes are looked for, in milliseconds.
    public var pollMilliseconds: Double
    /// How long one read of a key waits, in milliseconds.
    public var keyTimeoutMilliseconds: Int

    public init(
        clock: @escaping () -> Timestamp, monotonic: @escaping () -> Double, log: @escaping (String) -> Void,
        describe: @escaping (any Error) -> String, pendingSignal: @escaping () -> Int32 = { 0 }, unicode: Bool = true,
        pollMilliseconds: Double = 500, keyTimeoutMilliseconds: Int = 200
    ) {
        self.clock = clock
        self.monotonic = monotonic
        self.log = log
        self.describe = describe
        self.pendingSignal = pendingSignal
        self.unicode = unicode
        self.pollMilliseconds = pollMilliseconds
        self.keyTimeoutMilliseconds = keyTimeoutMilliseconds
    }
}

/// The workstation's effect loop: read a key, reduce, run the effects the reducer returned and feed their
/// results back as actions, poll the journal for other processes' records, collect the background integrity
/// verdicts, draw. Rules live in the core and the services, state changes in `Workstation.reduce`, drawing in
/// `Screen.render`; this type only carries results between them. Generic over the terminal, so a test drives
/// a whole story against `MemoryTerminal` one key at a time.
@MainActor
public final class WorkstationRuntime<Terminal: TerminalBackend> {
    /// The state the next frame is drawn from.
    public private(set) var state: WorkstationState
    /// Set once the user quit (or a signal asked the program to end).
    public private(set) var finished = false

    public let desk: Desk
    public let terminal: Terminal
    public let integrity: BackgroundIntegrity
    private let authenticator: Authenticator
    private let environment: RuntimeEnvironment
    private var differ = FrameDiffer()
    private var lastPoll: Double
    private let appended = RecordInbox()

    /// Records the desk folded in that the state has not been told of yet.
    private final class RecordInbox {
        var records: [Record] = []
    }

    /// Starts the runtime on an open desk. `records` are the records read when it was opened (the audit pane
    /// lists them); every later record reaches the state through `journalUpdated`. The deep check of every
    /// signature starts at once, on another thread: until it has passed, no signature is made.
    public init(
        desk: Desk, records: JournalRecords, terminal: Terminal, authenticator: Authenticator, journalName: String,
        signIn: SignInForm, readOnly: Bool, preferences: Preferences = Preferences(), environment: RuntimeEnvironment
    ) {
        self.desk = desk
        self.terminal = terminal
        self.authenticator = authenticator
        self.environment = environment
        integrity = BackgroundIntegrity(store: desk.journal, verifiedAtOpen: desk.warmFrom == nil)
        state = WorkstationState(
            size: terminal.size, now: environment.clock(), desk: desk.state, records: records,
            chain: Self.chain(desk, deepCheckPassed: false), journalName: DisplayText.sanitize(journalName),
            signIn: signIn,
            readOnly: readOnly || desk.alarm != nil)
        state.preferences = preferences
        state.preferences.unicode = environment.unicode
        lastPoll = environment.monotonic()
        let inbox = appended
        desk.onRecord = { inbox.records.append($0) }
        desk.journal.startWatching()
        integrity.startDeepCheck(expecting: desk.warmFrom == nil ? nil : desk.state)
    }

    /// Runs until the user quits or a signal asks the program to end; then saves the witness when someone
    /// was signed in.
    public func run() {
        while !finished && environment.pendingSignal() == 0 {
            step()
        }
        if state.user != nil { desk.checkpoint() }
    }

    /// One turn of the loop: draw, wait for a key (at most `keyTimeoutMilliseconds`), reduce it, then poll and
    /// run every effect. A test calls it once per key.
    public func step() {
        let size = terminal.size
        if size != state.size { _ = deliver(.resized(size)) }
        draw()
        var effects: [Effect] = []
        if let key = terminal.readKey(timeoutMilliseconds: environment.keyTimeoutMilliseconds) {
            effects = deliver(.keyPressed(key))
        }
        _ = deliver(.tick(environment.clock()))
        let now = environment.monotonic()
        // Read on the timer, and at once when the store says something was appended (a PostgreSQL
        // notification, or a reconnect after which notifications may have been missed).
        let woken = desk.journal.takeWakeUp()
        if state.user != nil, woken || (now - lastPoll) * 1000 >= environment.pollMilliseconds {
            lastPoll = now
            effects.append(.reload)
            integrity.poll(head: desk.journal.head)
        }
        if let alarm = integrity.takeAlarm(), desk.alarm == nil {
            desk.raiseAlarm(alarm)
            environment.log("integrity alarm: \(alarm)")
        }
        let verified = integrity.signaturesMayBeAccepted
        if verified, desk.awaitsStateConfirmation { desk.acceptStateConfirmation() }
        if verified != state.chain.signaturesVerified {
            effects.append(.reload)  // the new chain status is delivered with the reload
        }
        while !effects.isEmpty && !finished {
            effects += run(effects.removeFirst())
            let chain = Self.chain(desk, deepCheckPassed: integrity.signaturesMayBeAccepted)
            if !appended.records.isEmpty || chain != state.chain {
                let fresh = appended.records
                appended.records = []
                effects += deliver(.journalUpdated(desk.state, newRecords: fresh, chain: chain))
            }
        }
    }

    /// Sends the terminal what changed since the last frame.
    private func draw() {
        let frame = Screen.render(state, unicode: environment.unicode)
        terminal.draw(differ.runs(to: frame))
        terminal.placeCursor(frame.cursor)
    }

    private func deliver(_ action: Action) -> [Effect] { Workstation.reduce(&state, action) }

    /// Runs one effect; returns the effects of the actions its result was delivered as.
    private func run(_ effect: Effect) -> [Effect] {
        let log = environment.log
        switch effect {
        case .quit:
            finished = true
            return []
        case .redraw:
            differ.invalidate()
            terminal.redrawAll()
            return []
        case .unassign(let batch):
            guard let user = state.user else { return [] }
            do {
                try desk.perform("batch.unassign", by: user.id, about: .batch(batch)) { fresh throws(ActionRefusal) in
                    try ReleaseRules.unassign(batch: batch, by: user.id, in: fresh)
                }
                log("removed the assignment of \(batch) as \(user.id)")
                return deliver(.actionSucceeded(DisplayText.sanitize("Removed the assignment of \(batch).")))
            } catch {
                return deliver(.actionRefused(DisplayText.sanitize(environment.describe(error))))
            }
        case .copy(let text):
            terminal.copyToClipboard(text)
            return []
        case .reload:
            do {
                try desk.refresh()
                return []
            } catch {
                let message = environment.describe(error)
                log("reading the journal failed: \(message)")
                return deliver(.journalReadFailed(DisplayText.sanitize(message)))
            }
        case .journalRefusal(let action, let refusal):
            guard let user = state.user else { return [] }
            do {
                let subject = state.selectedBatchID.map(ActionSubject.batch)
                try desk.recordRefusal(action, by: user.id, about: subject, refusal)
            } catch {
                log("refused \(action) for \(user.id): \(refusal.gate)")
            }
            return []
        case .signatureUnderOtherID(let typed):
            guard let user = state.user else { return [] }
            do {
                try desk.recordSignatureUnderOtherID(typed: typed, session: user.id, channel: "tui:signature")
                log("signature under another user id refused for \(user.id)")
            } catch {
                log("journaling a signature under another user id failed: \(environment.describe(error))")
            }
            return []
        case .assign(let batch, let assignee):
            guard let user = state.user else { return [] }
            do {
                try desk.perform("batch.assign", by: user.id, about: .batch(batch)) { fresh throws(ActionRefusal) in
                    try ReleaseRules.assign(batch: batch, to: assignee, by: user.id, in: fresh)
                }
                log("assigned \(batch) to \(assignee) as \(user.id)")
                return deliver(.actionSucceeded(DisplayText.sanitize("Assigned \(batch) to \(assignee).")))
            } catch {
                return deliver(.actionRefused(DisplayText.sanitize(environment.describe(error))))
            }
        case .sign(let action, let content, let password):
            guard let user = state.user else { return [] }
            draw()  // "Signing…" while the password is checked
            let alarmBefore = desk.alarm
            defer { if alarmBefore == nil, let alarm = desk.alarm { log("integrity alarm: \(alarm)") } }
            do {
                let written = try desk.sign(
                    action, as: user.id, password: password, with: authenticator, channel: "tui:signature",
                    shown: Signing.digest(content), clock: environment.clock)
                let first = written.first.map { "#\($0.seq) \($0.kind)" } ?? "nothing"
                let meaning = written.first.flatMap { Signature.decode($0.body["signature"])?.meaning.rawValue } ?? "-"
                log("signed \(action.name) as \(user.id): \(first)")
                return deliver(.actionSucceeded("Signed (meaning: \(meaning)) and saved as \(first)."))
            } catch {
                let message = environment.describe(error)
                log("signature for \(action.name) by \(user.id) refused: \(message)")
                return deliver(.actionRefused(DisplayText.sanitize(message)))
            }
        case .signIn(let user, let password):
            draw()  // "Checking…" while the password is checked
            do {
                let account = try desk.signIn(user: user, password: password, with: authenticator, channel: "tui")
                log("signed in as \(account.id)")
                return deliver(.signInSucceeded(account))
            } catch {
                let message = environment.describe(error)
                log("sign-in as \(user) refused: \(message)")
                return deliver(.signInFailed(DisplayText.sanitize(message)))
            }
        }
    }

    /// What the status line says of the journal.
    static func chain(_ desk: Desk, deepCheckPassed: Bool) -> ChainStatus {
        ChainStatus(
            seq: desk.journal.head.seq, headHash: desk.journal.head.hash,
            alarm: desk.alarm.map { DisplayText.sanitize($0) },
            signaturesVerified: deepCheckPassed,
            connection: desk.journal.connectionProblem.map { DisplayText.sanitize($0) })
    }
}
