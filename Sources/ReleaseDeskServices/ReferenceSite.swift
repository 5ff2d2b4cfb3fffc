import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal

/// The reference journal: the life of a manufacturing network written by the product's own rules, for
/// benchmarks and tests at any size (`releasedesk sample --records N`). Deterministic for a seed.
///
/// Every record comes from the rule the product runs for that action (`UserAdministration`, `ImportPlanner`
/// on import files parsed by `ImportParser`, `ReleaseRules`, the refusal drafts of `Desk`), decided against a
/// `DeskState` folded record by record as the journal is written, and signed with `Signing.digest` over the
/// content the rule shows its signer; so the journal verifies, and `verify --deep` finds nothing.
///
/// Proportions (documented in `docs/reference-journal.md`): 24 batches a day over two products and three
/// sites; per batch an import, its review, a QA review of its exceptions, an audit-trail review and a QP
/// decision; about one batch in ten with a deviation through its whole life; some holds, comments,
/// assignments, corrections, re-tests, late results, refused attempts; failed sign-ins site-wide.
public enum ReferenceSite {
    /// A user of the reference site. The passwords are public: generated data only.
    public struct Member: Sendable {
        public let id: String
        public let name: String
        public let roles: Set<Role>
        public let password: String
    }

    /// The administrator first, then the GMP users.
    public static let members: [Member] = [
        Member(id: "admin", name: "Sample Administrator", roles: [.admin], password: "sample-admin"),
        Member(id: "qa.sample", name: "Sample QA", roles: [.qa], password: "sample-qa-1"),
        Member(id: "qa.second", name: "Second QA Reviewer", roles: [.qa], password: "sample-qa-2"),
        Member(id: "qa.lead", name: "QA Lead", roles: [.qa], password: "sample-qa-lead"),
        Member(id: "sup.sample", name: "Sample Supervisor", roles: [.supervisor], password: "sample-sup-1"),
        Member(id: "qp.sample", name: "Sample Qualified Person", roles: [.qp], password: "sample-qp-1"),
        Member(id: "qp.second", name: "Second Qualified Person", roles: [.qp], password: "sample-qp-2"),
    ]

    /// New batches imported each day (one import a day from manufacturing, with their first QC results).
    public static let batchesPerDay = 24

    /// What was written.
    public struct Summary: Sendable {
        public var head: JournalHead
        /// Records by kind (`journal.created` included).
        public var kinds: [String: Int]
        public var batches: Int
        public var days: Int
        /// Actions a rule refused that the generator did not mean to be refused, by gate: a defect of the
        /// generator if not empty (nothing is written for them).
        public var unexpectedRefusals: [String: Int]
        /// Imports the planner refused (a defect of the generator if not zero).
        public var refusedImports: Int
        /// The first problems of those imports.
        public var importProblems: [String]
        /// Imports whose records were checked against a plan on the whole state (`checkImports`).
        public var checkedImports: Int
        /// Imports planned on the part of the state they touch that differed from the plan on the whole state.
        public var divergentImports: Int
    }

    /// Writes the journal at `path` (which must not exist) of exactly `records` records (at least 2).
    ///
    /// `checkImports`: plan every import on the whole state as well and count differences (slow; for tests).
    public static func write(
        records: Int, seed: UInt64, masterDataPath: String, to path: String, host: String = "sample-host",
        checkImports: Bool = false
    ) throws -> Summary {
        let site = try SiteGenerator(masterDataPath: masterDataPath, anchor: Timestamp(millisecondsSinceEpoch: 0))
        return try write(records: records, seed: seed, site: site, to: path, host: host, checkImports: checkImports)
    }

    /// How a site's life differs from the reference: the default changes nothing (the reference journal is the
    /// same byte for byte).
    public struct Variation: Sendable {
        /// Batches imported each day.
        public var batchesPerDay = ReferenceSite.batchesPerDay
        /// Run this many days up to `end` instead of filling a number of records.
        public var days: Int? = nil
        /// The day the history runs up to (it ends before it); the reference's is 2026-01-01.
        public var end: Timestamp? = nil
        /// Sites whose executed batch records reach the journal late: days after manufacture, the first and the
        /// spread (the delay of batch `i` is `first + i % spread`).
        public var lateRecords: [String: (first: Int, spread: Int)] = [:]
        /// A site whose results of one attribute of one product drift: from `fromDay` on, each day shifts them by
        /// `perDay`, at most `limit` in all.
        public var drift:
            (site: String, product: String, attribute: String, fromDay: Int, perDay: Double, limit: Double)? =
                nil

        public init() {}

        /// The oversight sample: a year of history up to `end` over the three sites of the sample data, six
        /// batches a day; CMO-A's KYM-19 viability drifts down over the last four months, CMO-B returns its
        /// executed batch records 16 to 24 days after manufacture (its agreement says 15).
        public static func oversight(end: Timestamp) -> Variation {
            var v = Variation()
            v.batchesPerDay = 6
            v.days = 365
            v.end = end
            v.lateRecords = ["CMO-B": (16, 9)]
            v.drift = ("CMO-A", "KYM-19", "viability", 245, 0.065, 7.5)
            return v
        }
    }

    /// Writes the journal at `path` as above, for the products and sites of `site`.
    public static func write(
        records: Int, seed: UInt64, site: SiteGenerator, to path: String, host: String = "sample-host",
        checkImports: Bool = false, variation: Variation = Variation()
    ) throws -> Summary {
        let life = try SiteLife(
            site: site, records: records, seed: seed, host: host, checkImports: checkImports, variation: variation)
        let stream = AnyIterator<(RecordDraft, Timestamp)> { life.next() }
        let head = try BulkWriter.create(
            at: path, actor: members[0].id, host: host, journalID: life.journalID, createdAt: life.createdAt,
            records: stream)
        if let failure = life.failure { throw failure }
        return Summary(
            head: head, kinds: life.state.recordCounts, batches: life.nextBatch, days: life.day + 1,
            unexpectedRefusals: life.unexpected,
            refusedImports: life.refusedImports, importProblems: life.importProblems,
            checkedImports: life.checkedImports, divergentImports: life.divergentImports)
    }
}

