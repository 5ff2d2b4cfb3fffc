import CanonicalJSON

/// The compiled disposition record of a batch: everything the QP needs, with every value that changed after
/// first entry marked and its history listed. Its canonical JSON is what a certification signs.
public struct DispositionReport: Sendable {
    public let record: BatchRecord
    public let product: Product?
    public let site: Site?
    public let status: BatchStatus
    /// Every disposition of the batch's exceptions, oldest first (superseded ones included).
    public let dispositions: [Disposition]
    public let deviations: [Deviation]
    public let decision: ReleaseDecision?
    public let hold: DeviationEvent?
    public let auditTrail: AuditTrailReviewStatus

    public init(record: BatchRecord, state: DeskState) {
        self.record = record
        self.product = state.products[record.batch.product]
        self.site = state.sites[record.batch.site]
        self.status = state.queueEntry(record).status
        dispositions = (record.review?.exceptions ?? []).flatMap { state.release.dispositions[$0.id] ?? [] }.sorted { $0.seq < $1.seq }
        deviations = state.release.deviations(of: record.batch.id)
        decision = state.release.decisions[record.batch.id]
        hold = state.release.holds[record.batch.id]
        auditTrail = ReleaseRules.auditTrailStatus(record.batch.id, in: state)
    }

    static func signatureJSON(_ signature: Signature?, at: Timestamp) -> JSONValue {
        guard let signature else { return .null }
        var o = signature.json.objectValue ?? [:]
        o["manifestation"] = .string(signature.manifestation(at: at))
        return .object(o)
    }

    func changed(_ field: String) -> Bool { record.changes.contains { $0.field == field } }

    /// The results against their limits, one per specified attribute.
    var results: [(attribute: SpecAttribute, result: QCResult?, meets: Bool?)] {
        guard let product else { return [] }
        let latest = Dictionary(ReviewEngine.latestFinalResults(record.batch).map { ($0.attribute, $0) }) { a, _ in a }
        return product.attributes.map { attribute in
            let result = latest[attribute.id]
            return (attribute, result, result.map { attribute.limit.isMet(by: $0) })
        }
    }

    public var json: JSONValue {
        let b = record.batch
        return [
            "batch": b.json,
            "product": product.map { ["id": .string($0.id), "name": .string($0.name), "spec_version": .string($0.specVersion)] } ?? .null,
            "site": site.map { ["id": .string($0.id), "name": .string($0.name), "kind": .string($0.kind)] } ?? .null,
            "status": .string(status.rawValue),
            "first_entered": ["seq": .int(record.firstSeq), "at": .string(record.firstAt.description)],
            "results": .array(
                results.map { r in
                    [
                        "attribute": .string(r.attribute.id), "name": .string(r.attribute.name),
                        "limit": .string(r.attribute.limit.description), "unit": .string(r.attribute.unit),
                        "value": r.result.map { .string($0.value) } ?? .null,
                        "result_id": r.result.map { .string($0.id) } ?? .null,
                        "meets_limit": r.meets.map(JSONValue.bool) ?? .null,
                        "changed_since_first_entry": .bool(r.result.map { changed("QC \($0.id) \($0.attribute)") } ?? false),
                    ]
                }),
            "review": record.review.map { review in
                var o = review.json
                o["seq"] = record.reviewSeq.map(JSONValue.int) ?? .null
                o["at"] = record.reviewedAt.map { .string($0.description) } ?? .null
                return .object(o)
            } ?? .null,
            "changes": .array(
                record.changes.map { c in
                    [
                        "field": .string(c.field), "old": .string(c.old), "new": .string(c.new), "seq": .int(c.seq),
                        "at": .string(c.at.description), "actor": .string(c.actor), "reason": c.reason.map(JSONValue.string) ?? .null,
                    ]
                }),
            "record_seqs": .array(record.recordSeqs.map(JSONValue.int)),
            "dispositions": .array(
                dispositions.map { d in
                    [
                        "exception": .string(d.exception), "disposition": .string(d.kind.rawValue), "reason": .string(d.reason),
                        "deviation": d.deviation.map(JSONValue.string) ?? .null, "by": .string(d.by), "at": .string(d.at.description),
                        "seq": .int(d.seq), "signature": Self.signatureJSON(d.signature, at: d.at),
                    ]
                }),
            "deviations": .array(
                deviations.map { d in
                    [
                        "deviation": .string(d.id), "classification": .string(d.classification.rawValue), "stage": .string(d.stage.rawValue),
                        "title": .string(d.title), "due": .string(d.due.description),
                        "root_cause": d.rootCause.map(JSONValue.string) ?? .null,
                        "steps": .array(
                            d.history.map { e in
                                [
                                    "kind": .string(e.kind), "by": .string(e.by), "at": .string(e.at.description), "seq": .int(e.seq),
                                    "reason": .string(e.reason), "signature": Self.signatureJSON(e.signature, at: e.at),
                                ]
                            }),
                    ]
                }),
            "audit_trail_review": auditTrail.review.map { r in
                [
                    "through_seq": .int(r.throughSeq), "records": .int(Int64(r.records)), "by": .string(r.by),
                    "at": .string(r.at.description), "seq": .int(r.seq), "reason": .string(r.reason),
                    "signature": Self.signatureJSON(r.signature, at: r.at), "records_added_since": .int(Int64(auditTrail.unreviewed)),
                ]
            } ?? .null,
            "on_hold": hold.map { h in ["by": .string(h.by), "at": .string(h.at.description), "reason": .string(h.reason)] } ?? .null,
            "decision": decision.map { d in
                [
                    "decision": .string(d.kind.rawValue), "by": .string(d.by), "at": .string(d.at.description), "seq": .int(d.seq),
                    "reason": .string(d.reason), "signature": Self.signatureJSON(d.signature, at: d.at),
                    "pending_tests": .array(d.pendingTests.map { .string($0) }),
                ]
            } ?? .null,
        ]
    }

