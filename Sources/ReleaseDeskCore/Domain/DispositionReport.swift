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
    /// Comments on the batch, oldest first.
    public let comments: [DeviationEvent]
    /// The OOS supply case, if one was opened.
    public let oosCase: OOSSupplyCase?
    /// The laboratory investigations of the batch's OOS results, in journal order.
    public let oosInvestigations: [OOSInvestigation]
    /// The signed QA full review (quiet-batch sampling), if any.
    public let fullReview: DeviationEvent?
    /// Results invalidated by an investigation: shown, marked, and no longer the attribute's result.
    var invalidated: Set<String> { Set(oosInvestigations.filter { $0.outcome == .invalidated }.map(\.result)) }

    public init(record: BatchRecord, state: DeskState) {
        self.record = record
        self.product = state.products[record.batch.product]
        self.site = state.sites[record.batch.site]
        self.status = state.queueEntry(record).status
        dispositions = (record.review?.exceptions ?? []).flatMap { state.release.dispositions[$0.id] ?? [] }.sorted {
            $0.seq < $1.seq
        }
        deviations = state.release.deviations(of: record.batch.id)
        decision = state.release.decisions[record.batch.id]
        hold = state.release.holds[record.batch.id]
        auditTrail = ReleaseRules.auditTrailStatus(record.batch.id, in: state)
        comments = state.release.comments[record.batch.id] ?? []
        oosCase = state.release.oosCases[record.batch.id]
        oosInvestigations = state.release.oosInvestigations[record.batch.id] ?? []
        fullReview = state.release.fullReviews[record.batch.id]
    }

    static func signatureJSON(_ signature: Signature?, at: Timestamp) -> JSONValue {
        guard let signature else { return .null }
        var o = signature.json.objectValue ?? [:]
        o["manifestation"] = .string(signature.manifestation(at: at))
        return .object(o)
    }

    func changed(_ field: String) -> Bool { record.changes.contains { $0.field == field } }

    /// Whether any field of a QC result changed after first entry.
    func changed(_ result: QCResult) -> Bool { !record.corrections(of: result).isEmpty }

    /// The results against their limits, one per specified attribute.
    var results: [(attribute: SpecAttribute, result: QCResult?, meets: Bool?)] {
        guard let product else { return [] }
        let latest = Dictionary(
            ReviewEngine.latestFinalResults(record.batch, excluding: invalidated).map { ($0.attribute, $0) }
        ) { a, _ in a }
        return product.attributes.map { attribute in
            let result = latest[attribute.id]
            return (attribute, result, result.map { attribute.limit.isMet(by: $0) })
        }
    }

    static func eventJSON(_ e: DeviationEvent) -> JSONValue {
        [
            "kind": .string(e.kind), "by": .string(e.by), "at": .string(e.at.description), "seq": .int(e.seq),
            "reason": .string(e.reason), "signature": signatureJSON(e.signature, at: e.at),
        ]
    }

    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    /// The QP's checklist answers, in the checklist's order (items this version does not know last).
    var checklistAnswers: [(item: String, question: String, answer: Bool)] {
        guard let decision else { return [] }
        var out = ReleaseRules.checklist.compactMap { item in
            decision.checklist[item.id].map { (item.id, item.question, $0) }
        }
        for key in decision.checklist.keys.sorted() where !ReleaseRules.checklist.contains(where: { $0.id == key }) {
            out.append((key, key, decision.checklist[key]!))
        }
        return out
    }

    /// The OOS supply case's steps in order: request, risk evaluation, acceptance, notifications.
    var oosSteps: [DeviationEvent] {
        guard let c = oosCase else { return [] }
        return [c.request] + [c.riskEvaluation, c.acceptance].compactMap { $0 } + c.notifications
    }

    public var json: JSONValue {
        let b = record.batch
        return [
            "batch": b.json,
            "product": product.map {
                ["id": .string($0.id), "name": .string($0.name), "spec_version": .string($0.specVersion)]
            } ?? .null,
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
                        "changed_since_first_entry": .bool(r.result.map { changed($0) } ?? false),
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
                        "at": .string(c.at.description), "actor": .string(c.actor), "reason": Self.optional(c.reason),
                    ]
                }),
            "record_seqs": .array(record.recordSeqs.map(JSONValue.int)),
            "dispositions": .array(
                dispositions.map { d in
                    [
                        "exception": .string(d.exception), "disposition": .string(d.kind.rawValue),
                        "reason": .string(d.reason),
                        "deviation": Self.optional(d.deviation), "by": .string(d.by), "at": .string(d.at.description),
                        "seq": .int(d.seq), "signature": Self.signatureJSON(d.signature, at: d.at),
                        "supersedes": d.supersedes.map(JSONValue.int) ?? .null,
                        "superseded_disposition": Self.optional(d.supersededKind?.rawValue),
                    ]
                }),
            "deviations": .array(
                deviations.map { d in
                    [
                        "deviation": .string(d.id), "classification": .string(d.classification.rawValue),
                        "stage": .string(d.stage.rawValue),
                        "title": .string(d.title), "description": .string(d.description),
                        "due": .string(d.due.description),
                        "requested_due": Self.optional(d.requestedDue?.description),
                        "exceptions": .array(d.exceptions.map(JSONValue.string)),
                        "opened_by": .string(d.openedBy), "opened_at": .string(d.openedAt.description),
                        "root_cause": Self.optional(d.rootCause), "impact": Self.optional(d.impact),
                        "capa": .array(d.capa.map(JSONValue.string)), "capa_rationale": Self.optional(d.capaRationale),
                        "effectiveness_check": Self.optional(d.effectivenessCheck),
                        "steps": .array(d.history.map(Self.eventJSON)),
                    ]
                }),
            "audit_trail_review": auditTrail.review.map { r in
                [
                    "through_seq": .int(r.throughSeq), "records": .int(Int64(r.records)), "by": .string(r.by),
                    "at": .string(r.at.description), "seq": .int(r.seq), "reason": .string(r.reason),
                    "signature": Self.signatureJSON(r.signature, at: r.at),
                    "records_added_since": .int(Int64(auditTrail.unreviewed)),
                ]
            } ?? .null,
            "on_hold": hold.map { h in
                [
                    "by": .string(h.by), "at": .string(h.at.description), "seq": .int(h.seq),
                    "reason": .string(h.reason),
                    "signature": Self.signatureJSON(h.signature, at: h.at),
                ]
            } ?? .null,
            "decision": decision.map { d in
                [
                    "decision": .string(d.kind.rawValue), "by": .string(d.by), "at": .string(d.at.description),
                    "seq": .int(d.seq),
                    "reason": .string(d.reason), "signature": Self.signatureJSON(d.signature, at: d.at),
                    "pending_tests": .array(d.pendingTests.map { .string($0) }),
                    "checklist": .array(
                        checklistAnswers.map {
                            ["item": .string($0.item), "question": .string($0.question), "answer": .bool($0.answer)]
                        }),
                ]
            } ?? .null,
            "comments": .array(comments.map(Self.eventJSON)),
            "oos_investigations": .array(
                oosInvestigations.map { i in
                    [
                        "result": .string(i.result), "attribute": .string(i.attribute),
                        "outcome": .string(i.outcome.rawValue),
                        "cause": Self.optional(i.cause), "reason": .string(i.reason), "by": .string(i.by),
                        "at": .string(i.at.description), "seq": .int(i.seq),
                        "signature": Self.signatureJSON(i.signature, at: i.at),
                    ]
                }),
            "full_review": fullReview.map(Self.eventJSON) ?? .null,
            "oos_supply": oosCase.map { c in
                [
                    "request_seq": .int(c.requestSeq), "physician": .string(c.physician),
                    "steps": .array(oosSteps.map(Self.eventJSON)),
                ]
            } ?? .null,
        ]
    }

    /// The complete human-readable copy (21 CFR 11.10(b)): every value of `json`, in words. A test walks
    /// the JSON and finds each of its values here, so the two cannot drift apart.
    public var text: String {
        let b = record.batch
        let s = { (t: String) in DisplayText.sanitize(t) }
        // Columns line up, but nothing is cut: a long value pushes the rest of its line to the right.
        let pad = { (t: String, n: Int) -> String in
            let clean = DisplayText.sanitize(t)
            return clean + String(repeating: " ", count: max(0, n - DisplayWidth.of(clean)))
        }
        func signature(_ sig: Signature?, at: Timestamp, indent: String) -> String {
            guard let sig else { return "" }
            return
                "\(indent)\(sig.manifestation(at: at))\n\(indent)  subject \(s(sig.subject)) · SHA-256 \(s(sig.subjectSHA256))\n"
        }
        func event(_ e: DeviationEvent, indent: String) -> String {
            "\(indent)\(s(e.kind)) by \(s(e.by)) at \(e.at) (seq \(e.seq))\(e.reason.isEmpty ? "" : " — \"\(s(e.reason))\"")\n"
                + signature(e.signature, at: e.at, indent: indent + "  ")
        }
        func section(_ title: String) -> String { "\n\(title)\n" }
        var out = "DISPOSITION RECORD  \(s(b.id))\n"
        out +=
            "product   \(s(product?.name ?? b.product)) (\(s(b.product)), specification \(s(product?.specVersion ?? "?")))\n"
        out += "site      \(s(site?.name ?? b.site)) (\(s(b.site)), \(s(site?.kind ?? "?")))\n"
        out += "status    \(status.label) (\(status.rawValue))\n"
        if let coi = b.coi { out += "CoI       \(s(coi))\(changed("coi") ? "  ◆ changed" : "")\n" }
        if let w = b.patientWeightKg {
            out += "weight    \(w.text) kg\(changed("patient_weight_kg") ? "  ◆ changed" : "")\n"
        }
        if let a = b.apheresisAt { out += "apheresis \(a)\(changed("apheresis_at") ? "  ◆ changed" : "")\n" }
        out += "made      \(b.manufactureStart) → \(b.manufactureEnd.map(\.description) ?? "in progress")"
        out += "\(changed("manufacture_start") || changed("manufacture_end") ? "  ◆ changed" : "")\n"
        out += "expiry    \(b.expiry)\(changed("expiry") ? "  ◆ changed" : "")\n"
        if let p = b.plannedInfusion { out += "infusion  \(p)\(changed("planned_infusion") ? "  ◆ changed" : "")\n" }
        out += "entered   seq \(record.firstSeq) at \(record.firstAt)\n"
        if let p = b.priorRelease {
            out +=
                "released before this journal: certified by \(s(p.certifiedBy)) at \(p.certifiedAt) (\(s(p.reference)))\n"
        }

        out += section("BATCH RECORD STEPS")
        if b.steps.isEmpty { out += "  none recorded\n" }
        for step in b.steps {
            out += "  \(s(step.id))  \(s(step.name))\n"
            out += "    performed by \(s(step.performedBy ?? "—")) at \(step.performedAt.map(\.description) ?? "—")"
            out +=
                step.requiresVerification
                ? "; verification required, verified by \(s(step.verifiedBy ?? "— (not verified)"))\n"
                : "; no verification required\(step.verifiedBy.map { ", verified by \(s($0))" } ?? "")\n"
            for entry in step.entries { out += "    \(pad(entry.field, 24)) \(s(entry.value ?? "— (empty)"))\n" }
        }
        out += section("PROCESS PARAMETERS")
        if b.readings.isEmpty { out += "  none recorded\n" }
        for r in b.readings { out += "  \(pad(r.parameter, 24)) \(pad("\(r.value.text) \(r.unit)", 16)) at \(r.at)\n" }

        out += section("RESULTS AGAINST LIMITS")
        for r in results {
            let value = r.result.map { "\($0.value) \($0.unit)" } ?? "pending"
            let verdict =
                r.meets.map { $0 ? "meets" : "OUT OF SPECIFICATION" }
                ?? (r.attribute.mayFollowRelease ? "pending (may follow release)" : "pending")
            let mark = r.result.map { changed($0) } ?? false ? "  ◆ changed" : ""
            out +=
                "  \(pad(r.attribute.name, 24)) \(pad(value, 22)) limit \(pad(r.attribute.limit.description, 16)) \(verdict)\(mark)\n"
            out +=
                "    attribute \(s(r.attribute.id)), unit \(s(r.attribute.unit))\(r.result.map { ", result \(s($0.id))" } ?? "")\n"
        }
        out += section("QC RESULTS AS RECORDED (with corrections)")
        if b.qc.isEmpty { out += "  none recorded\n" }
        for q in b.qc {
            out +=
                "  \(pad(q.id, 14)) \(pad(q.attribute, 22)) \(pad(q.status == "pending" ? "pending" : "\(q.value) \(q.unit)", 18))"
            out += " \(q.status) · tested \(q.testedAt)\(changed(q) ? "  ◆ corrected" : "")"
            out += "\(invalidated.contains(q.id) ? "  ⊘ invalidated (OOS laboratory investigation)" : "")\n"
            if q.status == "pending" && !q.value.isEmpty { out += "    value so far \(s(q.value)) \(s(q.unit))\n" }
            if q.status == "pending" { out += "    unit \(s(q.unit))\n" }
            for c in record.corrections(of: q) {
                out += "    ◆ \(s(record.fieldName(c, of: q))): \(s(c.old)) → \(s(c.new))"
                out += " (seq \(c.seq), \(c.at), \(s(c.actor))\(c.reason.map { ", reason: \"\(s($0))\"" } ?? ""))\n"
            }
        }
        out += section("CUSTODY CHAIN")
        if b.custody.isEmpty { out += "  none recorded\n" }
        for c in b.custody {
            out += "  \(pad(c.id, 10)) \(pad(c.event, 10)) \(c.at)  \(s(c.location)) · held by \(s(c.holder))"
            out += "\(c.temperatureC.map { " · \($0.text) °C" } ?? "")\(c.coi.map { " · CoI \(s($0))" } ?? "")\n"
        }
        out += section("ENVIRONMENTAL MONITORING")
        if b.environment.isEmpty { out += "  none recorded\n" }
        for e in b.environment {
            let level =
                e.cfu > e.actionLimit
                ? "ABOVE ACTION LIMIT" : e.cfu > e.alertLimit ? "above alert limit" : "within limits"
            out += "  \(pad(e.id, 10)) \(e.at) grade \(s(e.grade)) \(s(e.location)) · \(s(e.sample)) · \(e.cfu) CFU"
            out +=
                " (alert \(e.alertLimit), action \(e.actionLimit)) · \(e.openStep ? "open step" : "closed step") · \(level)\n"
        }
        out += section("LABELS")
        if b.labels.isEmpty { out += "  none recorded\n" }
        for l in b.labels { out += "  \(pad(l.item, 24)) CoI \(s(l.coi))\n" }
        out += section("DEVIATIONS REPORTED BY THE SITE")
        if b.deviations.isEmpty { out += "  none\n" }
        for d in b.deviations {
            out +=
                "  \(s(d.id)) \(d.severity.rawValue) · discovered \(d.discoveredAt) · reported \(d.reportedAt)\n    \(s(d.description))\n"
        }

        out += section("EXCEPTIONS (rule set \(s(record.review?.ruleSet ?? "—")))")
        if let seq = record.reviewSeq, let at = record.reviewedAt {
            out += "  reviewed by record seq \(seq) at \(at)\n"
        }
        if let reason = record.review?.quietReason { out += "  quiet-batch sample: \(s(reason))\n" }
        if let review = record.review, !review.exceptions.isEmpty {
            for e in review.exceptions {
                out +=
                    "  \(e.severity.rawValue.uppercased())  \(s(e.title))  [\(s(e.id))]\(e.blocking ? "  blocks release" : "")"
                out += "\(e.escalated ? "  ESCALATED" : "")\n"
                out +=
                    "    rule \(s(e.rule)) v\(e.ruleVersion) · severity \(e.severity.rawValue) · limit \(s(e.limit)) · observed \(s(e.observed))\n"
                out += "    source \(s(e.source))\n    \(s(e.why))\n"
            }
        } else {
            out += "  none\(record.review?.quietSample == true ? " (quiet-batch sample: full review)" : "")\n"
        }
        out += section("DISPOSITIONS")
        if dispositions.isEmpty { out += "  none\n" }
        let inForce = Dictionary(dispositions.map { ($0.exception, $0.seq) }) { a, b in max(a, b) }
        for d in dispositions {
            let superseded = inForce[d.exception] != d.seq ? "  (superseded)" : ""
            out +=
                "  \(s(d.exception)): \(d.kind.rawValue)\(d.deviation.map { " → \(s($0))" } ?? "") — reason: \"\(s(d.reason))\"\(superseded)\n"
            out += "    by \(s(d.by)) at \(d.at) (seq \(d.seq))"
            if let earlier = d.supersedes {
                out += "; supersedes seq \(earlier)\(d.supersededKind.map { " (\($0.rawValue))" } ?? "")"
            }
            out += "\n" + signature(d.signature, at: d.at, indent: "    ")
        }
        out += section("DEVIATIONS")
        if deviations.isEmpty { out += "  none\n" }
        for d in deviations {
            out += "  \(s(d.id)) \(d.classification.rawValue) · \(d.stage.rawValue) · due \(d.due) · \(s(d.title))\n"
            if let requested = d.requestedDue { out += "    extension requested to \(requested)\n" }
            out +=
                "    opened by \(s(d.openedBy)) at \(d.openedAt) for \(d.exceptions.map(s).joined(separator: ", "))\n"
            out += "    description         \(s(d.description))\n"
            out += "    root cause          \(s(d.rootCause ?? "— (no investigation yet)"))\n"
            out += "    impact              \(s(d.impact ?? "—"))\n"
            out += "    CAPA                \(d.capa.isEmpty ? "none" : d.capa.map(s).joined(separator: ", "))"
            out += "\(d.capaRationale.map { " — rationale: \(s($0))" } ?? "")\n"
            out += "    effectiveness check \(s(d.effectivenessCheck ?? "—"))\n"
            for e in d.history { out += event(e, indent: "    ") }
        }
        out += section("AUDIT TRAIL")
        out += "  \(s(auditTrail.summary))\n"
        if let r = auditTrail.review {
            out +=
                "    review of \(r.records) record(s) through seq \(r.throughSeq) by \(s(r.by)) at \(r.at) (seq \(r.seq))"
            out += " — \"\(s(r.reason))\"; \(auditTrail.unreviewed) record(s) added since\n"
            out += signature(r.signature, at: r.at, indent: "    ")
        }
        out += "  records of this batch (seq): \(record.recordSeqs.map(String.init).joined(separator: ", "))\n"
        if !oosInvestigations.isEmpty {
            out += section("OOS LABORATORY INVESTIGATIONS")
            for i in oosInvestigations {
                out += "  result \(s(i.result)) (\(s(i.attribute))): \(i.outcome.rawValue.uppercased())"
                out += "\(i.cause.map { " — assignable laboratory cause: \"\(s($0))\"" } ?? "")\n"
                out += "    by \(s(i.by)) at \(i.at) (seq \(i.seq)) — \"\(s(i.reason))\"\n"
                out += signature(i.signature, at: i.at, indent: "    ")
            }
        }
        if let fullReview {
            out += section("FULL QA REVIEW (quiet-batch sampling)")
            out += event(fullReview, indent: "  ")
        }
        if let hold {
            out += section("ON HOLD")
            out += "  since \(hold.at) by \(s(hold.by)) (seq \(hold.seq)) — \"\(s(hold.reason))\"\n"
            out += signature(hold.signature, at: hold.at, indent: "    ")
        }
        if let c = oosCase {
            out += section("OUT-OF-SPECIFICATION SUPPLY (physician's request)")
            out += "  case opened by request seq \(c.requestSeq); physician \(s(c.physician))\n"
            if let next = c.nextStep { out += "  next: \(next)\n" }
            for e in oosSteps { out += event(e, indent: "  ") }
        }
        if let decision {
            out += section("DECISION  \(decision.kind.rawValue.uppercased())")
            out +=
                "  \(decision.kind.rawValue) by \(s(decision.by)) at \(decision.at) (seq \(decision.seq)) — \"\(s(decision.reason))\"\n"
            out += signature(decision.signature, at: decision.at, indent: "  ")
            if !decision.pendingTests.isEmpty {
                out += "  pending at certification: \(decision.pendingTests.map(s).joined(separator: ", "))\n"
            }
            if !checklistAnswers.isEmpty { out += "  QP checklist:\n" }
            for a in checklistAnswers { out += "    [\(a.answer ? "yes" : "NO ")] \(s(a.question)) (\(s(a.item)))\n" }
        }
        out += section("COMMENTS")
        if comments.isEmpty { out += "  none\n" }
        for c in comments { out += event(c, indent: "  ") }
        out += section("CHANGED SINCE FIRST ENTRY")
        if record.changes.isEmpty { out += "  nothing\n" }
        for c in record.changes {
            out += "  ◆ \(s(c.field)): \(s(c.old)) → \(s(c.new))\n"
            out +=
                "      when \(c.at) (seq \(c.seq)) · by \(s(c.actor)) · why: \(c.reason.map { "\"\(s($0))\"" } ?? "— (no reason recorded)")\n"
        }
        return out
    }
}
