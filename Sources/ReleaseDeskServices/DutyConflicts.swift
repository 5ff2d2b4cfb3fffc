import ReleaseDeskCore
import ReleaseDeskJournal

/// Segregation of duties in an existing journal: accounts that hold the admin role together with a GMP role
/// (enrolled before the rule refused it). `verify` reports each as a warning; the rules refuse them every GMP
/// decision (gate `segregation-of-duties`).
public enum DutyConflicts {
    /// The accounts of the journal at `path` that combine administration with qa, qp or supervisor, from its
    /// user records only (the rest of the file is searched, not parsed).
    public static func accounts(in path: String) throws -> [UserAccount] {
        let records = try Journal.records(at: path, lineContaining: "\"kind\":\"user.")
        let state = DeskState.replay(
            records.filter { $0.kind == RecordKind.userEnrolled || $0.kind == RecordKind.userRolesChanged })
        return state.users.values.filter(\.mixesAdministrationWithGMP).sorted { $0.id < $1.id }
    }

    /// The warning `verify` prints for one such account.
    public static func warning(_ user: UserAccount) -> String {
        "user \(user.id) holds admin together with \(user.roles.intersection(Role.gmp).sorted().map(\.rawValue).joined(separator: ", ")) "
            + "(segregation of duties): the account can sign no GMP decision until an administrator removes one of the roles"
    }
}
