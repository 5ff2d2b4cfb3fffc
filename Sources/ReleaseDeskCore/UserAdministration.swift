import CanonicalJSON

/// The rules of user administration: each function checks an action against the state and returns the
/// records it produces, or throws the refusal.
public enum UserAdministration {
    /// Enrols `id` with `name` and `roles`, by the administrator `actor`.
    ///
    /// `temporaryPassword`: the administrator set the initial password (local authentication), so it only
    /// allows the new user to set a password of their own.
    public static func enrol(
        _ id: String, name: String, roles: Set<Role>, reason: String?, by actor: String,
        temporaryPassword: Bool = false,
        in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        _ = try state.requireUser(actor, anyOf: [.admin], toDo: "enrol users")
        var draft = try enrolmentDraft(id, name: name, roles: roles, reason: reason, by: actor, in: state)
        if temporaryPassword { draft.body["temporary_password"] = .bool(true) }
        return [draft]
    }

    /// The enrolment record of the first administrator, written with `journal.created`.
    public static func enrolFirstAdministrator(_ id: String, name: String) throws(ActionRefusal) -> RecordDraft {
        try enrolmentDraft(
            id, name: name, roles: [.admin], reason: "first administrator, enrolled when the journal was created",
            by: id, in: DeskState())
    }

    static func enrolmentDraft(
        _ id: String, name: String, roles: Set<Role>, reason: String?, by actor: String, in state: DeskState
    ) throws(ActionRefusal) -> RecordDraft {
        if let problem = UserIdentity.problem(withID: id) { throw ActionRefusal(.rule, gate: "user-id", problem) }
        if let problem = UserIdentity.problem(withName: name) { throw ActionRefusal(.rule, gate: "user-name", problem) }
        guard state.users[id] == nil else {
            throw ActionRefusal(.rule, gate: "user-exists", "user id \(id) is already enrolled; ids are never reused")
        }
        guard !roles.isEmpty else { throw ActionRefusal(.rule, gate: "roles", "a user needs at least one role") }
        if roles.contains(.admin) && !roles.isDisjoint(with: Role.gmp) {
            throw ActionRefusal(
                .rule, gate: "segregation-of-duties",
                "the admin role is never combined with qa, qp or supervisor: an administrator makes no GMP decision; "
                    + "enrol a separate account for the GMP role")
        }
        var body: [String: JSONValue] = ["user": .string(id), "name": .string(name), "roles": Role.json(roles)]
        if let reason { body["reason"] = .string(try requireReason(reason)) }
        return RecordDraft(kind: RecordKind.userEnrolled, actor: actor, body: body)
    }

    /// Locks `id`, by the administrator `actor`.
    public static func lock(_ id: String, reason: String, by actor: String, in state: DeskState) throws(ActionRefusal)
        -> [RecordDraft]
    {
        _ = try state.requireUser(actor, anyOf: [.admin], toDo: "lock accounts")
        let target = try existing(id, in: state)
        guard !target.isLocked else {
            throw ActionRefusal(.rule, gate: "already-locked", "the account \(id) is already locked")
        }
        let reason = try requireReason(reason)
        return [
            RecordDraft(
                kind: RecordKind.userLocked, actor: actor, body: ["user": .string(id), "reason": .string(reason)])
        ]
    }

    /// Unlocks `id`, by the administrator `actor`.
    public static func unlock(_ id: String, reason: String, by actor: String, in state: DeskState) throws(ActionRefusal)
        -> [RecordDraft]
    {
        _ = try state.requireUser(actor, anyOf: [.admin], toDo: "unlock accounts")
        let target = try existing(id, in: state)
        guard target.isLocked else { throw ActionRefusal(.rule, gate: "not-locked", "the account \(id) is not locked") }
        let reason = try requireReason(reason)
        return [
            RecordDraft(
                kind: RecordKind.userUnlocked, actor: actor, body: ["user": .string(id), "reason": .string(reason)])
        ]
    }

    /// Records that the password of `id` was set, by `id` itself or by an administrator.
    public static func credentialChanged(_ id: String, reason: String, by actor: String, in state: DeskState)
        throws(ActionRefusal) -> [RecordDraft]
    {
        let target = try existing(id, in: state)
        if actor != id {
            _ = try state.requireUser(actor, anyOf: [.admin], toDo: "set another user's password")
        } else if target.isLocked {
            throw ActionRefusal(.permission, gate: "account-locked", "the account \(id) is locked")
        }
        let reason = try requireReason(reason)
        return [
            RecordDraft(
                kind: RecordKind.userCredentialChanged, actor: actor,
                body: ["user": .string(id), "reason": .string(reason)])
        ]
    }

    /// The records of a failed sign-in as `id`: the failure, and a lock when it reaches the policy's count.
    ///
    /// A failure is the program's own observation, so its actor is `system`.
    public static func signInFailed(_ id: String, channel: String, in state: DeskState) -> [RecordDraft] {
        var drafts = [
            RecordDraft(
                kind: RecordKind.signInFailed, actor: UserIdentity.systemActor,
                body: ["user": .string(id), "channel": .string(channel)])
        ]
        if let account = state.users[id], !account.isLocked,
            account.consecutiveFailures + 1 >= state.policy.maxFailedSignIns
        {
            drafts.append(
                RecordDraft(
                    kind: RecordKind.userLocked, actor: UserIdentity.systemActor,
                    body: [
                        "user": .string(id),
                        "reason": .string("\(state.policy.maxFailedSignIns) consecutive failed sign-ins"),
                    ]))
        }
        return drafts
    }

    /// The record of a successful sign-in, when earlier failures must be cleared; otherwise nothing.
    public static func signInSucceeded(_ id: String, channel: String, in state: DeskState) -> [RecordDraft] {
        guard let account = state.users[id], account.consecutiveFailures > 0 else { return [] }
        return [
            RecordDraft(
                kind: RecordKind.signInSucceeded, actor: id,
                body: [
                    "user": .string(id), "channel": .string(channel),
                    "failures_cleared": .int(Int64(account.consecutiveFailures)),
                ])
        ]
    }

    static func existing(_ id: String, in state: DeskState) throws(ActionRefusal) -> UserAccount {
        guard let user = state.users[id] else {
            throw ActionRefusal(.rule, gate: "unknown-user", "user \(id) is not enrolled in this journal")
        }
        return user
    }

    /// `reason` exactly as given; a reason without visible text (empty, white space, invisible characters
    /// alone: `DisplayText.hasVisibleText`) is refused at gate `reason`.
    public static func requireReason(_ reason: String) throws(ActionRefusal) -> String {
        guard DisplayText.hasVisibleText(reason) else {
            throw ActionRefusal(.rule, gate: "reason", "a reason is required and must hold visible text")
        }
        return reason
    }
}
