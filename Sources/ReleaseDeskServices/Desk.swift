import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal

/// An open journal and the state it folds to; performs actions atomically under the journal lock.
///
/// Every action re-reads what other users appended, re-checks its rule against that fresh state, and only
/// then writes. A refused action is itself journaled (`action.refused`).
public final class Desk {
    /// The journal.
    public let journal: any JournalStore
    /// Where the files are.
    public let locations: Locations
    /// The state the journal folds to.
    public internal(set) var state: DeskState
    /// Why nothing may be written or signed: corruption, or a witness that does not match.
    public private(set) var alarm: String?
    /// This user's witness, when the alarm is that it no longer matches the journal; an administrator's
    /// acknowledgement naming it (`acknowledgeAlarm`) moves it on.
    public private(set) var disagreeingWitness: IntegrityAcknowledgement.Point?
    private let witnesses: WitnessStore
    /// The store's change token when it was last verified whole (at opening, or by `checkIntegrityIfChanged`).
    /// A warm open never sets it: the file is verified whole again before anything is signed.
    var verifiedToken: ChangeToken?
    /// The snapshot the state was loaded from, when the desk was opened warm (nil after a cold open).
    public internal(set) var warmFrom: ResumePoint?
    /// Whether a warm open's state has been compared with a replay of the whole journal and found equal.
    public internal(set) var warmStateConfirmed = false
    /// What happened to the snapshot while opening (ignored and why, loaded, written), for the log.
    public internal(set) var snapshotNotes: [String] = []
    /// Where records read or written can be read again by `seq`, when the desk was opened `keepingPlaces` on a
    /// store that notes them (nil otherwise: a caller that shows records keeps them).
    public internal(set) var archive: (any RecordArchive)?
    /// Told, before a desk reads its store, where records will be read again from (`open(…keepingPlaces:)`).
    public typealias KeepingPlaces = (_ archive: (any RecordArchive)?) -> Void
    /// Whether the state came from a snapshot that no replay of the whole journal has confirmed yet: nothing
    /// may be written or signed on it (`confirmWarmState` first).
    public var awaitsStateConfirmation: Bool { warmFrom != nil && !warmStateConfirmed }

    private init(journal: any JournalStore, locations: Locations, state: DeskState) {
        self.journal = journal
        self.locations = locations
        self.state = state
        self.witnesses = WitnessStore(directory: locations.stateDirectory)
    }

    /// Whether opening may start from this user's verified-state snapshot (`SnapshotPolicy`).
    public enum Warm: Sendable {
        /// Read and fold the journal from its first record (every command that writes or signs).
        case cold
        /// Load a matching snapshot, replay the tail, then verify the whole file before returning (commands
        /// that only show).
        case verifyFirst
        /// Load a matching snapshot and replay the tail; the caller verifies the whole file and confirms the
        /// state in the background (`BackgroundIntegrity`) before anything is signed (the workstation).
        case verifyInBackground
    }

    /// What opening does when the journal does not verify or this user's witness disagrees.
    public enum OnAlarm: Sendable {
        /// Throw `DeskError.notVerified`: nothing of the journal may be shown or written. Every command.
        case refuse
        /// Open read-only with `alarm` set, for a caller that shows the alarm itself and acts on nothing.
        case keepReadOnly
    }

    /// Opens the journal at `locations`, reads and verifies it, and checks this user's witness.
    ///
    /// With `onAlarm: .refuse` (the default) a journal that does not verify, or a witness that disagrees,
    /// throws `DeskError.notVerified` naming the line and byte offset, so no command can show or act on
    /// such a journal. `observe` sees every record as it is read, so a caller that lists records needs no
    /// second read; it must not show them before this returns.
    public static func open(
        _ locations: Locations, mode: Journal.Mode = .readWrite, policy: SecurityPolicy = SecurityPolicy(),
        onAlarm: OnAlarm = .refuse, environment: JournalEnvironment = SystemEnvironment.journal,
        warm: Warm = .cold, observe: (Record) -> Void = { _ in }, keepingPlaces: KeepingPlaces? = nil
    ) throws -> Desk {
        let journal = try StoreSelection.open(locations, mode: mode, environment: environment)
        return try open(
            journal, locations: locations, policy: policy, onAlarm: onAlarm, warm: warm, observe: observe,
            keepingPlaces: keepingPlaces)
    }

