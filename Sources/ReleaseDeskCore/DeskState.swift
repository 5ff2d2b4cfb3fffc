import CanonicalJSON

/// Everything the journal says, folded into one value.
///
/// `apply(_:)` is the only way state changes, so replaying a journal from scratch and applying the same
/// records one by one give the same state.
public struct DeskState: Sendable, Equatable {
    /// The revision of the fold (`apply`): raised whenever the state a journal folds to changes, such as a kind
    /// newly folded. A verified-state snapshot names the revision that folded it and is used only by the same
    /// one, so a snapshot written by another version of the program never stands for what this one folds.
    /// Revision 2: a product keeps the Nelson rules its trend charts use (`trend_rules`).
    /// Revision 3: a product's attributes keep their method turnaround (`turnaround_hours`), and a deviation's
    /// extension steps the due date each asked for or set.
    public static let foldRevision: Int64 = 3

    /// The journal's id from `journal.created`.
    public var journalID: String?
    /// Sequence number of the last record applied.
    public var lastSeq: Int64 = 0
    /// Commit time of the last record applied.
    public var lastAt: Timestamp?
    /// Every user ever enrolled, by id.
    public var users: [String: UserAccount] = [:]
    /// Records counted by kind, for summaries.
    public var recordCounts: [String: Int] = [:]
    /// The security settings in force.
    public var policy: SecurityPolicy
    /// Products and their current specification, by id.
    public var products: [String: Product] = [:]
    /// Sites and their quality agreements, by id.
    public var sites: [String: Site] = [:]
    /// Every batch, by id.
    public var batches: [String: BatchRecord] = [:]
    /// Batch ids by `product|site`, in arrival order (for trends).
    public var seriesIndex: [String: [String]] = [:]
    /// Records of an import whose `import.committed` has not been read yet.
    public var stagedImport: (id: String, records: [Record])? = nil
    /// Committed imports: id, seq of the commit, and its files.
    public var imports: [(id: String, seq: Int64, files: [JSONValue])] = []
    /// Dispositions, deviations, holds and QP decisions.
    public var release = ReleaseLedger()
    /// Witnesses an administrator acknowledged (`integrity.alarm_acknowledged`), with the seq of the first
    /// record naming each: they move on.
    public var acknowledgedWitnesses: [IntegrityAcknowledgement.Point: Int64] = [:]

    public static func == (a: DeskState, b: DeskState) -> Bool {
        a.journalID == b.journalID && a.lastSeq == b.lastSeq && a.lastAt == b.lastAt && a.users == b.users
            && a.recordCounts == b.recordCounts && a.policy == b.policy && a.products == b.products
            && a.sites == b.sites
            && a.batches == b.batches && a.seriesIndex == b.seriesIndex && a.stagedImport?.id == b.stagedImport?.id
            && a.stagedImport?.records == b.stagedImport?.records && a.imports.map(\.id) == b.imports.map(\.id)
            && a.imports.map(\.seq) == b.imports.map(\.seq) && a.imports.map(\.files) == b.imports.map(\.files)
            && a.release == b.release
            && a.acknowledgedWitnesses == b.acknowledgedWitnesses
    }

    /// An empty state under `policy`.
    public init(policy: SecurityPolicy = SecurityPolicy()) {
        self.policy = policy
    }

