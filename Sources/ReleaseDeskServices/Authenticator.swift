/// Checks a user id and password. Implementations: the local credential file, and PAM (`PAMAuthenticator`).
/// Callers check passwords through `Desk.signIn`, which journals failures and counts them towards the lock-out.
public protocol Authenticator: Sendable {
    /// A short name for messages and records (`local`, `pam`).
    var name: String { get }
    /// Whether `password` is right for `user`. Throws when the check itself cannot be made.
    func verify(user: String, password: String) throws -> Bool
}

/// Checks passwords against the scrypt hashes in the credential file beside the journal.
public struct LocalAuthenticator: Authenticator {
    /// Where the hashes are.
    public let store: CredentialStore

    public init(store: CredentialStore) {
        self.store = store
    }

    public var name: String { "local" }

    public func verify(user: String, password: String) throws -> Bool {
        let hashes = try store.load()
        guard let hash = hashes[user] else {
            // Spend the same time as a real check, so timing does not tell which ids exist.
            _ = try? PasswordHash.make(password)
            return false
        }
        return try hash.matches(password)
    }
}