    /// Opens the desk on `store` (not read yet): reads and verifies it all and checks this user's witness,
    /// as `open(_:…)` does for the journal file of `locations`. With `keepingPlaces` the store notes where each
    /// record is as it reads (`archive`), so a caller that shows records later can read them again instead of
    /// keeping them; it is called once, before anything is read, with the archive (nil: the store keeps no
    /// places, so the caller keeps the records). Such an opening is cold: the places are noted from record 1.
    public static func open(
        _ store: any JournalStore, locations: Locations, policy: SecurityPolicy = SecurityPolicy(),
        onAlarm: OnAlarm = .refuse, warm: Warm = .cold, observe: (Record) -> Void = { _ in },
        keepingPlaces: KeepingPlaces? = nil
    ) throws -> Desk {
        var warm = warm
        var archive: (any RecordArchive)? = nil
        if let keepingPlaces {
            archive = store.keepRecordPlaces()
            keepingPlaces(archive)
            warm = .cold
        }
        // Taken before the store is read: a change while it is read moves the token, and the next check reads
        // it all again.
        let token = store.changeToken()
        let desk = Desk(journal: store, locations: locations, state: DeskState(policy: policy))
        desk.archive = archive
        // The lines before a snapshot are not read here: with `.verifyFirst` the whole store is verified on
        // another thread, up to the record the snapshot names, while the snapshot is loaded.
        // The witness and the snapshot are filed under the journal id: learn it first, once.
        let journalID = try store.identify()
        let early = warm == .verifyFirst ? journalID.flatMap { desk.verifyWhileLoading(journalID: $0) } : nil
        try desk.readAll(journalID: journalID, warm: warm, observe: observe)
        let earlyFinding = early?.wait()
        if desk.alarm == nil {
            if desk.warmFrom == nil {
                desk.verifiedToken = token
            } else if warm == .verifyFirst {
                // Verified before anything is shown; the token stays unset, so a signature verifies it again
                // (`Desk.sign`). The tail after the snapshot's record was chain-checked as it was read.
                let finding =
                    early?.point == desk.warmFrom ? earlyFinding : store.integrityCheck(store.head)
                if let finding { desk.raiseAlarm(finding) }
            }
        }
        if let alarm = desk.alarm, onAlarm == .refuse { throw DeskError.notVerified(alarm) }
        if desk.alarm == nil, warm != .cold, desk.warmFrom == nil || warm == .verifyFirst { desk.saveSnapshotIfDue() }
        return desk
    }

    /// Creates a journal with its first administrator, whose password is set at once. With `password` nil
    /// (PAM: the operating system keeps passwords) no credential file is written.
    public static func create(
        _ locations: Locations, administrator id: String, name: String, password: String?,
        environment: JournalEnvironment = SystemEnvironment.journal
    ) throws -> Desk {
        if locations.readOnly { throw DeskError.readOnlySession("init") }
        let enrolment = try UserAdministration.enrolFirstAdministrator(id, name: name)
        var hash: PasswordHash? = nil
        if let password {
            if let problem = PasswordPolicy.problem(with: password, for: id) {
                throw ActionRefusal(.rule, gate: "password", problem)
            }
            hash = try PasswordHash.make(password)  // before the journal exists: slow, and may fail
        }
        let (journal, records) = try StoreSelection.create(
            locations, actor: id, then: [enrolment], environment: environment)
        if let hash { try CredentialStore(path: locations.credentials).save([id: hash]) }
        let desk = Desk(journal: journal, locations: locations, state: DeskState.replay(records))
        desk.saveWitness()
        return desk
    }

    private func readAll(journalID: String?, warm: Warm, observe: (Record) -> Void) throws {
        // Watch the witness's seq while reading: the check then costs nothing extra.
        var witness: Witness? = nil
        if let id = journalID {
            witness = try witnesses.load(journalID: id)
            if warm != .cold { try startFromSnapshot(journalID: id, witness: witness) }
            if let witness, witness.seq > (warmFrom?.seq ?? 0) { journal.watchSeqs = [witness.seq] }
        }
        try journal.readToEnd { record in
            state.apply(record)
            observe(record)
        }
        if let corruption = journal.corruption {
            alarm = "the journal is corrupt at \(corruption)"
            return
        }
        let mine = witness?.journalID == journal.journalID ? witness : nil
        // A witness at the snapshot's record was checked when the journal was taken up there.
        let atSnapshot = mine != nil && mine?.seq == warmFrom?.seq
        let problem = atSnapshot ? nil : mine.flatMap { journal.witnessProblem($0) }
        let verdict = WitnessPolicy.judge(mine, problem: problem) {
            state.acknowledgedWitnesses[$0]
        }
        if case .changed(let problem, let point) = verdict {
            alarm = "\(problem) (your witness: seq \(point.seq), sha256 \(point.sha256))"
            disagreeingWitness = point
            return
        }
        saveWitness()
    }

