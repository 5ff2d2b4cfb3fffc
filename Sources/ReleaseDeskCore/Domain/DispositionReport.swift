import CanonicalJSON

/// The compiled disposition record of a batch: everything the QP needs, with every value that changed after
/// first entry marked and its history listed. Its canonical JSON is what a certification signs.
public struct DispositionReport: Sendable {
    public let record: BatchRecord
    public let product: Product?
    public let site: Site?
    public let status: BatchStatus

    public init(record: BatchRecord, state: DeskState) {
        self.record = record
        self.product = state.products[record.batch.product]
        self.site = state.sites[record.batch.site]
        self.status = state.queueEntry(record).status
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
        out += "\nCHANGED SINCE FIRST ENTRY\n"
        if record.changes.isEmpty { out += "  nothing\n" }
        for c in record.changes {
            out += "  ◆ \(s(c.field)): \(s(c.old)) → \(s(c.new))  (seq \(c.seq), \(c.at), \(s(c.actor))\(c.reason.map { ", reason: \"\(s($0))\"" } ?? ""))\n"
        }
        return out
    }
}
