import CanonicalJSON

/// What a signature means, from a controlled list (21 CFR 11.50).
public enum SignatureMeaning: String, CaseIterable, Sendable, Hashable {
    /// QA assessed an exception and recorded its disposition.
    case reviewed
    /// QA wrote an investigation.
    case authored
    /// QA approved a deviation's classification, closure or extension.
    case approved
    /// The QP certified the batch for release.
    case certified
    /// The QP rejected the batch.
    case rejected
    /// The QP put the batch on hold.
    case held
    /// The QP released the batch from hold.
    case holdReleased = "hold-released"
    /// An administrator acknowledged an integrity alarm after investigating it.
    case acknowledged

    /// The sentence the signer confirms.
    public var statement: String {
        switch self {
        case .reviewed: return "I have reviewed this and record my decision"
        case .authored: return "I am the author of this record"
        case .approved: return "I approve this"
        case .certified: return "I certify this batch for release"
        case .rejected: return "I reject this batch"
        case .held: return "I put this batch on hold"
        case .holdReleased: return "I release this batch from hold"
        case .acknowledged: return "I have investigated this integrity alarm and record my finding"
        }
    }
}

/// An electronic signature in a record's body (§7 of `docs/journal-format.md`): who, the printed name, the meaning,
/// what was signed and the SHA-256 of its canonical JSON. The record's `at` is the time of signing.
public struct Signature: Sendable, Hashable {
    public var user: String
    public var name: String
    public var meaning: SignatureMeaning
    public var subject: String
    public var subjectSHA256: String

    public init(user: String, name: String, meaning: SignatureMeaning, subject: String, subjectSHA256: String) {
        self.user = user
        self.name = name
        self.meaning = meaning
        self.subject = subject
        self.subjectSHA256 = subjectSHA256
    }

    public var json: JSONValue {
        [
            "user": .string(user), "name": .string(name), "meaning": .string(meaning.rawValue),
            "subject": .string(subject),
            "subject_sha256": .string(subjectSHA256),
        ]
    }

    public static func decode(_ value: JSONValue?) -> Signature? {
        guard let o = value?.objectValue, let user = o["user"]?.stringValue, let name = o["name"]?.stringValue,
            let meaning = o["meaning"]?.stringValue.flatMap(SignatureMeaning.init(rawValue:)),
            let subject = o["subject"]?.stringValue, let digest = o["subject_sha256"]?.stringValue
        else { return nil }
        return Signature(user: user, name: name, meaning: meaning, subject: subject, subjectSHA256: digest)
    }

    /// The manifestation (21 CFR 11.50): printed name, date and time with zone, meaning. Sanitised.
    public func manifestation(at time: Timestamp) -> String {
        let c = time.civil
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let when = "\(c.year)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) UTC"
        return DisplayText.sanitize("signed by \(name) (\(user)) on \(when) — meaning: \(meaning.rawValue)")
    }
}

/// Everything a signer must see before the password is asked, and what the signature will be bound to.
public struct SigningRequest: Sendable {
    /// What is signed, e.g. `batch:CART-26-0022`.
    public var subject: String
    /// The decision in words, e.g. "certify CART-26-0022 for release".
    public var decision: String
    public var meaning: SignatureMeaning
    /// Exactly the content whose canonical JSON the signature's digest covers.
    public var content: JSONValue

    public init(subject: String, decision: String, meaning: SignatureMeaning, content: JSONValue) {
        self.subject = subject
        self.decision = decision
        self.meaning = meaning
        self.content = content
    }

    /// The signature of `user` over this request; `digest` is SHA-256 (hex) of canonical JSON.
    public func signature(by user: UserAccount, digest: (JSONValue) -> String) -> Signature {
        Signature(user: user.id, name: user.name, meaning: meaning, subject: subject, subjectSHA256: digest(content))
    }
}

/// Which components the next signature needs (21 CFR 11.200).
public enum SignatureComponents: Equatable, Sendable {
    /// The first signing of a session, or after an idle lock: user id and password.
    case userIDAndPassword
    /// A later signing in the same continuous session: the password.
    case passwordOnly
}

/// A continuous signing session: the first signature needs user id and password, later ones the password,
/// and after the idle limit both again. A restart or a detach starts a new session.
public struct SigningSession: Equatable, Sendable {
    public let user: String
    public private(set) var lastSignature: Timestamp?
    public private(set) var lastActivity: Timestamp
    public let idleLimitMilliseconds: Int64

    public init(user: String, startedAt: Timestamp, idleLimitMilliseconds: Int64) {
        self.user = user
        self.lastActivity = startedAt
        self.idleLimitMilliseconds = idleLimitMilliseconds
    }

    /// Whether the session is idle-locked at `now`.
    public func isIdle(at now: Timestamp) -> Bool {
        now.millisecondsSinceEpoch - lastActivity.millisecondsSinceEpoch > idleLimitMilliseconds
    }

    /// What the next signature at `now` needs.
    public func components(at now: Timestamp) -> SignatureComponents {
        lastSignature == nil || isIdle(at: now) ? .userIDAndPassword : .passwordOnly
    }

    /// The user did something at `now` (a key press); an idle session stays locked until a full signing.
    public mutating func touch(at now: Timestamp) {
        if !isIdle(at: now) { lastActivity = now }
    }

    /// A signature succeeded at `now`.
    public mutating func signed(at now: Timestamp) {
        lastSignature = now
        lastActivity = now
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension SignatureMeaning: Codable {}
extension Signature: Codable {}