    /// Raises the integrity alarm (found by a later verification of the whole file): read-only from now on.
    public func raiseAlarm(_ why: String) {
        if alarm == nil { alarm = why }
    }

    /// Records the current head as this user's witness (never moving it backwards).
    func saveWitness() {
        guard alarm == nil else { return }
        try? WitnessPolicy.advance(witnesses, journalID: journal.journalID, to: journal.head)
    }

    /// Reads records others appended and folds them in.
    /// Called with every record folded in after opening (read from others, or written here), in `seq` order.
    public var onRecord: ((Record) -> Void)?

    /// Folds one record into the state and tells `onRecord`.
    func fold(_ record: Record) {
        state.apply(record)
        onRecord?(record)
    }

    public func refresh() throws {
        try journal.readNew { fold($0) }
        if let corruption = journal.corruption, alarm == nil { alarm = "the journal is corrupt at \(corruption)" }
    }

    /// Performs `action` atomically: under the lock, with state refreshed, `decide` returns the records to
    /// write or throws a refusal. A refusal is journaled as `action.refused` and then thrown.
    ///
    /// `subject` names what the action is about; a refusal then names its batch, so it is part of that
    /// batch's audit trail.
    @discardableResult
    public func perform(
        _ action: String, by actor: String, about subject: ActionSubject? = nil,
        _ decide: (DeskState) throws(ActionRefusal) -> [RecordDraft]
    ) throws -> [Record] {
        try requireWritable(action)
        return try decideAndAppend(action, by: actor, about: subject, decide)
    }

    /// Journals `refusal` of `action` (a refusal the workstation made before asking for a signature). Also in a
    /// read-only session: like a sign-in, a refused attempt is part of the session's trail, not a decision.
    public func recordRefusal(
        _ action: String, by actor: String, about subject: ActionSubject?, _ refusal: ActionRefusal
    ) throws {
        _ = try decideAndAppend(action, by: actor, about: subject) { _ throws(ActionRefusal) in throw refusal }
    }

    /// Refuses `action` in a read-only session (`Locations.readOnly`), before anything is asked or written.
    public func requireWritable(_ action: String) throws(DeskError) {
        if locations.readOnly { throw .readOnlySession(action) }
    }

    /// `perform` without the read-only check: also what a sign-in uses to journal its own refusals, which a
    /// read-only session keeps like every sign-in.
    private func decideAndAppend(
        _ action: String, by actor: String, about subject: ActionSubject?,
        _ decide: (DeskState) throws(ActionRefusal) -> [RecordDraft]
    ) throws -> [Record] {
        if let alarm { throw DeskError.alarm(alarm) }
        var refusal: ActionRefusal? = nil
        try confirmBeforeWriting()
        let (_, written) = try journal.append { observed throws in
            for record in observed { fold(record) }
            do throws(ActionRefusal) {
                return try decide(state)
            } catch {
                refusal = error
                var draft = Self.refusalDraft(action, by: actor, error)
                for (key, value) in subject?.refusalFields(in: state) ?? [:] { draft.body[key] = value }
                return [draft]
            }
        }
        for record in written { fold(record) }
        if let refusal { throw refusal }
        return written
    }

    static func refusalDraft(_ action: String, by actor: String, _ refusal: ActionRefusal) -> RecordDraft {
        let who = UserIdentity.problem(withID: actor) == nil ? actor : UserIdentity.systemActor
        var body: [String: JSONValue] = [
            "action": .string(action), "gate": .string(refusal.gate), "category": .string(refusal.category.rawValue),
            "message": .string(refusal.message),
        ]
        if who != actor { body["claimed_user"] = .string(actor) }
        return RecordDraft(kind: "action.refused", actor: who, body: body)
    }

    /// Journals a signature attempted in the session of `user` under another user id (`typed`): a failed
    /// sign-in of `user`'s session naming the typed id; it counts towards `user`'s lock-out, not `typed`'s.
    public func recordSignatureUnderOtherID(typed: String, session user: String, channel: String) throws {
        if let alarm { throw DeskError.alarm(alarm) }
        try confirmBeforeWriting()
        let (_, written) = try journal.append { observed in
            for record in observed { fold(record) }
            return UserAdministration.signatureUnderOtherID(typed: typed, session: user, channel: channel, in: state)
        }
        for record in written { fold(record) }
    }

