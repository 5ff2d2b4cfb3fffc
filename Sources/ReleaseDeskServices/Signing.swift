import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal

/// The digest every signature is bound to: SHA-256 of the canonical JSON of what was signed (21 CFR 11.70).
public enum Signing {
    public static func digest(_ content: JSONValue) -> String {
        // Signed content is built from journal data, which is canonical JSON already; it cannot fail to encode.
        Digest.sha256((try? CanonicalJSON.encode(content)) ?? []).hex
    }

    /// Whether `signature` is bound to `content`: a signature copied onto other content fails.
    public static func verifies(_ signature: Signature, over content: JSONValue) -> Bool {
        digest(content) == signature.subjectSHA256
    }
}

extension Desk {
    /// Takes a signed action: the one use case behind every signature, from the command line and the
    /// workstation alike.
    ///
    /// In order: the whole journal file is verified again when it changed since it was last verified (nobody
    /// signs on a journal that does not verify: a finding raises the alarm); the signer's user id and password
    /// are checked (`signIn`: both components, a failure journaled and counted towards the lock-out); then,
    /// under the journal lock on fresh state, the action's rule decides (`SignedAction.perform`), refusing
    /// when what it would sign now differs from `shown`, the digest of what the signer was shown. A refusal
    /// is journaled and thrown; so is the alarm.
    @discardableResult
    public func sign(
        _ action: SignedAction, as user: String, password: String, with authenticator: Authenticator, channel: String,
        shown expected: String?, clock: () -> Timestamp
    ) throws -> [Record] {
        try requireWritable(action.name)
        checkIntegrityIfChanged()
        _ = try signIn(user: user, password: password, with: authenticator, channel: channel)
        return try perform(action.name, by: user, about: action.subject) { fresh throws(ActionRefusal) in
            try action.perform(by: user, now: clock(), expecting: expected, digest: Signing.digest, in: fresh)
        }
    }

    /// Verifies the whole journal again, unless it is unchanged since it was last verified (its change
    /// token: for a file, its size and times), and compares it with what was read; a finding raises the
    /// alarm and is returned.
    @discardableResult
    public func checkIntegrityIfChanged() -> String? {
        let token = journal.changeToken()
        if let token, token == verifiedToken { return nil }
        if let finding = journal.integrityCheck(journal.head) {
            raiseAlarm(finding)
            return finding
        }
        verifiedToken = token
        return nil
    }
}