    /// Folds one record into the state. Kinds this version does not know are counted and otherwise ignored.
    public mutating func apply(_ record: Record) {
        lastSeq = record.seq
        lastAt = record.at
        recordCounts[record.kind, default: 0] += 1
        let body = record.body
        if RecordKind.importParts.contains(record.kind), let importID = body["import_id"]?.stringValue {
            // Parts of an import take effect together, when its commit record is read.
            if stagedImport?.id != importID { stagedImport = (importID, []) }
            stagedImport!.records.append(record)
            return
        }
        switch record.kind {
        case RecordKind.importCommitted:
            guard let importID = body["import_id"]?.stringValue, let staged = stagedImport, staged.id == importID else {
                return
            }
            stagedImport = nil
            for part in staged.records { applyData(part) }
            imports.append((importID, record.seq, body["files"]?.arrayValue ?? []))
        case RecordKind.productSpecified, RecordKind.siteRegistered, RecordKind.batchImported,
            RecordKind.qcResultsRecorded,
            RecordKind.custodyEventsRecorded:
            applyData(record)
        case RecordKind.batchReviewed:
            guard let id = body["batch"]?.stringValue, batches[id] != nil else { return }
            batches[id]!.review = Review.decode(body)
            batches[id]!.reviewSeq = record.seq
            batches[id]!.reviewedAt = record.at
            batches[id]!.recordSeqs.append(record.seq)
        case _ where ReleaseLedger.kinds.contains(record.kind):
            release.apply(record)
            let batch =
                body["batch"]?.stringValue ?? body["deviation"]?.stringValue.flatMap { release.deviations[$0]?.batch }
            if let id = batch, batches[id] != nil { batches[id]!.recordSeqs.append(record.seq) }
        case RecordKind.actionRefused:
            // A refusal that names its batch belongs to that batch's trail.
            guard let id = body["batch"]?.stringValue, batches[id] != nil else { return }
            batches[id]!.recordSeqs.append(record.seq)
            batches[id]!.refusalSeqs.insert(record.seq)
        case RecordKind.integrityAlarmAcknowledged:
            if let witness = IntegrityAcknowledgement.Point(body["witness"]), acknowledgedWitnesses[witness] == nil {
                acknowledgedWitnesses[witness] = record.seq
            }
        case RecordKind.journalCreated:
            journalID = body["journal_id"]?.stringValue
        case RecordKind.userEnrolled:
            guard let id = body["user"]?.stringValue, users[id] == nil else { return }
            users[id] = UserAccount(
                id: id, name: body["name"]?.stringValue ?? id, roles: Role.list(from: body["roles"]) ?? [],
                isLocked: false, lockReason: nil, consecutiveFailures: 0, enrolledBy: record.actor,
                enrolledAt: record.at, enrolledSeq: record.seq,
                passwordIsTemporary: body["temporary_password"]?.boolValue ?? false)
        case RecordKind.userRolesChanged:
            guard let id = body["user"]?.stringValue, let roles = Role.list(from: body["roles"]) else { return }
            users[id]?.roles = roles
        case RecordKind.userLocked:
            guard let id = body["user"]?.stringValue else { return }
            users[id]?.isLocked = true
            users[id]?.lockReason = body["reason"]?.stringValue
        case RecordKind.userUnlocked:
            guard let id = body["user"]?.stringValue else { return }
            users[id]?.isLocked = false
            users[id]?.lockReason = nil
            users[id]?.consecutiveFailures = 0
        case RecordKind.userCredentialChanged:
            guard let id = body["user"]?.stringValue else { return }
            users[id]?.consecutiveFailures = 0
            // A password an administrator set is temporary; the one the user sets is their own.
            users[id]?.passwordIsTemporary = record.actor != id
        case RecordKind.signInSucceeded:
            guard let id = body["user"]?.stringValue else { return }
            users[id]?.consecutiveFailures = 0
        case RecordKind.signInFailed:
            guard let id = body["user"]?.stringValue else { return }
            users[id]?.consecutiveFailures += 1
        default:
            break
        }
    }

    /// The state after applying `records` in order to an empty state.
    public static func replay(_ records: some Sequence<Record>, policy: SecurityPolicy = SecurityPolicy()) -> DeskState
    {
        var state = DeskState(policy: policy)
        for record in records { state.apply(record) }
        return state
    }

    /// The active (not locked) account `id` holding at least one of `roles`, or the refusal that applies.
    public func requireUser(_ id: String, anyOf roles: Set<Role>, toDo action: String) throws(ActionRefusal)
        -> UserAccount
    {
        guard let user = users[id] else {
            throw ActionRefusal(.permission, gate: "unknown-user", "user \(id) is not enrolled in this journal")
        }
        guard !user.isLocked else {
            throw ActionRefusal(.permission, gate: "account-locked", "the account \(id) is locked")
        }
        guard !user.passwordIsTemporary else {
            throw ActionRefusal(
                .permission, gate: "temporary-password",
                "the password of \(id) was set by an administrator and is temporary; set your own first (user passwd)")
        }
        if user.mixesAdministrationWithGMP && !roles.isDisjoint(with: Role.gmp) {
            throw ActionRefusal(
                .permission, gate: "segregation-of-duties",
                "\(id) holds the admin role together with a GMP role; an administrator makes no GMP decision "
                    + "(segregation of duties): an administrator must remove one of the roles")
        }
        guard !user.roles.isDisjoint(with: roles) else {
            let needed = roles.sorted().map(\.rawValue).joined(separator: " or ")
            throw ActionRefusal(
                .permission, gate: "role", "only \(needed) may \(action); \(id) does not hold that role")
        }
        return user
    }
}

