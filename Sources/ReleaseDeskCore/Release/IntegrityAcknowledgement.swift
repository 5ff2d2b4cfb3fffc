import CanonicalJSON

extension RecordKind {
    /// An administrator's signed acknowledgement of an integrity alarm, with the finding of the investigation.
    public static let integrityAlarmAcknowledged = "integrity.alarm_acknowledged"
}

/// The acknowledgement of an integrity alarm (a witness that no longer matches the journal: the last record
/// changed, or history was rewritten or replaced). Witnesses move on only through it: the record names the
/// witness that disagreed and the head it moves to, and a witness named by one is accepted and moved forward.
public enum IntegrityAcknowledgement {
    /// A point of the chain: a record's seq and the SHA-256 of its line.
    public struct Point: Sendable, Hashable {
        public var seq: Int64
        public var sha256: String

        public init(seq: Int64, sha256: String) {
            self.seq = seq
            self.sha256 = sha256
        }

        public init?(_ value: JSONValue?) {
            guard let o = value?.objectValue, let seq = o["seq"]?.intValue, let hash = o["sha256"]?.stringValue else {
                return nil
            }
            self.init(seq: seq, sha256: hash)
        }

        public var json: JSONValue { ["seq": .int(seq), "sha256": .string(sha256)] }
    }

    /// What an acknowledgement signs: the finding, the witness that disagreed and the head it moves to.
    public static func request(finding: String, witness: Point, head: Point) -> SigningRequest {
        SigningRequest(
            subject: "journal-witness:\(witness.seq)",
            decision:
                "acknowledge the integrity alarm at record \(witness.seq) and move the witness to record \(head.seq)",
            meaning: .acknowledged,
            content: ["finding": .string(finding), "witness": witness.json, "head": head.json])
    }

    /// An administrator acknowledges the alarm raised by `witness`, with the finding of the investigation;
    /// `head` is the journal's last record, which the acknowledgement follows.
    public static func acknowledge(
        finding rawFinding: String, witness: Point, head: Point, by actor: String, expecting expected: String?,
        digest: ReleaseRules.Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, anyOf: [.admin], toDo: "acknowledge integrity alarms")
        guard !rawFinding.trimmingSpaces.isEmpty else {
            throw ActionRefusal(
                .rule, gate: "finding", "the finding of the investigation is required and may not be empty")
        }
        guard witness.sha256.utf8.count == 64 else {
            throw ActionRefusal(.rule, gate: "witness", "the witness hash must be 64 hex digits")
        }
        let signed = request(finding: rawFinding, witness: witness, head: head)
        let signature = signed.signature(by: user, digest: digest)
        if let expected, expected != signature.subjectSHA256 {
            throw ActionRefusal(
                .rule, gate: "state-changed",
                "the journal moved on after the acknowledgement was shown to you; look again")
        }
        return [
            RecordDraft(
                kind: RecordKind.integrityAlarmAcknowledged, actor: actor,
                body: [
                    "finding": .string(rawFinding), "witness": witness.json, "head": head.json,
                    "signature": signature.json,
                ])
        ]
    }

    /// Whether `record` acknowledges the witness `witness` (same seq and hash).
    public static func acknowledges(_ record: Record, witness: Point) -> Bool {
        record.kind == RecordKind.integrityAlarmAcknowledged && Point(record.body["witness"]) == witness
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension IntegrityAcknowledgement.Point: Codable {}