    /// Signs `user` in with `password`: a failure is journaled and counts towards the lock-out; a success
    /// after failures clears them. Returns the account, or throws a permission refusal.
    ///
    /// A password set by an administrator is temporary: with it the user may only set their own
    /// (`allowingTemporaryPassword`); any other sign-in is refused (gate `temporary-password`) and journaled.
    public func signIn(
        user: String, password: String, with authenticator: Authenticator, channel: String,
        allowingTemporaryPassword: Bool = false
    ) throws -> UserAccount {
        if alarm != nil {
            // Read-only: the password is still checked (people must be able to read the evidence), but
            // nothing can be journaled, so a failure does not count towards the lock-out.
            guard let account = state.users[user], !account.isLocked,
                try authenticator.verify(user: user, password: password)
            else {
                throw ActionRefusal(
                    .permission, gate: "authentication", "user id or password is wrong, or the account is locked")
            }
            return account
        }
        try refresh()
        if let account = state.users[user], account.isLocked {
            try confirmBeforeWriting()
            try journal.append { observed in
                for record in observed { fold(record) }
                return [
                    RecordDraft(
                        kind: RecordKind.signInFailed, actor: UserIdentity.systemActor,
                        body: ["user": .string(user), "channel": .string(channel), "cause": "account-locked"])
                ]
            }.written.forEach { self.fold($0) }
            throw ActionRefusal(
                .permission, gate: "account-locked",
                "the account \(user) is locked (\(account.lockReason ?? "by an administrator")); an administrator must unlock it"
            )
        }
        let known = state.users[user] != nil
        let accepted = try authenticator.verify(user: user, password: password) && known
        var lockedNow = false
        let (_, written) = try journal.append { observed in
            for record in observed { fold(record) }
            let drafts =
                accepted
                ? UserAdministration.signInSucceeded(user, channel: channel, in: state)
                : UserAdministration.signInFailed(user, channel: channel, in: state)
            lockedNow = drafts.contains { $0.kind == RecordKind.userLocked }
            // A sign-in that writes nothing (no earlier failures to clear) needs no confirmed state.
            if !drafts.isEmpty { try confirmBeforeWriting() }
            return drafts
        }
        for record in written { fold(record) }
        guard accepted, let account = state.users[user] else {
            let suffix = lockedNow ? "; the account is now locked after \(state.policy.maxFailedSignIns) failures" : ""
            throw ActionRefusal(.permission, gate: "authentication", "user id or password is wrong\(suffix)")
        }
        if account.passwordIsTemporary && !allowingTemporaryPassword {
            _ = try decideAndAppend(channel, by: user, about: nil) { _ throws(ActionRefusal) in
                throw ActionRefusal(
                    .permission, gate: "temporary-password",
                    "the password of \(user) was set by an administrator and is temporary: set your own with "
                        + "`releasedesk user passwd` before anything else")
            }
        }
        return account
    }
}

extension Desk {
    /// The head of the journal as a chain point.
    public var headPoint: IntegrityAcknowledgement.Point {
        IntegrityAcknowledgement.Point(seq: journal.head.seq, sha256: journal.head.hash)
    }

    /// An administrator acknowledges an integrity alarm after investigating it: a signed
    /// `integrity.alarm_acknowledged` record naming `witness` (by default this user's disagreeing witness)
    /// and the head it follows. When it names this user's witness, the alarm clears and the witness moves to
    /// the new head. A corrupt chain cannot be acknowledged: nothing can be appended after it.
    @discardableResult
    public func acknowledgeAlarm(
        finding: String, witness: IntegrityAcknowledgement.Point?, by actor: String, expecting expected: String?
    ) throws -> [Record] {
        try requireWritable("integrity.acknowledge")
        if let corruption = journal.corruption {
            throw DeskError.alarm("the journal is corrupt at \(corruption); a broken chain cannot be acknowledged")
        }
        guard let point = witness ?? disagreeingWitness else {
            throw ActionRefusal(
                .rule, gate: "no-alarm", "your witness matches the journal: there is no integrity alarm to acknowledge")
        }
        var refusal: ActionRefusal? = nil
        try confirmBeforeWriting()
        let (_, written) = try journal.append { observed throws in
            for record in observed { fold(record) }
            do throws(ActionRefusal) {
                return try IntegrityAcknowledgement.acknowledge(
                    finding: finding, witness: point, head: headPoint, by: actor, expecting: expected,
                    digest: Signing.digest,
                    in: state)
            } catch {
                refusal = error
                return [Self.refusalDraft("integrity.acknowledge", by: actor, error)]
            }
        }
        for record in written { fold(record) }
        if let refusal { throw refusal }
        if point == disagreeingWitness {
            alarm = nil
            disagreeingWitness = nil
            saveWitness()
        }
        return written
    }
}