/// Security settings that the fold and the rules use.
public struct SecurityPolicy: Sendable, Equatable {
    /// Consecutive failed sign-ins that lock an account.
    public var maxFailedSignIns: Int
    /// Idle time after which a signing session ends, in milliseconds.
    public var idleLockMilliseconds: Int64

    /// The defaults: lock after 5 failures, idle lock after 15 minutes.
    public init(maxFailedSignIns: Int = 5, idleLockMilliseconds: Int64 = 15 * 60 * 1000) {
        self.maxFailedSignIns = maxFailedSignIns
        self.idleLockMilliseconds = idleLockMilliseconds
    }
}

/// An action refused by a rule. The message names the gate.
public struct ActionRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// Whether a business rule or a permission (role, authentication, lock-out) refused the action.
    public enum Category: String, Sendable { case rule, permission }

    /// What kind of refusal this is.
    public var category: Category
    /// A short, stable name of the gate that refused (`role`, `account-locked`, `user-exists`, …).
    public var gate: String
    /// One sentence for the user.
    public var message: String

    /// A refusal of `category` at `gate`.
    public init(_ category: Category, gate: String, _ message: String) {
        self.category = category
        self.gate = gate
        self.message = message
    }

    public var description: String { message }
}

extension DeskState {
    /// Applies one record of data (product, site, batch, QC results, custody events).
    mutating func applyData(_ record: Record) {
        let body = record.body
        switch record.kind {
        case RecordKind.productSpecified:
            guard let value = body["product"], let product = try? Product.decode(value, path: "product") else { return }
            products[product.id] = product
        case RecordKind.siteRegistered:
            guard let value = body["site"], let site = try? Site.decode(value, path: "site") else { return }
            sites[site.id] = site
        case RecordKind.batchImported:
            guard let value = body["batch"], let batch = try? Batch.decode(value, path: "batch") else { return }
            if var existing = batches[batch.id] {
                existing.changes += Self.changes(from: existing.batch, to: batch, record: record)
                existing.batch = batch
                existing.lastDataSeq = record.seq
                existing.recordSeqs.append(record.seq)
                batches[batch.id] = existing
            } else {
                batches[batch.id] = BatchRecord(
                    batch: batch, firstSeq: record.seq, firstAt: record.at, lastDataSeq: record.seq,
                    recordSeqs: [record.seq])
                seriesIndex[batch.product + "|" + batch.site, default: []].append(batch.id)
            }
        case RecordKind.qcResultsRecorded:
            guard let id = body["batch"]?.stringValue, var existing = batches[id] else { return }
            for (index, item) in (body["results"]?.arrayValue ?? []).enumerated() {
                var plain = item.objectValue ?? [:]
                plain["correction_reason"] = nil
                plain["previous"] = nil
                guard var fields = try? Fields(.object(plain), path: "results[\(index)]"),
                    let result = try? QCResult.decode(&fields)
                else { continue }
                if let at = existing.batch.qc.firstIndex(where: { $0.id == result.id }) {
                    // Each changed field is its own change; the state before, not the record's `previous`, is
                    // what the change says was replaced (journals before `previous` fold the same way).
                    let reason = item["correction_reason"]?.stringValue ?? body["reason"]?.stringValue
                    for change in ValueDiff.result(existing.batch.qc[at], result) {
                        existing.changes.append(
                            ValueChange(
                                field: change.field, old: change.old, new: change.new, seq: record.seq, at: record.at,
                                actor: record.actor, reason: reason))
                    }
                    existing.batch.qc[at] = result
                } else {
                    existing.batch.qc.append(result)
                }
            }
            existing.lastDataSeq = record.seq
            existing.recordSeqs.append(record.seq)
            batches[id] = existing
        case RecordKind.custodyEventsRecorded:
            guard let id = body["batch"]?.stringValue, var existing = batches[id] else { return }
            for (index, item) in (body["events"]?.arrayValue ?? []).enumerated() {
                guard var fields = try? Fields(item, path: "events[\(index)]"),
                    let event = try? CustodyEvent.decode(&fields)
                else { continue }
                if !existing.batch.custody.contains(where: { $0.id == event.id }) {
                    existing.batch.custody.append(event)
                }
            }
            existing.lastDataSeq = record.seq
            existing.recordSeqs.append(record.seq)
            batches[id] = existing
        default:
            break
        }
    }