    public var text: String {
        let b = record.batch
        let s = { (t: String) in DisplayText.sanitize(t) }
        var out = "DISPOSITION RECORD  \(s(b.id))\n"
        out += "product   \(s(product?.name ?? b.product)) (\(s(b.product)), specification \(s(product?.specVersion ?? "?")))\n"
        out += "site      \(s(site?.name ?? b.site)) (\(s(b.site)), \(s(site?.kind ?? "?")))\n"
        out += "status    \(status.label)\n"
        if let coi = b.coi { out += "CoI       \(s(coi))\(changed("coi") ? "  ◆ changed" : "")\n" }
        if let w = b.patientWeightKg { out += "weight    \(w.text) kg\(changed("patient_weight_kg") ? "  ◆ changed" : "")\n" }
        if let a = b.apheresisAt { out += "apheresis \(a)\n" }
        out += "made      \(b.manufactureStart) → \(b.manufactureEnd.map(\.description) ?? "in progress")\n"
        out += "expiry    \(b.expiry)\(changed("expiry") ? "  ◆ changed" : "")\n"
        if let p = b.plannedInfusion { out += "infusion  \(p)\(changed("planned_infusion") ? "  ◆ changed" : "")\n" }
        out += "entered   seq \(record.firstSeq) at \(record.firstAt)\n\nRESULTS AGAINST LIMITS\n"
        for r in results {
            let value = r.result.map { "\($0.value) \($0.unit)" } ?? "pending"
            let verdict = r.meets.map { $0 ? "meets" : "OUT OF SPECIFICATION" } ?? (r.attribute.mayFollowRelease ? "pending (may follow release)" : "pending")
            let mark = r.result.map { changed("QC \($0.id) \($0.attribute)") } ?? false ? "  ◆ changed" : ""
            out += "  \(DisplayWidth.pad(s(r.attribute.name), to: 24)) \(DisplayWidth.pad(s(value), to: 22)) limit \(DisplayWidth.pad(s(r.attribute.limit.description), to: 16)) \(verdict)\(mark)\n"
        }
        out += "\nEXCEPTIONS (rule set \(s(record.review?.ruleSet ?? "—")))\n"
        if let review = record.review, !review.exceptions.isEmpty {
            for e in review.exceptions {
                out += "  \(e.severity.rawValue.uppercased())  \(s(e.title))  [\(s(e.id))]\n    \(s(e.why))\n"
            }
        } else {
            out += "  none\(record.review?.quietSample == true ? " (quiet-batch sample: full review)" : "")\n"
        }
        out += "\nDISPOSITIONS\n"
        if dispositions.isEmpty { out += "  none\n" }
        let inForce = Dictionary(dispositions.map { ($0.exception, $0.seq) }) { a, b in max(a, b) }
        for d in dispositions {
            let superseded = inForce[d.exception] != d.seq ? "  (superseded)" : ""
            out += "  \(s(d.exception)): \(d.kind.rawValue)\(d.deviation.map { " → \(s($0))" } ?? "") — reason: \"\(s(d.reason))\"\(superseded)\n"
            if let sig = d.signature { out += "    \(sig.manifestation(at: d.at))\n" }
        }
        out += "\nDEVIATIONS\n"
        if deviations.isEmpty { out += "  none\n" }
        for d in deviations {
            out += "  \(s(d.id)) \(d.classification.rawValue) · \(d.stage.rawValue) · due \(d.due) · \(s(d.title))\n"
            for e in d.history {
                out += "    \(s(e.kind)) by \(s(e.by)) at \(e.at)\(e.reason.isEmpty ? "" : " — \"\(s(e.reason))\"")\n"
                if let sig = e.signature { out += "      \(sig.manifestation(at: e.at))\n" }
            }
        }
        out += "\nAUDIT TRAIL\n  \(s(auditTrail.summary))\n"
        if let r = auditTrail.review, let sig = r.signature { out += "    \(sig.manifestation(at: r.at))\n" }
        if let hold { out += "\nON HOLD since \(hold.at) by \(s(hold.by)) — \"\(s(hold.reason))\"\n" }
        if let decision {
            out += "\nDECISION  \(decision.kind.rawValue.uppercased()) by \(s(decision.by)) at \(decision.at) — \"\(s(decision.reason))\"\n"
            if let sig = decision.signature { out += "  \(sig.manifestation(at: decision.at))\n" }
            if !decision.pendingTests.isEmpty { out += "  pending at certification: \(decision.pendingTests.map(s).joined(separator: ", "))\n" }
        }
        out += "\nCHANGED SINCE FIRST ENTRY\n"
        if record.changes.isEmpty { out += "  nothing\n" }
        for c in record.changes {
            out += "  ◆ \(s(c.field)): \(s(c.old)) → \(s(c.new))  (seq \(c.seq), \(c.at), \(s(c.actor))\(c.reason.map { ", reason: \"\(s($0))\"" } ?? ""))\n"
        }
        return out
    }
}
