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