    /// The values of a batch record that a new version changes: every member of the record, QC results
    /// field by field (see `ValueDiff`).
    static func changes(from old: Batch, to new: Batch, record: Record) -> [ValueChange] {
        func change(_ c: (field: String, old: String, new: String)) -> ValueChange {
            ValueChange(
                field: c.field, old: c.old, new: c.new, seq: record.seq, at: record.at, actor: record.actor,
                reason: record.body["reason"]?.stringValue)
        }
        var a = old.json.objectValue ?? [:]
        var b = new.json.objectValue ?? [:]
        a["qc"] = nil
        b["qc"] = nil
        var out = ValueDiff.batch(.object(a), .object(b)).map(change)
        for result in new.qc {
            if let before = old.qc.first(where: { $0.id == result.id }) {
                out += ValueDiff.result(before, result).map(change)
            } else {
                out.append(
                    change(
                        (ValueDiff.qcField(result.id, result.attribute, "value"), "—", result.correctableFields[0].text)
                    ))
            }
        }
        for result in old.qc where !new.qc.contains(where: { $0.id == result.id }) {
            out.append(
                change((ValueDiff.qcField(result.id, result.attribute, "value"), result.correctableFields[0].text, "—"))
            )
        }
        return out
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension SecurityPolicy: Codable {}

extension DeskState: Codable {
    private enum CodingKeys: String, CodingKey {
        case journalID, lastSeq, lastAt, users, recordCounts, policy, products, sites, batches, seriesIndex
        case stagedImportID, stagedImportRecords, importIDs, importSeqs, importFiles, release, acknowledgedWitnesses
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(policy: try c.decode(SecurityPolicy.self, forKey: .policy))
        journalID = try c.decodeIfPresent(String.self, forKey: .journalID)
        lastSeq = try c.decode(Int64.self, forKey: .lastSeq)
        lastAt = try c.decodeIfPresent(Timestamp.self, forKey: .lastAt)
        users = try c.decode([String: UserAccount].self, forKey: .users)
        recordCounts = try c.decode([String: Int].self, forKey: .recordCounts)
        products = try c.decode([String: Product].self, forKey: .products)
        sites = try c.decode([String: Site].self, forKey: .sites)
        batches = try c.decode([String: BatchRecord].self, forKey: .batches)
        seriesIndex = try c.decode([String: [String]].self, forKey: .seriesIndex)
        if let id = try c.decodeIfPresent(String.self, forKey: .stagedImportID) {
            stagedImport = (id, try c.decode([Record].self, forKey: .stagedImportRecords))
        }
        let ids = try c.decode([String].self, forKey: .importIDs)
        let seqs = try c.decode([Int64].self, forKey: .importSeqs)
        let files = try c.decode([[JSONValue]].self, forKey: .importFiles)
        guard ids.count == seqs.count, ids.count == files.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .importIDs, in: c, debugDescription: "imports differ in number")
        }
        imports = (0..<ids.count).map { (ids[$0], seqs[$0], files[$0]) }
        release = try c.decode(ReleaseLedger.self, forKey: .release)
        acknowledgedWitnesses = try c.decode(
            [IntegrityAcknowledgement.Point: Int64].self, forKey: .acknowledgedWitnesses)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(policy, forKey: .policy)
        try c.encodeIfPresent(journalID, forKey: .journalID)
        try c.encode(lastSeq, forKey: .lastSeq)
        try c.encodeIfPresent(lastAt, forKey: .lastAt)
        try c.encode(users, forKey: .users)
        try c.encode(recordCounts, forKey: .recordCounts)
        try c.encode(products, forKey: .products)
        try c.encode(sites, forKey: .sites)
        try c.encode(batches, forKey: .batches)
        try c.encode(seriesIndex, forKey: .seriesIndex)
        if let stagedImport {
            try c.encode(stagedImport.id, forKey: .stagedImportID)
            try c.encode(stagedImport.records, forKey: .stagedImportRecords)
        }
        try c.encode(imports.map(\.id), forKey: .importIDs)
        try c.encode(imports.map(\.seq), forKey: .importSeqs)
        try c.encode(imports.map(\.files), forKey: .importFiles)
        try c.encode(release, forKey: .release)
        try c.encode(acknowledgedWitnesses, forKey: .acknowledgedWitnesses)
    }
}