/// The simulation behind `ReferenceSite`: days of a site, each with its sign-ins, imports and the work on
/// the batches in the pipeline, every action decided by its rule on the folded state.
final class SiteLife {
    let products: [Product]
    let sites: [Site]
    let masterFile: ParsedImport
    let host: String
    let checkImports: Bool
    let variation: ReferenceSite.Variation
    var rng: SeededGenerator
    var state = DeskState()
    let journalID: String
    let createdAt: Timestamp
    var seq: Int64 = 1
    var clock: Timestamp
    /// Records still to write after `journal.created`.
    var remaining: Int
    var out: [(RecordDraft, Timestamp)] = []
    var outIndex = 0
    var failure: Error?
    /// Set when the next action does not fit: from then on only one-record actions fill the journal up.
    var ending = false
    var setupDone = false
    var day = -1
    var dayStart: Timestamp
    var nextBatch = 0
    var plans: [String: BatchPlan] = [:]
    var agenda: [Int: [Task]] = [:]
    var qcArrivals: [Int: [QCLine]] = [:]
    var custodyArrivals: [Int: [CustodyLine]] = [:]
    /// Batch ids of each product and site in manufacture order, and each batch's position in its series.
    var series: [String: [String]] = [:]
    var position: [String: Int] = [:]
    var unexpected: [String: Int] = [:]
    var refusedImports = 0
    var importProblems: [String] = []
    var checkedImports = 0
    var divergentImports = 0
    var fillerTurn = 0
    /// The newest batch the journal holds.
    var lastImported: String?

