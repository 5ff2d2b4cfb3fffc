import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Enrol users, lock and unlock accounts, set passwords.",
        discussion: "Every change is journaled with who, whom and when; passwords never are. With --password-stdin "
            + "the first line of standard input is the acting user's password and, for add and passwd, the second "
            + "line is the new password.",
        subcommands: [Add.self, List.self, Lock.self, Unlock.self, Passwd.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol a user (administrators only).",
            discussion: "With PAM authentication no initial password is asked: the user id must be the user's "
                + "operating-system account name, and its password is that account's.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The new user id: 2-32 of a-z, 0-9, '.', '_', '-', starting with a letter; never reused.")
        var id: String

        @Option(name: .long, help: "Printed full name, shown with every signature.")
        var name: String

        @Option(name: .long, help: "A role: qa, qp, supervisor or admin (repeat for several).")
        var role: [String]

        @Option(name: .long, help: "Why the user is enrolled.")
        var reason: String?

        func validate() throws {
            guard !role.isEmpty else { throw ValidationError("give at least one --role (qa, qp, supervisor, admin)") }
            for r in role.flatMap({ $0.split(separator: ",") }) where Role(rawValue: String(r)) == nil {
                throw ValidationError("--role \(r): roles are qa, qp, supervisor, admin")
            }
        }

        func run() throws {
            try Failure.guarded {
                let roles = Set(role.flatMap { $0.split(separator: ",") }.compactMap { Role(rawValue: String($0)) })
                let locations = try global.locations()
                let passwords = global.passwords()
                let setsPassword = try global.authentication().managesPasswords
                let (desk, actor) = try global.signedIn(
                    locations, channel: "cli:user-add", for: .writing, passwords: passwords)
                defer { desk.checkpoint() }
                // With PAM the account's operating-system password is used; nothing is set here.
                let password =
                    setsPassword
                    ? try passwords.readNew(prompt: "Initial password for \(DisplayText.sanitize(id)): ") : nil
                let written = try desk.enrol(
                    id, name: name, roles: roles, password: password, reason: reason, by: actor.id)
                var out = StandardOutput()
                for record in written { out.write("seq \(record.seq): \(AuditText.summary(record))\n") }
                out.flush()
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every enrolled user.")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "JSON Lines output, one user per line (the same as --format jsonl).")
        var json = false

        @Option(name: .long, help: ListFormat.help)
        var format: ListFormat?

        func run() throws {
            try Failure.guarded {
                let format = try ListFormat.resolve(format, json: json)
                let locations = try global.locations()
                let (desk, _) = try global.signedIn(
                    locations, channel: "cli:user-list", for: .reading, passwords: global.passwords())
                defer { desk.checkpoint() }
                var out = StandardOutput()
                let users = desk.state.users.values.sorted { $0.id < $1.id }
                var list = ListOutput(columns: ["USER", "NAME", "ROLES", "STATUS", "ENROLLED"])
                for user in users {
                    var object: [String: JSONValue] = [
                        "user": .string(user.id), "name": .string(user.name),
                        "roles": .array(user.roles.sorted().map { .string($0.rawValue) }),
                        "locked": .bool(user.isLocked),
                        "enrolled_at": .string(user.enrolledAt.description),
                        "enrolled_by": .string(user.enrolledBy),
                        "enrolled_seq": .int(user.enrolledSeq),
                        "failed_sign_ins": .int(Int64(user.consecutiveFailures)),
                    ]
                    if let reason = user.lockReason { object["lock_reason"] = .string(reason) }
                    let status = user.isLocked ? "locked: \(user.lockReason ?? "")" : "active"
                    list.append(
                        [
                            user.id, user.name, user.roles.sorted().map(\.rawValue).joined(separator: ","), status,
                            "\(user.enrolledAt) by \(user.enrolledBy)",
                        ], .object(object))
                }
                out.write(list.render(format))
                out.flush()
            }
        }
    }

    struct Lock: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lock an account (administrators only).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user id to lock.") var id: String
        @Option(name: .long, help: "Why (required).") var reason: String

        func run() throws {
            try Failure.guarded {
                try UnsignedAction.run(global, action: "user.lock") { state, actor throws(ActionRefusal) in
                    try UserAdministration.lock(id, reason: reason, by: actor, in: state)
                }
            }
        }
    }

    struct Unlock: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlock an account (administrators only).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user id to unlock.") var id: String
        @Option(name: .long, help: "Why (required).") var reason: String

        func run() throws {
            try Failure.guarded {
                try UnsignedAction.run(global, action: "user.unlock") { state, actor throws(ActionRefusal) in
                    try UserAdministration.unlock(id, reason: reason, by: actor, in: state)
                }
            }
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a password: your own, or (administrators) another user's.",
            discussion:
                "Only with local authentication; with PAM, passwords are those of the operating-system accounts.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Whose password (default: your own).") var id: String?
        @Option(name: .long, help: "Why.") var reason: String = "password changed"

        func run() throws {
            try Failure.guarded {
                try global.requireLocalPasswords("user passwd")
                let locations = try global.locations()
                let passwords = global.passwords()
                let (desk, actor) = try global.signedIn(
                    locations, channel: "cli:user-passwd", for: .writing, passwords: passwords,
                    allowingTemporaryPassword: id == nil || id == global.userID)
                defer { desk.checkpoint() }
                let target = id ?? actor.id
                let password = try passwords.readNew(prompt: "New password for \(DisplayText.sanitize(target)): ")
                let written = try desk.changePassword(of: target, to: password, reason: reason, by: actor.id)
                Report.written(written)
            }
        }
    }
}

/// Prints what an action wrote.
enum Report {
    static func written(_ records: [Record]) {
        var out = StandardOutput()
        for record in records { out.write("seq \(record.seq): \(AuditText.summary(record))\n") }
        out.flush()
    }
}

/// Runs an action that is journaled but not signed: sign in, decide under the journal lock, print what was
/// written.
enum UnsignedAction {
    static func run(
        _ global: GlobalOptions, action: String, about subject: ActionSubject? = nil,
        _ decide: (DeskState, _ actor: String) throws(ActionRefusal) -> [RecordDraft]
    ) throws {
        let locations = try global.locations()
        let (desk, actor) = try global.signedIn(
            locations, channel: "cli:" + action.replacingAll(".", with: "-"), for: .writing,
            passwords: global.passwords())
        defer { desk.checkpoint() }
        let written = try desk.perform(action, by: actor.id, about: subject) { state throws(ActionRefusal) in
            try decide(state, actor.id)
        }
        Report.written(written)
    }
}
