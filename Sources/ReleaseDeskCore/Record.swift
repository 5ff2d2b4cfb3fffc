import CanonicalJSON

/// One journal record: the envelope of §2 of `docs/journal-format.md` and its body.
public struct Record: Sendable, Hashable {
    /// The format version every record carries.
    public static let formatVersion: Int64 = 1
    /// The `prev` of record 1: 64 zeros.
    public static let zeroHash = String(repeating: "0", count: 64)

    /// 1 for the first record, previous + 1 after that.
    public var seq: Int64
    /// When the record was committed (system clock, UTC).
    public var at: Timestamp
    /// The user id of the person who acted, or `system`.
    public var actor: String
    /// The host name of the machine that wrote the record.
    public var host: String
    /// The event type, dotted lower-case, past tense.
    public var kind: String
    /// The event's content.
    public var body: [String: JSONValue]
    /// SHA-256 (hex) of the previous record's line.
    public var prev: String

    /// A record with every envelope field given.
    public init(
        seq: Int64, at: Timestamp, actor: String, host: String, kind: String, body: [String: JSONValue], prev: String
    ) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.host = host
        self.kind = kind
        self.body = body
        self.prev = prev
    }

    /// The record as the JSON object that is written to the journal.
    public var jsonValue: JSONValue {
        .object([
            "v": .int(Self.formatVersion), "seq": .int(seq), "at": .string(at.description), "actor": .string(actor),
            "host": .string(host), "kind": .string(kind), "body": .object(body), "prev": .string(prev),
        ])
    }

    /// The canonical bytes of the record's line, without the LF.
    public func canonicalBytes() throws(CanonicalJSONEncodingError) -> [UInt8] {
        try CanonicalJSON.encode(jsonValue)
    }

    /// Whether `kind` is dotted lower-case: `[a-z][a-z0-9_]*` segments, at least two, joined by dots.
    public static func isValidKind(_ kind: String) -> Bool {
        let segments = kind.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return false }
        for segment in segments {
            guard let first = segment.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else {
                return false
            }
            guard CanonicalJSON.isValidKey(String(segment)) else { return false }
        }
        return true
    }
}

/// A record as an action proposes it, before the journal stamps `seq`, `at`, `host` and `prev`.
public struct RecordDraft: Sendable, Hashable {
    /// The event type, dotted lower-case, past tense.
    public var kind: String
    /// The user id of the person who acted, or `system`.
    public var actor: String
    /// The event's content.
    public var body: [String: JSONValue]

    /// A draft of `kind` by `actor` with `body`.
    public init(kind: String, actor: String, body: [String: JSONValue]) {
        self.kind = kind
        self.actor = actor
        self.body = body
    }
}

/// The kinds of record the product writes. Each is documented in `docs/journal-kinds.md`.
public enum RecordKind {
    public static let journalCreated = "journal.created"
    public static let tailRepaired = "journal.tail_repaired"
    public static let userEnrolled = "user.enrolled"
    public static let userRolesChanged = "user.roles_changed"
    public static let userLocked = "user.locked"
    public static let userUnlocked = "user.unlocked"
    public static let userCredentialChanged = "user.credential_changed"
    public static let signInFailed = "user.sign_in_failed"
    public static let signInSucceeded = "user.sign_in_succeeded"
    public static let syntheticRecorded = "synthetic.recorded"
    public static let actionRefused = "action.refused"
    public static let productSpecified = "product.specified"
    public static let siteRegistered = "site.registered"
    public static let batchImported = "batch.imported"
    public static let qcResultsRecorded = "qc.results_recorded"
    public static let custodyEventsRecorded = "custody.events_recorded"
    public static let importCommitted = "import.committed"
    public static let batchReviewed = "batch.reviewed"
    public static let exceptionDispositioned = "exception.dispositioned"
    public static let deviationOpened = "deviation.opened"
    public static let deviationClassificationApproved = "deviation.classification_approved"
    public static let deviationInvestigationRecorded = "deviation.investigation_recorded"
    public static let deviationApproved = "deviation.approved"
    public static let deviationExtensionRequested = "deviation.extension_requested"
    public static let deviationExtensionApproved = "deviation.extension_approved"
    public static let batchCertified = "batch.certified"
    public static let batchRejected = "batch.rejected"
    public static let batchHeld = "batch.held"
    public static let batchHoldReleased = "batch.hold_released"
    public static let batchCommented = "batch.commented"
    public static let auditTrailReviewed = "batch.audit_trail_reviewed"
    public static let batchAssigned = "batch.assigned"
    public static let batchUnassigned = "batch.unassigned"
    public static let siteSuspended = "site.suspended"
    public static let siteReinstated = "site.reinstated"

    /// Kinds that belong to an import and take effect only with its `import.committed`.
    public static let importParts: Set<String> = [
        productSpecified, siteRegistered, batchImported, qcResultsRecorded, custodyEventsRecorded,
    ]
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension Record: Codable {}
