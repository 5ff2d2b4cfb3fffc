import CanonicalJSON

/// Checking a signed action's gates before the signer is asked for a password.
///
/// A signed rule is decided under the journal lock with the digest of what the signer was shown. Every gate
/// of the rule except "what was shown has changed" (`state-changed` through the digest) depends only on the
/// state and on what the user typed, so it can be known before the password is asked: the precheck runs the
/// rule itself against the current state with no expected digest and a placeholder digest, keeps its
/// refusal, and throws its drafts away. No gate is written twice: whatever rule is passed in, with whatever
/// gates it has today or later, is the one that is checked.
///
/// A precheck that passes proves nothing for later: the rule is run again under the lock against fresh
/// state, and only that run writes.
public enum SigningPrecheck {
    /// A signed rule with everything bound except the expected digest and the digest function.
    public typealias Rule = (_ expecting: String?, _ digest: ReleaseRules.Digest) throws(ActionRefusal) -> [RecordDraft]

    /// Stands in for a SHA-256 during a precheck; its drafts are discarded, so it is never written.
    public static let placeholderDigest = String(repeating: "0", count: 64)

    /// The refusal `rule` gives on the state it was bound to, or nil when it would go through.
    public static func refusal(of rule: Rule) -> ActionRefusal? {
        do throws(ActionRefusal) {
            try check(rule)
            return nil
        } catch {
            return error
        }
    }

    /// Throws the refusal `rule` gives, if any; the records it would write are discarded.
    public static func check(_ rule: Rule) throws(ActionRefusal) {
        _ = try rule(nil, { _ in placeholderDigest })
    }
}