/// Why the desk will not act.
public enum DeskError: Error, Equatable, CustomStringConvertible {
    /// Integrity alarm: corruption or changed history. Read-only; every signature refused.
    case alarm(String)
    /// The journal did not verify when opened, or this user's witness disagrees: nothing is shown.
    case notVerified(String)
    /// A read-only session (`--readonly`) was asked to write: names the action; nothing was written.
    case readOnlySession(String)

    public var description: String {
        switch self {
        case .alarm(let why):
            return
                "integrity alarm: \(why). The journal is read-only until an administrator acts (after investigation: releasedesk integrity acknowledge)"
        case .notVerified(let why):
            return "integrity alarm, nothing is shown: \(why); run 'releasedesk verify' and tell the administrator"
        case .readOnlySession(let action):
            return
                "read-only session (--readonly): \(action) writes to the journal, so it is refused; nothing was written"
        }
    }
}

extension Desk {
    /// Enrols a user and sets the initial password, atomically under the journal lock: the credential file
    /// is written only when the rule allows the enrolment, and restored if the record cannot be written.
    /// With `password` nil (PAM: the operating system keeps passwords) only the enrolment is journaled.
    @discardableResult
    public func enrol(
        _ id: String, name: String, roles: Set<Role>, password: String?, reason: String?, by actor: String
    ) throws -> [Record] {
        guard let password else {
            return try perform("user.enrol", by: actor) { state throws(ActionRefusal) in
                try UserAdministration.enrol(id, name: name, roles: roles, reason: reason, by: actor, in: state)
            }
        }
        if let problem = PasswordPolicy.problem(with: password, for: id) {
            throw ActionRefusal(.rule, gate: "password", problem)
        }
        let hash = try PasswordHash.make(password)
        return try performWithCredentials("user.enrol", by: actor, user: id, hash: hash) {
            state throws(ActionRefusal) in
            try UserAdministration.enrol(
                id, name: name, roles: roles, reason: reason, by: actor, temporaryPassword: true, in: state)
        }
    }

    /// Sets the password of `user` (by the user or an administrator), atomically with its record.
    @discardableResult
    public func changePassword(of user: String, to password: String, reason: String, by actor: String) throws
        -> [Record]
    {
        if let problem = PasswordPolicy.problem(with: password, for: user) {
            throw ActionRefusal(.rule, gate: "password", problem)
        }
        let hash = try PasswordHash.make(password)
        return try performWithCredentials("user.passwd", by: actor, user: user, hash: hash) {
            state throws(ActionRefusal) in
            try UserAdministration.credentialChanged(user, reason: reason, by: actor, in: state)
        }
    }

    private func performWithCredentials(
        _ action: String, by actor: String, user: String, hash: PasswordHash,
        _ decide: (DeskState) throws(ActionRefusal) -> [RecordDraft]
    ) throws -> [Record] {
        try requireWritable(action)
        if let alarm { throw DeskError.alarm(alarm) }
        let store = CredentialStore(path: locations.credentials)
        var refusal: ActionRefusal? = nil
        var previous: [String: PasswordHash]? = nil
        do {
            try confirmBeforeWriting()
            let (_, written) = try journal.append { observed throws in
                for record in observed { fold(record) }
                let drafts: [RecordDraft]
                do throws(ActionRefusal) {
                    drafts = try decide(state)
                } catch {
                    refusal = error
                    return [Self.refusalDraft(action, by: actor, error)]
                }
                // Under the lock, so two administrators cannot overwrite each other's changes.
                let current = try store.load()
                var next = current
                next[user] = hash
                try store.save(next)
                previous = current
                return drafts
            }
            for record in written { fold(record) }
            if let refusal { throw refusal }
            return written
        } catch let error as JournalError {
            if let previous { try? store.save(previous) }
            throw error
        }
    }

    /// Saves this user's witness at the current head. Call when a command or session ends.
    public func checkpoint() {
        saveWitness()
    }
}