    static let administrator = ReferenceSite.members[0].id
    static let qa = ["qa.sample", "qa.second", "qa.lead"]
    static let supervisor = "sup.sample"
    static let qps = ["qp.sample", "qp.second"]
    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000
    /// Records a day of the site writes, a little under what it does write, so that the journal starts early
    /// enough to end before `end`.
    static let recordsPerDayFloor = 200
    /// The day the site's history runs up to (it ends before it): 2026-01-01.
    static let end = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)

    struct BatchPlan {
        var id: String
        var product: Product
        var site: Site
        var importDay: Int
        var coi: String?
        var manufactureEnd: Timestamp
        var reviewer: String
        var approver: String
        var qp: String
        var oosAttribute: String?
        var oosOutcome: OOSOutcome = .invalidated
        var hold = false
        var refusal = false
        var waits = 0
        var shipped = false
        /// Deviations opened on the batch, in order.
        var deviations: [String] = []
    }

    enum DeviationStep {
        case approveClassification, requestExtension, approveExtension, investigate, approve
    }

    enum Task {
        case assign(String)
        case qaPass(String)
        case deviation(String, DeviationStep)
        case hold(String)
        case unhold(String)
        case comment(String)
        case release(String)
    }

    struct QCLine {
        var batch: String
        var id: String
        var attribute: String
        var value: String
        var unit: String
        var testedAt: Timestamp
        var status: String
        var correction: String?
        /// The final result of a test registered as pending at import.
        var completes = false
    }

    struct CustodyLine {
        var batch: String
        var id: String
        var event: String
        var at: Timestamp
        var location: String
        var holder: String
        var temperature: String?
        var coi: String?
    }

    init(
        site generator: SiteGenerator, records: Int, seed: UInt64, host: String, checkImports: Bool,
        variation: ReferenceSite.Variation = ReferenceSite.Variation()
    ) throws {
        self.variation = variation
        products = generator.products
        sites = generator.sites
        masterFile = try ImportParser.parse(
            file: "master-data.json", sha256: Digest.sha256(generator.masterData).hex, bytes: generator.masterData
        ).get()
        self.host = host
        self.checkImports = checkImports
        rng = SeededGenerator(seed: seed ^ 0x0005_17E0_F11F_E000)
        remaining = variation.days == nil ? max(1, records - 1) : Int.max / 2
        // The first days of a site write fewer.
        let days = variation.days.map { Int64($0 + 1) } ?? Int64(records / Self.recordsPerDayFloor + 10)
        let end = variation.end ?? Self.end
        createdAt = Timestamp(
            millisecondsSinceEpoch: (end.millisecondsSinceEpoch - days * Self.day) / Self.day * Self.day
        )
        .adding(milliseconds: 8 * Self.hour)
        clock = createdAt
        dayStart = createdAt
        // A history that ends on a given day (the oversight sample ends today) is another journal each day: its
        // id says so, so that a witness of yesterday's sample does not see today's as history changed.
        let endDay = variation.end.map { UInt64(bitPattern: $0.millisecondsSinceEpoch / Self.day) } ?? 0
        var idGenerator = SeededGenerator(seed: seed ^ 0x5EED ^ (endDay &* 0x9E37_79B9_7F4A_7C15))
        journalID = Self.uuid(&idGenerator)
        state.apply(
            Record(
                seq: 1, at: createdAt, actor: Self.administrator, host: host, kind: RecordKind.journalCreated,
                body: ["journal_id": .string(journalID), "format": .string(JournalFormat.name)], prev: Record.zeroHash))
    }

    static func uuid(_ g: inout SeededGenerator) -> String { SystemEnvironment.uuid(using: &g) }

    // MARK: - The record stream

    /// The next record to write, or nil once the journal holds its records.
    func next() -> (RecordDraft, Timestamp)? {
        while outIndex >= out.count {
            out.removeAll(keepingCapacity: true)
            outIndex = 0
            guard remaining > 0 else { return nil }
            if let days = variation.days, setupDone, day + 1 >= days { return nil }
            if ending {
                fill()
            } else if !setupDone {
                setUp()
            } else {
                live()
            }
        }
        outIndex += 1
        return out[outIndex - 1]
    }

    func chance(_ perMille: Int) -> Bool { Int(rng.next() % 1000) < perMille }
    func pick<T>(_ list: [T]) -> T { list[Int(rng.next() % UInt64(list.count))] }
    func between(_ low: Int64, _ high: Int64) -> Int64 { low + Int64(rng.next() % UInt64(high - low + 1)) }

    /// The time of the next action: a little after the last one.
    func tick() -> Timestamp {
        clock = clock.adding(milliseconds: between(15_000, 140_000))
        return clock
    }

    /// Writes `drafts` as one append at `at`, folding each record into the state. False when they do not fit
    /// in the records left: nothing is written and the journal is filled up with one-record actions instead.
    @discardableResult
    func commit(_ drafts: [RecordDraft], at: Timestamp) -> Bool {
        guard !drafts.isEmpty else { return true }
        guard drafts.count <= remaining else {
            ending = true
            return false
        }
        var t = max(at, clock)
        for draft in drafts {
            seq += 1
            state.apply(
                Record(
                    seq: seq, at: t, actor: draft.actor, host: host, kind: draft.kind, body: draft.body,
                    prev: Record.zeroHash))
            out.append((draft, t))
            remaining -= 1
            clock = t
            t = t.adding(milliseconds: 1)
        }
        return true
    }

    /// Runs the rule `decide` at the next tick and writes what it returns. Signed rules are given the digest of
    /// the request shown to the signer, as the desk does (the rule builds the same request again and signs it);
    /// for the decisions that sign the whole disposition record the generator passes none, to build it once:
    /// the signature is the same. A refusal writes nothing and is
    /// counted as unexpected (the generator only asks for what the rules allow).
    @discardableResult
    func act(on batch: String? = nil, _ decide: (DeskState, Timestamp) throws(ActionRefusal) -> [RecordDraft]) -> Bool {
        guard !ending else { return false }
        let at = tick()
        let drafts: [RecordDraft]
        do throws(ActionRefusal) {
            if let batch { drafts = try decide(batchView(batch), at) } else { drafts = try decide(state, at) }
        } catch {
            unexpected[error.gate, default: 0] += 1
            return false
        }
        return commit(drafts, at: at)
    }

    /// The state as a decision on `batch` reads it: the whole state, with the deviation register holding only
    /// the batch's own deviations. Every rule of a batch decision looks deviations up by batch (a scan of the
    /// register), so the decision, and the content its signer is shown, is the same as on the whole state;
    /// `verify --deep`, which rebuilds every signed content on the whole state, checks that it is.
    func batchView(_ batch: String) -> DeskState {
        var view = state
        let ids = plans[batch]?.deviations ?? []
        var deviations: [String: Deviation] = [:]
        for id in ids { deviations[id] = state.release.deviations[id] }
        view.release.deviationOrder = ids
        view.release.deviations = deviations
        view.release.deviationsByBatch = ids.isEmpty ? [:] : [batch: ids]
        return view
    }

    /// A refused attempt, journaled as `Desk.perform` journals it.
    func refused(
        _ action: String, by actor: String, about subject: ActionSubject,
        _ attempt: (DeskState, Timestamp) throws(ActionRefusal) -> [RecordDraft]
    ) {
        guard !ending else { return }
        let at = tick()
        do {
            _ = try attempt(batchView(subject.batch(in: state) ?? ""), at)
            unexpected["not-refused", default: 0] += 1
        } catch {
            var draft = Desk.refusalDraft(action, by: actor, error)
            for (key, value) in subject.refusalFields(in: state) { draft.body[key] = value }
            commit([draft], at: at)
        }
    }

    /// One-record actions until the journal holds its records: comments on the newest batch, or before there
    /// is one, a mistyped password and the sign-in that follows it.
    func fill() {
        let at = clock.adding(milliseconds: between(15_000, 140_000))
        fillerTurn += 1
        if let batch = lastImported, state.users[Self.supervisor]?.passwordIsTemporary == false {
            let drafts =
                (try? ReleaseRules.comment(
                    batch: batch, text: "noted during the daily quality round", by: Self.supervisor, in: state)) ?? []
            if drafts.count == 1 {
                commit(drafts, at: at)
                return
            }
        }
        let user = Self.administrator
        let drafts =
            fillerTurn % 2 == 1
            ? UserAdministration.signInFailed(user, channel: "cli:audit", in: state)
            : UserAdministration.signInSucceeded(user, channel: "cli:audit", in: state)
        if drafts.count == 1 {
            commit(drafts, at: at)
        } else {
            commit(UserAdministration.signInFailed(user, channel: "cli:audit", in: state).prefix(1).map { $0 }, at: at)
        }
    }

    // MARK: - Setting up the site

    func setUp() {
        setupDone = true
        let admin = ReferenceSite.members[0]
        guard let first = try? UserAdministration.enrolFirstAdministrator(admin.id, name: admin.name) else { return }
        guard commit([first], at: createdAt) else { return }
        let reasons = [
            "joins the quality unit", "joins the quality unit", "QA lead of the network",
            "supervises batch record review",
            "Qualified Person named on the licence", "second Qualified Person named on the licence",
        ]
        for (member, reason) in zip(ReferenceSite.members.dropFirst(), reasons) {
            act { state, _ throws(ActionRefusal) in
                try UserAdministration.enrol(
                    member.id, name: member.name, roles: member.roles, reason: reason, by: admin.id,
                    temporaryPassword: true, in: state)
            }
        }
        for member in ReferenceSite.members.dropFirst() {
            act { state, _ throws(ActionRefusal) in
                try UserAdministration.credentialChanged(
                    member.id, reason: "sets own password at first sign-in", by: member.id, in: state)
            }
        }
        guard !ending else { return }
        let at = tick()
        if case .success(let drafts) = ImportPlanner.plan(
            [masterFile], importID: Self.uuid(&rng), actor: Self.qa[0], reason: "products and sites of the network",
            now: at,
            state: state)
        {
            commit(drafts, at: at)
        } else {
            refusedImports += 1
        }
    }

    // MARK: - A day of the site

    func live() {
        day += 1
        dayStart = createdAt.adding(milliseconds: Int64(day + 1) * Self.day - 1 * Self.hour)  // 07:00
        clock = max(clock, dayStart)
        signIns()
        importNewBatches()
        importArrivals()
        var index = 0
        while !ending, let tasks = agenda[day], index < tasks.count {
            run(tasks[index])
            index += 1
        }
        agenda[day] = nil
    }

    func schedule(_ task: Task, in days: Int) {
        agenda[day + max(0, days), default: []].append(task)
    }

    /// Mistyped passwords across the site: most followed by a good sign-in; now and then five in a row lock the
    /// account, and the administrator unlocks it after confirming who it was.
    func signIns() {
        let channels = ["tui", "tui:signature", "cli:queue", "cli:review", "cli:batch.certify", "cli:audit"]
        let failures = Int(rng.next() % 3)
        for _ in 0..<failures {
            let user = pick(Self.qa + Self.qps + [Self.supervisor])
            let channel = pick(channels)
            act { state, _ in UserAdministration.signInFailed(user, channel: channel, in: state) }
            act { state, _ in UserAdministration.signInSucceeded(user, channel: channel, in: state) }
        }
        if chance(20) {
            act { state, _ in UserAdministration.signInFailed("qa.sampel", channel: "cli:queue", in: state) }
        }
        if chance(12) {
            let user = pick(Self.qa + Self.qps)
            for _ in 0..<ReferenceSite.lockAfter {
                act { state, _ in UserAdministration.signInFailed(user, channel: "tui", in: state) }
            }
            act { state, _ throws(ActionRefusal) in
                try UserAdministration.unlock(
                    user, reason: "identity confirmed by telephone; password reset not needed", by: Self.administrator,
                    in: state)
            }
        }
    }

    // MARK: - Imports

    static func batchID(_ index: Int, product: Product) -> String {
        (product.modality == "autologous" ? "CART-" : "LOT-") + SyntheticData.pad(index + 1, 7)
    }

    /// Today's batches from manufacturing, with their first QC results: one atomic import of two files.
    func importNewBatches() {
        var batches: [JSONValue] = []
        var qc: [QCLine] = []
        for slot in 0..<variation.batchesPerDay {
            let index = nextBatch
            nextBatch += 1
            let (batch, results) = makeBatch(index, slot: slot)
            batches.append(batch)
            qc += results
        }
        let batchBytes =
            (try? CanonicalJSON.encode(["about": "batch records from manufacturing", "batches": .array(batches)])) ?? []
        runImport(
            [("mes-batches-\(dayName).json", batchBytes), ("lims-qc-\(dayName).csv", qcCSV(qc))],
            reason: nil)
        for index in (nextBatch - variation.batchesPerDay)..<nextBatch {
            let id = Self.batchID(index, product: products[index % products.count])
            guard state.batches[id] != nil else { continue }
            lastImported = id
            if chance(600) { schedule(.assign(id), in: 0) }
            schedule(.qaPass(id), in: 1)
            if plans[id]?.hold == true { schedule(.hold(id), in: 1) }
            if chance(150) { schedule(.comment(id), in: Int(between(1, 3))) }
            schedule(.release(id), in: 2)
        }
    }

    /// Results and custody events that come in today for batches imported earlier.
    func importArrivals() {
        if var lines = qcArrivals.removeValue(forKey: day), !lines.isEmpty {
            // A test registered as pending: when the batch holds the registration, its result replaces it (with
            // the reason the importer requires); when the fold kept no registration, the result is new.
            for i in lines.indices where lines[i].completes {
                let registered = state.batches[lines[i].batch]?.batch.qc.contains { $0.id == lines[i].id } ?? false
                lines[i].correction = registered ? "test completed: final result reported by the laboratory" : nil
            }
            let corrections = lines.contains { $0.correction != nil }
            runImport(
                [("lims-qc-\(dayName)-b.csv", qcCSV(lines))],
                reason: corrections ? "results and corrections from the LIMS" : nil)
        }
        if let lines = custodyArrivals.removeValue(forKey: day), !lines.isEmpty {
            runImport([("logistics-custody-\(dayName).csv", custodyCSV(lines))], reason: nil)
        }
    }

    var dayName: String {
        let c = dayStart.civil
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year)-\(two(c.month))-\(two(c.day))"
    }

    func qcCSV(_ lines: [QCLine]) -> [UInt8] {
        var text = "batch,result_id,attribute,value,unit,tested_at,status,correction_reason\n"
        for l in lines {
            text +=
                "\(l.batch),\(l.id),\(l.attribute),\(l.value),\(l.unit),\(l.testedAt),\(l.status),\(l.correction ?? "")\n"
        }
        return Array(text.utf8)
    }

    func custodyCSV(_ lines: [CustodyLine]) -> [UInt8] {
        var text = "batch,event_id,event,at,location,holder,temperature_c,coi\n"
        for l in lines {
            text +=
                "\(l.batch),\(l.id),\(l.event),\(l.at),\(l.location),\(l.holder),\(l.temperature ?? ""),\(l.coi ?? "")\n"
        }
        return Array(text.utf8)
    }

    /// Parses `files` as the importer does and plans them on the part of the state they touch (the batches
    /// they name and the twenty before each in its series, which is all a review's trends look at).
    func runImport(_ files: [(String, [UInt8])], reason: String?) {
        guard !ending else { return }
        var parsed: [ParsedImport] = []
        for (name, bytes) in files {
            switch ImportParser.parse(file: name, sha256: Digest.sha256(bytes).hex, bytes: bytes) {
            case .success(let file): parsed.append(file)
            case .failure(let found):
                refused(found)
                return
            }
        }
        let at = tick()
        let importer = Self.qa[0]
        let importID = Self.uuid(&rng)
        guard (try? state.requireUser(importer, anyOf: [.qa, .admin], toDo: "import data")) != nil else {
            unexpected["import-user", default: 0] += 1
            return
        }
        let view = window(for: parsed)
        let planned = ImportPlanner.plan(
            parsed, importID: importID, actor: importer, reason: reason, now: at, state: view)
        let drafts: [RecordDraft]
        switch planned {
        case .success(let planned): drafts = planned
        case .failure(let found):
            refused(found)
            return
        }
        if checkImports {
            checkedImports += 1
            let whole = ImportPlanner.plan(
                parsed, importID: importID, actor: importer, reason: reason, now: at, state: state)
            if case .success(let expected) = whole, expected == drafts {} else { divergentImports += 1 }
        }
        commit(drafts, at: at)
    }

    func refused(_ found: ImportProblems) {
        refusedImports += 1
        if importProblems.count < 5 {
            importProblems += found.problems.prefix(5 - importProblems.count).map(\.description)
        }
    }

    /// The state as an import of `files` sees it: master data, the ledger, and the batches it names with the
    /// twenty before each in its product's and site's series.
    func window(for files: [ParsedImport]) -> DeskState {
        var view = DeskState(policy: state.policy)
        view.lastSeq = state.lastSeq
        view.lastAt = state.lastAt
        view.users = state.users
        view.products = state.products
        view.sites = state.sites
        view.release = state.release
        var named: [String] = []
        for file in files {
            for item in file.items {
                switch item.item {
                case .batch(let b): named.append(b.id)
                case .qcResult(let batch, _, _): named.append(batch)
                case .custodyEvent(let batch, _): named.append(batch)
                default: break
                }
            }
        }
        var chosen: [String: Set<Int>] = [:]
        for id in named {
            if let plan = plans[id] {
                let key = plan.product.id + "|" + plan.site.id
                if let at = position[id] {
                    chosen[key, default: []].formUnion(max(0, at - 20)...at)
                } else {
                    let count = series[key]?.count ?? 0
                    chosen[key, default: []].formUnion(max(0, count - 20)..<count)
                }
            }
        }
        for (key, positions) in chosen {
            guard let list = series[key] else { continue }
            var ids: [String] = []
            for p in positions.sorted() where p < list.count {
                let id = list[p]
                guard let record = state.batches[id] else { continue }
                view.batches[id] = record
                ids.append(id)
            }
            view.seriesIndex[key] = ids
        }
        return view
    }

    // MARK: - Batches

    /// Batch `index`, made over the days before today and recorded by yesterday evening, and its first QC
    /// results (some tests still pending).
    func makeBatch(_ index: Int, slot: Int) -> (JSONValue, [QCLine]) {
        let product = products[index % products.count]
        let site = sites[(index / products.count) % sites.count]
        let id = Self.batchID(index, product: product)
        let autologous = product.modality == "autologous"
        // A site that returns its records late made the batch that many days before they arrive.
        let lateDays = variation.lateRecords[site.id].map { Int64($0.first + index % max(1, $0.spread)) } ?? 0
        let end = dayStart.adding(milliseconds: -20 * Self.hour + Int64(slot) * 10 * Self.minute - lateDays * Self.day)
        let start = end.adding(milliseconds: -(autologous ? 10 : 18) * Self.day)
        let apheresis = start.adding(milliseconds: -26 * Self.hour)
        let coi = autologous ? "COI-" + String(rng.next() % 0xFFFFFF + 0x100000, radix: 16, uppercase: true) : nil
        var plan = BatchPlan(
            id: id, product: product, site: site, importDay: day, coi: coi, manufactureEnd: end,
            reviewer: pick([Self.qa[0], Self.qa[1]]),
            approver: Self.qa[2], qp: pick(Self.qps))
        plan.hold = chance(30)
        plan.refusal = chance(20)

        // Rare events of the record, drawn once per batch.
        let cpp = chance(40)
        let missingVerification = chance(30)
        let selfVerification = chance(10)
        let emAlert = chance(40)
        let emAction = chance(5)
        let custodyGap = chance(20)
        let excursion = chance(20)
        let coiMismatch = autologous && chance(4)
        let reportedDeviation = chance(30)
        let lateDeviation = chance(10)

        func t(_ x: Timestamp) -> JSONValue { .string(x.description) }
        var steps: [JSONValue] = []
        let stepNames =
            autologous
            ? [
                ("S10", "apheresis receipt and identity check"), ("S30", "transduction"),
                ("S50", "formulation and fill"),
            ]
            : [
                ("S10", "thaw and seed"), ("S30", "transfection and harvest"),
                ("S50", "purification, formulation and fill"),
            ]
        for (k, (sid, name)) in stepNames.enumerated() {
            let at = start.adding(milliseconds: Int64(k * 3) * Self.day + 2 * Self.hour)
            var step: [String: JSONValue] = [
                "id": .string(sid), "name": .string(name),
                "entries": [
                    ["field": "material lot", "value": .string("ML-\(rng.next() % 90_000 + 10_000)")],
                    ["field": "operator check", "value": "ok"],
                ],
                "performed_by": .string("op.\(rng.next() % 12 + 1)"), "performed_at": t(at),
                "requires_verification": .bool(k != 1),
            ]
            if k != 1 {
                if k == 2 && missingVerification {
                } else if k == 2 && selfVerification {
                    step["verified_by"] = step["performed_by"]
                } else {
                    step["verified_by"] = .string("qc.\(rng.next() % 6 + 1)")
                }
            }
            steps.append(.object(step))
        }
        var readings: [JSONValue] = []
        for (k, parameter) in product.parameters.enumerated() {
            let span = parameter.high.value - parameter.low.value
            var v = parameter.low.value + span * (0.2 + Double(rng.next() % 600) / 1000)
            if cpp && k == 0 { v = parameter.high.value + span * 0.15 }
            let decimals = parameter.low.text.contains(".") ? 1 : 0
            readings.append([
                "parameter": .string(parameter.id), "value": .string(Quantity(v, decimals: max(1, decimals)).text),
                "unit": .string(parameter.unit), "at": t(start.adding(milliseconds: Int64(k + 1) * Self.day)),
            ])
        }
        var custody: [JSONValue] = []
        let storage = product.storageMaxC?.value ?? -60
        if autologous {
            let gap = custodyGap ? site.maxCustodyGapMinutes + 25 : max(5, site.maxCustodyGapMinutes / 2)
            let shipped = apheresis.adding(milliseconds: 90 * Self.minute)
            let check = shipped.adding(milliseconds: gap * Self.minute)
            custody += [
                [
                    "event_id": "C1", "event": "collected", "at": t(apheresis), "location": "apheresis centre",
                    "holder": "collection nurse", "temperature_c": "4.5", "coi": .string(coi!),
                ],
                [
                    "event_id": "C2", "event": "shipped", "at": t(shipped), "location": "apheresis centre",
                    "holder": "courier", "temperature_c": "5.0", "coi": .string(coi!),
                ],
                [
                    "event_id": "C3", "event": "in-transit check", "at": t(check), "location": "courier vehicle",
                    "holder": "courier", "temperature_c": "5.2",
                ],
                [
                    "event_id": "C4", "event": "received", "at": t(check.adding(milliseconds: 5 * Self.minute)),
                    "location": .string(site.id), "holder": "goods receipt", "temperature_c": "5.4",
                    "coi": .string(coi!),
                ],
            ]
        }
        let stored = Quantity(excursion ? storage + 12 : storage - 25, decimals: 1).text
        var storedEvent: [String: JSONValue] = [
            "event_id": "C5", "event": "stored", "at": t(end.adding(milliseconds: 2 * Self.hour)),
            "location": .string(site.id + " cryostore"),
            "holder": "warehouse", "temperature_c": .string(stored),
        ]
        if let coi { storedEvent["coi"] = .string(coi) }
        custody.append(.object(storedEvent))
        let emCFU = emAction ? 2 : (emAlert ? 0 : 0)
        let surfaceCFU = emAlert ? 4 : Int(rng.next() % 3)
        let environment: [JSONValue] = [
            [
                "sample_id": "EM1", "at": t(start.adding(milliseconds: 3 * Self.day)), "grade": "A",
                "location": "isolator work zone",
                "sample": "viable-air", "cfu": .int(Int64(emCFU)), "alert_limit": 0, "action_limit": 1,
                "open_step": true,
            ],
            [
                "sample_id": "EM2", "at": t(start.adding(milliseconds: 6 * Self.day)), "grade": "B",
                "location": "cleanroom floor",
                "sample": "surface", "cfu": .int(Int64(surfaceCFU)), "alert_limit": 3, "action_limit": 5,
                "open_step": false,
            ],
        ]
        var deviations: [JSONValue] = []
        if reportedDeviation || lateDeviation {
            let discovered = start.adding(milliseconds: 2 * Self.day)
            let hours: Int64 = lateDeviation ? (site.notifyHours[.major] ?? 72) + 30 : 20
            deviations.append([
                "id": "SD-1", "class": lateDeviation ? "major" : "minor", "discovered_at": t(discovered),
                "reported_at": t(discovered.adding(milliseconds: hours * Self.hour)),
                "description": lateDeviation
                    ? "incubator door alarm acknowledged late" : "label printer jam, labels reprinted and reconciled",
            ])
        }
        var batch: [String: JSONValue] = [
            "id": .string(id), "product": .string(product.id), "site": .string(site.id), "manufacture_start": t(start),
            "manufacture_end": t(end), "expiry": t(end.adding(milliseconds: (autologous ? 270 : 730) * Self.day)),
            "steps": .array(steps), "process_parameters": .array(readings), "custody": .array(custody),
            "environmental_monitoring": .array(environment), "deviations": .array(deviations),
        ]
        if let coi {
            batch["coi"] = .string(coi)
            batch["apheresis_at"] = t(apheresis)
            batch["planned_infusion"] = t(end.adding(milliseconds: (16 + lateDays) * Self.day))
            batch["patient_weight_kg"] = .string(String(45 + rng.next() % 50))
            batch["labels"] = [["item": "final bag 1", "coi": .string(coiMismatch ? "COI-0DDBA1" : coi)]]
        }

        // QC results: some out of specification, some tests still running.
        let numeric = product.attributes.filter {
            switch $0.limit {
            case .minimum, .maximum, .range, .notDetected: return $0.id != product.dose?.attribute
            default: return false
            }
        }
        if chance(25), !numeric.isEmpty {
            let attribute = pick(numeric)
            plan.oosAttribute = attribute.id
            plan.oosOutcome = chance(700) ? .invalidated : .confirmed
        }
        var qc: [QCLine] = []
        let tested = end.adding(milliseconds: -3 * Self.hour)
        for attribute in product.attributes {
            let resultID = "R-\(id)-\(attribute.id)"
            let late: Int?
            if attribute.mayFollowRelease {
                late = attribute.oosSeverity == .critical ? (chance(600) ? 13 : nil) : (chance(150) ? 3 : nil)
            } else {
                late = chance(40) ? Int(between(1, 3)) : nil
            }
            var value = resultValue(
                attribute, of: product, weight: batch["patient_weight_kg"]?.stringValue,
                outOfSpec: plan.oosAttribute == attribute.id)
            if let drift = variation.drift, drift.site == site.id, drift.product == product.id,
                drift.attribute == attribute.id, plan.oosAttribute != attribute.id, day > drift.fromDay,
                let number = Double(value)
            {
                let shift = min(drift.limit, Double(day - drift.fromDay) * drift.perDay)
                value = Quantity(number - shift, decimals: 1).text
            }
            if let late, plan.oosAttribute != attribute.id {
                qc.append(
                    QCLine(
                        batch: id, id: resultID, attribute: attribute.id, value: "", unit: attribute.unit,
                        testedAt: tested, status: "pending"))
                qcArrivals[day + late, default: []].append(
                    QCLine(
                        batch: id, id: resultID, attribute: attribute.id, value: value, unit: attribute.unit,
                        testedAt: dayStart.adding(milliseconds: Int64(late) * Self.day - 2 * Self.hour),
                        status: "final",
                        completes: true))
            } else {
                qc.append(
                    QCLine(
                        batch: id, id: resultID, attribute: attribute.id, value: value, unit: attribute.unit,
                        testedAt: tested, status: "final"))
            }
        }
        // Now and then a transcription error in the LIMS, corrected the next morning.
        if chance(20), let attribute = numeric.first(where: { $0.id != plan.oosAttribute && $0.unit == "%" }),
            let index = qc.firstIndex(where: { $0.attribute == attribute.id && $0.status == "final" })
        {
            let original = qc[index]
            let corrected = resultValue(attribute, of: product, weight: nil, outOfSpec: false)
            if corrected != original.value {
                var line = original
                line.value = corrected
                line.correction = "transcription error in the LIMS entry corrected after second-person check"
                qcArrivals[day + 1, default: []].append(line)
            }
        }
        plans[id] = plan
        let key = product.id + "|" + site.id
        position[id] = series[key]?.count ?? 0
        series[key, default: []].append(id)
        return (.object(batch), qc)
    }

    /// A result for `attribute`: inside its limit, or just outside with `outOfSpec`; the dose fits the label
    /// for the patient's weight.
    func resultValue(_ attribute: SpecAttribute, of product: Product, weight: String?, outOfSpec: Bool) -> String {
        if let dose = product.dose, dose.attribute == attribute.id {
            let kg = weight.flatMap(Double.init) ?? 70
            let cells =
                kg <= dose.weightThresholdKg.value
                ? kg * (dose.perKgMin.value * 3 + Double(rng.next() % 1000) / 1000 * dose.perKgMin.value * 5)
                : dose.flatMin.value * (2 + Double(rng.next() % 1000) / 100)
            return SiteGenerator.scientific(cells)
        }
        return SiteGenerator.value(for: attribute.limit, outOfSpec: outOfSpec, generator: &rng)
    }

    // MARK: - The work on a batch

    func run(_ task: Task) {
        switch task {
        case .assign(let id):
            let by = chance(500) ? Self.supervisor : Self.qa[2]
            let to = plans[id]?.reviewer ?? Self.qa[0]
            act { state, _ throws(ActionRefusal) in try ReleaseRules.assign(batch: id, to: to, by: by, in: state) }
        case .qaPass(let id):
            qaPass(id)
        case .deviation(let deviation, let step):
            deviationStep(deviation, step)
        case .hold(let id):
            guard let plan = plans[id], state.release.decisions[id] == nil else { return }
            let reason = pick([
                "complaint on a batch of the same product under assessment",
                "supplier notification on a raw material lot",
                "shipper qualification pending for the route",
            ])
            if act(
                on: id,
                { state, _ throws(ActionRefusal) in
                    try ReleaseRules.hold(
                        id, on: true, reason: reason, by: plan.qp,
                        expecting: nil, digest: Signing.digest, in: state)
                })
            {
                schedule(.unhold(id), in: Int(between(2, 4)))
            }
        case .unhold(let id):
            guard let plan = plans[id], state.release.holds[id] != nil, state.release.decisions[id] == nil else {
                return
            }
            act(on: id) { state, _ throws(ActionRefusal) in
                try ReleaseRules.hold(
                    id, on: false, reason: "assessment closed: no impact on this batch", by: plan.qp,
                    expecting: nil, digest: Signing.digest,
                    in: state)
            }
        case .comment(let id):
            let by = pick([Self.supervisor, plans[id]?.qp ?? Self.qps[0], plans[id]?.reviewer ?? Self.qa[0]])
            let text = pick([
                "patient scheduling confirmed with the treatment centre", "batch record returned on time by the site",
                "courier booked for the shipment", "please check the EM trend for this suite next week",
                "discussed at the daily quality meeting",
            ])
            act { state, _ throws(ActionRefusal) in try ReleaseRules.comment(batch: id, text: text, by: by, in: state) }
        case .release(let id):
            release(id)
        }
    }

    static let justifications: [String: String] = [
        "OOT": "within specification; trend reviewed with the site, no process change found",
        "EM": "alert level only; isolated count, follow-up samples clean, no product exposure",
        "RECORD": "second signature confirmed from the paper record; entry completed per SOP-QA-014",
        "COC": "data logger shows the temperature held throughout; courier confirmed custody",
        "DOSE": "dose confirmed with the treating physician for the patient's current weight",
        "LATE-DEV": "late notification raised with the site under the quality agreement; batch impact assessed as none",
        "CPP": "excursion assessed: within the proven acceptable range",
    ]

    /// QA works through the batch's open exceptions: laboratory investigations of OOS results, a deviation
    /// for what needs one, a justification or a re-test for the rest, and the full review of a sampled batch.
    func qaPass(_ id: String) {
        guard var plan = plans[id], state.release.decisions[id] == nil, let record = state.batches[id],
            !record.needsReview
        else { return }
        let reviewer = plan.reviewer
        // OOS results: the laboratory investigation of each.
        for standing in state.oosStandings(id) {
            for result in standing.uninvestigated {
                let outcome = plan.oosOutcome
                let cause: String? =
                    outcome == .invalidated
                    ? pick([
                        "pipetting error found on review of the analyst's worksheet",
                        "instrument calibration drift confirmed by the service report",
                        "sample tube mislabelled at the bench; chain of custody of the aliquot broken",
                    ]) : nil
                let done = act { state, _ throws(ActionRefusal) in
                    try ReleaseRules.investigateOOS(
                        batch: id, result: result.id, outcome: outcome, cause: cause,
                        reason: outcome == .invalidated
                            ? "laboratory investigation phase I closed" : "no assignable laboratory cause found",
                        by: reviewer,
                        expecting: try ReleaseRules.oosInvestigationRequest(
                            batch: id, result: result.id, outcome: outcome, cause: cause, in: state
                        ).digest,
                        digest: Signing.digest, in: state)
                }
                if done && outcome == .invalidated, let attribute = plan.product.attribute(standing.attribute) {
                    qcArrivals[day + 1, default: []].append(
                        QCLine(
                            batch: id, id: result.id + "-RT", attribute: attribute.id,
                            value: resultValue(
                                attribute, of: plan.product, weight: record.batch.patientWeightKg?.text,
                                outOfSpec: false),
                            unit: attribute.unit, testedAt: dayStart.adding(milliseconds: 23 * Self.hour),
                            status: "final"))
                }
            }
        }
        guard let current = state.batches[id]?.review else { return }
        var toDeviation: [ReviewException] = []
        for exception in current.exceptions where exception.rule != "OOS" && exception.rule != "PENDING" {
            let standing = state.exceptionState(exception, of: id)
            switch standing {
            case .open, .retestRequested:
                break
            default:
                continue
            }
            let needsDeviation =
                exception.blocking || exception.rule == "CPP"
                || (exception.rule == "COC" && exception.id.contains("-temp-"))
                || (exception.rule == "RECORD" && exception.severity == .major)
                || (exception.rule == "EM" && exception.severity == .major)
                || (exception.rule == "EM" && standing == .open && chance(500))
            if needsDeviation && standing == .open {
                toDeviation.append(exception)
                continue
            }
            let kind: DispositionKind =
                exception.rule == "OOT" && standing == .open && chance(300) ? .retestRequested : .justified
            let reason =
                kind == .retestRequested
                ? "re-test requested: result unusual against the trend"
                : (standing == .retestRequested
                    ? "re-test result reviewed; trend signal not confirmed"
                    : (Self.justifications[exception.rule] ?? "assessed: no impact on quality"))
            let done = act { state, _ throws(ActionRefusal) in
                try ReleaseRules.disposition(
                    batch: id, exception: exception.id, kind: kind, reason: reason, by: reviewer,
                    expecting: try ReleaseRules.dispositionRequest(
                        batch: id, exception: exception.id, kind: kind, reason: reason, in: state
                    ).digest,
                    digest: Signing.digest, in: state)
            }
            if done && kind == .retestRequested,
                let attribute = plan.product.attributes.first(where: {
                    exception.id.hasSuffix("-" + $0.id) || exception.id.hasSuffix("-" + $0.id + "-run")
                })
            {
                qcArrivals[day + 1, default: []].append(
                    QCLine(
                        batch: id, id: "R-\(id)-\(attribute.id)-RT\(plan.waits)", attribute: attribute.id,
                        value: resultValue(
                            attribute, of: plan.product, weight: record.batch.patientWeightKg?.text, outOfSpec: false),
                        unit: attribute.unit, testedAt: dayStart.adding(milliseconds: 23 * Self.hour), status: "final"))
                plan.waits += 1
                plans[id] = plan
            }
        }
        if !toDeviation.isEmpty {
            let worst = toDeviation.map(\.severity).max()!
            let ids = toDeviation.map(\.id)
            let first = toDeviation[0]
            let title = "\(first.rule) on \(id): " + String(first.title.prefix(60))
            let description = "Raised from the batch review: " + toDeviation.map(\.title).joined(separator: "; ")
            let opener = reviewer
            let deviationID = ReleaseRules.nextDeviationID(in: state)
            let opened = act { state, now throws(ActionRefusal) in
                try ReleaseRules.openDeviation(
                    batch: id, exceptions: ids, classification: worst, title: title, description: description,
                    reason: "impact on the batch to be investigated", by: opener, now: now,
                    expecting: try ReleaseRules.deviationRequest(
                        batch: id, exceptions: ids, classification: worst, title: title, description: description,
                        in: state
                    ).digest, digest: Signing.digest, in: state)
            }
            if opened {
                plans[id]?.deviations.append(deviationID)
                schedule(.deviation(deviationID, worst == .minor ? .approve : .approveClassification), in: 1)
            }
        }
        if let fresh = state.batches[id], fresh.review?.quietSample == true, !fresh.isFullyReviewed(in: state.release) {
            act(on: id) { state, _ throws(ActionRefusal) in
                try ReleaseRules.fullReview(
                    id,
                    reason: "whole batch record read: steps, readings, EM, custody and results; nothing further found",
                    by: reviewer, expecting: nil, digest: Signing.digest, in: state)
            }
        }
    }

    func deviationStep(_ deviationID: String, _ step: DeviationStep) {
        guard let deviation = state.release.deviations[deviationID], let plan = plans[deviation.batch] else { return }
        let opener = deviation.openedBy
        let approver = plan.approver == opener ? Self.qa.first { $0 != opener }! : plan.approver
        switch step {
        case .approveClassification:
            let reason = "classification confirmed at the deviation review board"
            if act({ state, _ throws(ActionRefusal) in
                try ReleaseRules.approveClassification(
                    deviationID, classification: nil, reason: reason, by: approver,
                    expecting: try ReleaseRules.classificationRequest(
                        deviationID, classification: nil, reason: reason, in: state
                    ).digest,
                    digest: Signing.digest, in: state)
            }) {
                schedule(
                    .deviation(deviationID, chance(150) ? .requestExtension : .investigate), in: Int(between(2, 4)))
            }
        case .requestExtension:
            let due = deviation.due.adding(milliseconds: 15 * Self.day)
            if act({ state, _ throws(ActionRefusal) in
                try ReleaseRules.requestExtension(
                    deviationID, due: due, reason: "root cause analysis waits for the supplier's report", by: opener,
                    in: state)
            }) {
                schedule(.deviation(deviationID, .approveExtension), in: 1)
            }
        case .approveExtension:
            let reason = "extension justified; interim controls in place"
            if act({ state, _ throws(ActionRefusal) in
                try ReleaseRules.approveExtension(
                    deviationID, reason: reason, by: approver,
                    expecting: try ReleaseRules.extensionApprovalRequest(deviationID, reason: reason, in: state).digest,
                    digest: Signing.digest, in: state)
            }) {
                schedule(.deviation(deviationID, .investigate), in: Int(between(3, 6)))
            }
        case .investigate:
            let capa =
                chance(700)
                ? ["CAPA-\(dayStart.civil.year)-\(SyntheticData.pad(Int(state.release.deviationOrder.count), 5))"] : []
            let investigation = ReleaseRules.Investigation(
                rootCause: pick([
                    "operator skipped a step of the work instruction under time pressure",
                    "sensor drift on the incubator probe",
                    "courier handover outside the agreed window", "label template not updated after the change control",
                    "cleaning frequency of the suite insufficient for the campaign",
                ]),
                impact: "no impact on the quality of this batch: results within specification, risk assessed as low",
                capa: capa, capaRationale: capa.isEmpty ? "isolated event; existing controls adequate" : nil,
                effectivenessCheck: "review of the next ten batches of the suite for recurrence")
            let reason = "investigation complete"
            if act({ state, _ throws(ActionRefusal) in
                try ReleaseRules.recordInvestigation(
                    deviationID, investigation, reason: reason, by: opener,
                    expecting: try ReleaseRules.investigationRequest(
                        deviationID, investigation, reason: reason, in: state
                    ).digest,
                    digest: Signing.digest, in: state)
            }) {
                schedule(.deviation(deviationID, .approve), in: Int(between(1, 2)))
            }
        case .approve:
            let reason =
                deviation.classification == .minor
                ? "minor deviation assessed; no further action" : "investigation and CAPA accepted; deviation closed"
            act { state, _ throws(ActionRefusal) in
                try ReleaseRules.approve(
                    deviationID, reason: reason, by: approver,
                    expecting: try ReleaseRules.approvalRequest(deviationID, reason: reason, in: state).digest,
                    digest: Signing.digest,
                    in: state)
            }
        }
    }

    /// The QP's turn: reject a batch whose OOS was confirmed or whose chain of identity failed; otherwise,
    /// once nothing but the audit trail stands in the way, the supervisor reviews it and the QP certifies.
    func release(_ id: String) {
        guard var plan = plans[id], state.release.decisions[id] == nil, state.batches[id] != nil else { return }
        let qp = plan.qp
        let checklist = Dictionary(uniqueKeysWithValues: ReleaseRules.checklist.map { ($0.id, true) })
        func reschedule() {
            plan.waits += 1
            plans[id] = plan
            schedule(.release(id), in: 1)
        }
        func reject(_ reason: String) {
            act(on: id) { state, _ throws(ActionRefusal) in
                try ReleaseRules.reject(
                    id, reason: reason, by: qp, expecting: nil,
                    digest: Signing.digest, in: state)
            }
        }
        if !state.oosStandings(id).flatMap(\.confirmed).isEmpty {
            reject("OOS confirmed by the laboratory investigation; the batch does not meet its specification")
            return
        }
        let identity = (state.batches[id]?.review?.exceptions ?? []).filter { $0.rule == "COI" }
        if !identity.isEmpty {
            // A label that does not match its patient: investigated through a deviation, then rejected.
            if identity.allSatisfy({ state.exceptionState($0, of: id).isResolved }) || plan.waits > 30 {
                reject("chain of identity could not be verified; the product is not released to any patient")
            } else {
                if identity.contains(where: { state.exceptionState($0, of: id) == .open }) { qaPass(id) }
                reschedule()
            }
            return
        }
        var gates = Set(ReleaseRules.certificationGates(id, by: qp, now: clock, in: batchView(id)).map(\.gate))
        if gates.contains("undispositioned-exceptions") || gates.contains("oos") || gates.contains("full-review") {
            qaPass(id)
            gates = Set(ReleaseRules.certificationGates(id, by: qp, now: clock, in: batchView(id)).map(\.gate))
        }
        let waiting: Set<String> = [
            "pending-tests", "retest-pending", "open-deviation", "blocking", "on-hold", "review", "in-manufacture",
        ]
        if !gates.isDisjoint(with: waiting) || gates.contains("undispositioned-exceptions") || gates.contains("oos") {
            if plan.waits > 60 {
                reject("not dispositioned within sixty days; batch withdrawn")
            } else {
                reschedule()
            }
            return
        }
        if gates.contains("audit-trail-review") {
            if plan.refusal {
                plan.refusal = false
                plans[id] = plan
                refused("batch.certify", by: qp, about: .batch(id)) { state, now throws(ActionRefusal) in
                    try ReleaseRules.certify(
                        id, answers: checklist, reason: "all gates closed", by: qp, now: now, expecting: nil,
                        digest: Signing.digest,
                        in: state)
                }
            }
            let reason = "audit trail read through its last record: entries attributable, changes explained"
            act(on: id) { state, _ throws(ActionRefusal) in
                try ReleaseRules.reviewAuditTrail(
                    id, through: nil, reason: reason, by: Self.supervisor,
                    expecting: try ReleaseRules.auditTrailReviewRequest(id, through: nil, in: state).digest,
                    digest: Signing.digest,
                    in: state)
            }
            gates = Set(ReleaseRules.certificationGates(id, by: qp, now: clock, in: batchView(id)).map(\.gate))
        }
        guard !ending else { return }
        guard gates.isEmpty else {
            for gate in gates { unexpected["release:" + gate, default: 0] += 1 }
            return
        }
        let pendingTests = (state.batches[id]?.review?.exceptions ?? []).contains { $0.rule == "PENDING" }
        let certified = act(on: id) { state, now throws(ActionRefusal) in
            try ReleaseRules.certify(
                id, answers: checklist,
                reason: pendingTests
                    ? "all gates closed; results that may follow release are tracked" : "all gates closed",
                by: qp, now: now, expecting: nil, digest: Signing.digest, in: state)
        }
        if certified, let coi = plan.coi, !plan.shipped {
            plan.shipped = true
            plans[id] = plan
            let ship = dayStart.adding(milliseconds: Self.day + 2 * Self.hour)
            let gap = max(5, plan.site.maxCustodyGapMinutes / 2) * Self.minute
            let centre = "treatment centre"
            custodyArrivals[day + 3, default: []] += [
                CustodyLine(
                    batch: id, id: "C6", event: "shipped", at: ship, location: plan.site.id, holder: "cryo courier",
                    temperature: "-175", coi: coi),
                CustodyLine(
                    batch: id, id: "C7", event: "in-transit check", at: ship.adding(milliseconds: gap),
                    location: "dry shipper", holder: "cryo courier", temperature: "-172"),
                CustodyLine(
                    batch: id, id: "C8", event: "received", at: ship.adding(milliseconds: 2 * gap), location: centre,
                    holder: "pharmacy", temperature: "-170", coi: coi),
                CustodyLine(
                    batch: id, id: "C9", event: "infused", at: ship.adding(milliseconds: Self.day), location: centre,
                    holder: "treating physician", coi: coi),
            ]
        }
    }
}

extension SigningRequest {
    /// The digest a signer who was shown this request confirms.
    var digest: String { Signing.digest(content) }
}

extension ReferenceSite {
    /// Failed sign-ins in a row that lock an account (the default policy).
    static var lockAfter: Int { SecurityPolicy().maxFailedSignIns }
}
