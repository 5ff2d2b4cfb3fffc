import CanonicalJSON

/// Everything the journal says, folded into one value.
///
/// `apply(_:)` is the only way state changes, so replaying a journal from scratch and applying the same
/// records one by one give the same state.
public struct DeskState: Sendable, Equatable {
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
        switch record.kind {
        case RecordKind.journalCreated:
            journalID = body["journal_id"]?.stringValue
        case RecordKind.userEnrolled:
            guard let id = body["user"]?.stringValue, users[id] == nil else { return }
            users[id] = UserAccount(
                id: id, name: body["name"]?.stringValue ?? id, roles: Role.list(from: body["roles"]) ?? [],
                isLocked: false, lockReason: nil, consecutiveFailures: 0, enrolledBy: record.actor,
                enrolledAt: record.at, enrolledSeq: record.seq)
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
        case RecordKind.userCredentialChanged, RecordKind.signInSucceeded:
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
    public static func replay(_ records: some Sequence<Record>, policy: SecurityPolicy = SecurityPolicy()) -> DeskState {
        var state = DeskState(policy: policy)
        for record in records { state.apply(record) }
        return state
    }

    /// The active (not locked) account `id` holding at least one of `roles`, or the refusal that applies.
    public func requireUser(_ id: String, anyOf roles: Set<Role>, toDo action: String) throws(ActionRefusal) -> UserAccount {
        guard let user = users[id] else {
            throw ActionRefusal(.permission, gate: "unknown-user", "user \(id) is not enrolled in this journal")
        }
        guard !user.isLocked else {
            throw ActionRefusal(.permission, gate: "account-locked", "the account \(id) is locked")
        }
        guard !user.roles.isDisjoint(with: roles) else {
            let needed = roles.sorted().map(\.rawValue).joined(separator: " or ")
            throw ActionRefusal(.permission, gate: "role", "only \(needed) may \(action); \(id) does not hold that role")
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
public struct ActionRefusal: Error, Equatable, CustomStringConvertible {
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
