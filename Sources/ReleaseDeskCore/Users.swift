import CanonicalJSON

/// What a user may do. A user may hold several roles.
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
    /// QA specialist: dispositions exceptions, runs deviations.
    case qa
    /// Qualified Person: certifies, rejects, holds and unholds batches.
    case qp
    /// Reads everything and reviews audit trails.
    case supervisor
    /// Administers users.
    case admin

    /// The roles that make GMP decisions; an administrator holds none of them.
    public static let gmp: Set<Role> = [.qa, .qp, .supervisor]

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The roles named in `body[key]`, in canonical order; `nil` when the field is missing or wrong.
    static func list(from value: JSONValue?) -> Set<Role>? {
        guard let items = value?.arrayValue else { return nil }
        var roles: Set<Role> = []
        for item in items {
            guard let name = item.stringValue, let role = Role(rawValue: name) else { return nil }
            roles.insert(role)
        }
        return roles
    }

    /// The JSON array of `roles`, sorted.
    static func json(_ roles: Set<Role>) -> JSONValue {
        .array(roles.sorted().map { .string($0.rawValue) })
    }
}

/// A person enrolled in the journal. User ids are unique and never reused.
public struct UserAccount: Sendable, Hashable {
    /// The user id, unique for the life of the journal.
    public var id: String
    /// The printed full name shown with every signature.
    public var name: String
    /// The roles currently held.
    public var roles: Set<Role>
    /// Whether the account is locked (by an administrator or after failed sign-ins).
    public var isLocked: Bool
    /// Why the account was locked, when it is.
    public var lockReason: String?
    /// Failed sign-ins since the last success, unlock or credential change.
    public var consecutiveFailures: Int
    /// Who enrolled this user.
    public var enrolledBy: String
    /// When this user was enrolled.
    public var enrolledAt: Timestamp
    /// Sequence number of the enrolment record.
    public var enrolledSeq: Int64
    /// Whether the password in force was set by an administrator (at enrolment or by `user passwd`): it only
    /// allows the user to set a password of their own; nothing else is done or signed with it.
    public var passwordIsTemporary: Bool = false

    /// Whether the account combines administration with a GMP role, which segregation of duties forbids.
    public var mixesAdministrationWithGMP: Bool { roles.contains(.admin) && !roles.isDisjoint(with: Role.gmp) }

    /// Whether the user holds `role`.
    public func has(_ role: Role) -> Bool { roles.contains(role) }
}

/// Rules for user ids and names.
public enum UserIdentity {
    /// The id written for the program's own records.
    public static let systemActor = "system"

    /// Why `id` cannot be a user id, or `nil` when it can: `[a-z][a-z0-9._-]{1,31}`, not `system`.
    public static func problem(withID id: String) -> String? {
        let bytes = Array(id.utf8)
        guard bytes.count >= 2, bytes.count <= 32 else { return "a user id has 2 to 32 characters" }
        guard bytes[0] >= UInt8(ascii: "a"), bytes[0] <= UInt8(ascii: "z") else {
            return "a user id starts with a lower-case letter"
        }
        for b in bytes {
            let ok =
                (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            guard ok else { return "a user id uses only a-z, 0-9, '.', '_' and '-'" }
        }
        if id == systemActor { return "\"system\" is reserved for the program's own records" }
        return nil
    }

    /// Why `name` cannot be a printed name, or `nil` when it can.
    public static func problem(withName name: String) -> String? {
        let trimmed = name.trimmingSpaces
        guard !trimmed.isEmpty else { return "the printed name is empty" }
        guard name.unicodeScalars.count <= 200 else { return "the printed name is longer than 200 characters" }
        guard trimmed == name else { return "the printed name starts or ends with spaces" }
        if let scalar = name.unicodeScalars.first(where: { DisplayText.isHidden($0) }) {
            return
                "the printed name contains the control or invisible character \(DisplayText.placeholder(for: scalar))"
        }
        return nil
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line ends.
    public var trimmingSpaces: String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension Role: Codable {}
extension UserAccount: Codable {}
