import CanonicalJSON

/// Checks parsed import files against the journal's state (references, duplicates, units, physical ranges)
/// and turns them into the records of one atomic import, followed by the reviews of the batches it touched.
public enum ImportPlanner {
    /// The records to append for `files`, or every problem found. Nothing is partial: one problem refuses
    /// the whole import.
    public static func plan(
        _ files: [ParsedImport], importID: String, actor: String, reason: String?, now: Timestamp, state: DeskState,
        quietPerMille: Int = 100
    ) -> Result<[RecordDraft], ImportProblems> {
        var problems: [ImportProblem] = []
        let byName = Dictionary(files.map { ($0.file, $0) }) { first, _ in first }
        func problem(_ item: LocatedItem, _ field: String, _ message: String) {
            let line = byName[item.file]?.line(of: field, fallback: item.line) ?? item.line
            problems.append(ImportProblem(file: item.file, line: line, field: field, message: message))
        }
        let items = files.flatMap(\.items)
        var products = state.products
        var sites = state.sites
        var newBatches: [String: Batch] = [:]
        var drafts: [RecordDraft] = []
        let tag: [String: JSONValue] = ["import_id": .string(importID)]
        func body(_ extra: [String: JSONValue]) -> [String: JSONValue] {
            var b = tag.merging(extra) { $1 }
            if let reason { b["reason"] = .string(reason) }
            return b
        }

        // Master data first, so batches of the same import may refer to it.
        var seenProducts: Set<String> = []
        var seenSites: Set<String> = []
        for located in items {
            switch located.item {
            case .product(let p):
                guard seenProducts.insert(p.id).inserted else {
                    problem(located, located.path + ".id", "product \(p.id) appears twice in this import")
                    continue
                }
                if let current = state.products[p.id], current.specVersion == p.specVersion {
                    problem(
                        located, located.path + ".spec_version",
                        "product \(p.id) already has specification \(p.specVersion); a change needs a new spec_version")
                    continue
                }
                products[p.id] = p
                drafts.append(
                    RecordDraft(kind: RecordKind.productSpecified, actor: actor, body: body(["product": p.json])))
            case .site(let s):
                guard seenSites.insert(s.id).inserted else {
                    problem(located, located.path + ".id", "site \(s.id) appears twice in this import")
                    continue
                }
                if let current = state.sites[s.id], current == s {
                    problem(located, located.path + ".id", "site \(s.id) is already registered with these terms")
                    continue
                }
                sites[s.id] = s
                drafts.append(RecordDraft(kind: RecordKind.siteRegistered, actor: actor, body: body(["site": s.json])))
            default:
                break
            }
        }

        for located in items {
            guard case .batch(let batch) = located.item else { continue }
            if state.batches[batch.id] != nil {
                problem(
                    located, located.path + ".id",
                    "batch \(batch.id) is already imported; send corrections as QC results")
                continue
            }
            if newBatches[batch.id] != nil {
                problem(located, located.path + ".id", "batch \(batch.id) appears twice in this import")
                continue
            }
            guard let product = products[batch.product] else {
                problem(located, located.path + ".product", "no product \(batch.product) is specified")
                continue
            }
            guard sites[batch.site] != nil else {
                problem(located, located.path + ".site", "no site \(batch.site) is registered")
                continue
            }
            if product.modality == "autologous" && batch.coi == nil {
                problem(
                    located, located.path + ".coi", "an autologous batch needs its patient's chain-of-identity code")
            }
            let apheresis = EventTimes.apheresis(of: batch, product: product)
            for event in EventTimes.events(of: batch, path: located.path) {
                if let message = EventTimes.problem(event, now: now, apheresis: apheresis) {
                    problem(located, event.field, message)
                }
            }
            for (index, result) in batch.qc.enumerated() {
                if let message = check(result, against: product) {
                    problem(located, "\(located.path).qc[\(index)]", message)
                }
            }
            for (index, reading) in batch.readings.enumerated() {
                guard let parameter = product.parameters.first(where: { $0.id == reading.parameter }) else {
                    problem(
                        located, "\(located.path).process_parameters[\(index)].parameter",
                        "\(product.id) has no parameter \(reading.parameter)")
                    continue
                }
                if reading.unit != parameter.unit {
                    problem(
                        located, "\(located.path).process_parameters[\(index)].unit",
                        "unit \(reading.unit) where the product specifies \(parameter.unit)")
                }
            }
            newBatches[batch.id] = batch
            drafts.append(
                RecordDraft(
                    kind: RecordKind.batchImported, actor: actor,
                    body: body(["batch": batch.json, "batch_id": .string(batch.id), "source": .string(located.file)])))
        }

        var qcByBatch: [String: [JSONValue]] = [:]
        var custodyByBatch: [String: [JSONValue]] = [:]
        var seenResults: Set<String> = []
        var seenEvents: Set<String> = []
        var order: [String] = []
        for located in items {
            switch located.item {
            case .qcResult(let batchID, let result, let correction):
                guard let batch = newBatches[batchID] ?? state.batches[batchID]?.batch else {
                    problem(located, "batch", "no batch \(batchID) is known")
                    continue
                }
                guard let product = products[batch.product] else { continue }
                if let message = check(result, against: product) {
                    problem(located, "value", message)
                    continue
                }
                let tested = EventTimes.Event(field: "tested_at", at: result.testedAt, followsApheresis: true)
                if let message = EventTimes.problem(
                    tested, now: now, apheresis: EventTimes.apheresis(of: batch, product: product))
                {
                    problem(located, "tested_at", message)
                    continue
                }
                guard seenResults.insert(result.id).inserted else {
                    problem(located, "result_id", "result \(result.id) appears twice in this import")
                    continue
                }
                if let existing = batch.qc.first(where: { $0.id == result.id }) {
                    guard let correction, DisplayText.hasVisibleText(correction) else {
                        problem(
                            located, "result_id",
                            "result \(result.id) is already recorded; a changed value needs a correction_reason")
                        continue
                    }
                    if existing == result {
                        problem(located, "value", "result \(result.id) is already recorded with this value")
                        continue
                    }
                } else if correction != nil {
                    problem(located, "correction_reason", "result \(result.id) is new: there is nothing to correct")
                    continue
                }
                var json = result.json.objectValue!
                if let correction { json["correction_reason"] = .string(correction) }
                if let existing = batch.qc.first(where: { $0.id == result.id }) {
                    json["previous"] = existing.previousJSON
                }
                if qcByBatch[batchID] == nil && custodyByBatch[batchID] == nil { order.append(batchID) }
                qcByBatch[batchID, default: []].append(.object(json))
            case .custodyEvent(let batchID, let event):
                guard let batch = newBatches[batchID] ?? state.batches[batchID]?.batch else {
                    problem(located, "batch", "no batch \(batchID) is known")
                    continue
                }
                guard seenEvents.insert(batchID + "/" + event.id).inserted,
                    !batch.custody.contains(where: { $0.id == event.id })
                else {
                    problem(located, "event_id", "custody event \(event.id) of \(batchID) is already recorded")
                    continue
                }
                let at = EventTimes.Event(
                    field: located.path.hasPrefix("custody[") ? located.path + ".at" : "at", at: event.at,
                    followsApheresis: true)
                if let message = EventTimes.problem(
                    at, now: now, apheresis: EventTimes.apheresis(of: batch, product: products[batch.product]))
                {
                    problem(located, at.field, message)
                    continue
                }
                if qcByBatch[batchID] == nil && custodyByBatch[batchID] == nil { order.append(batchID) }
                custodyByBatch[batchID, default: []].append(event.json)
            default:
                break
            }
        }
        guard problems.isEmpty else { return .failure(ImportProblems(problems)) }
        for batchID in order {
            if let results = qcByBatch[batchID] {
                drafts.append(
                    RecordDraft(
                        kind: RecordKind.qcResultsRecorded, actor: actor,
                        body: body(["batch": .string(batchID), "results": .array(results)])))
            }
            if let events = custodyByBatch[batchID] {
                drafts.append(
                    RecordDraft(
                        kind: RecordKind.custodyEventsRecorded, actor: actor,
                        body: body(["batch": .string(batchID), "events": .array(events)])))
            }
        }
        guard !drafts.isEmpty else {
            return .failure(
                ImportProblems([
                    ImportProblem(file: files.first?.file ?? "-", line: 1, field: "", message: "nothing to import")
                ]))
        }
        let partCount = drafts.count
        drafts.append(
            RecordDraft(
                kind: RecordKind.importCommitted, actor: actor,
                body: body([
                    "records": .int(Int64(partCount)),
                    "files": .array(
                        files.map {
                            var entry: [String: JSONValue] = [
                                "name": .string($0.file), "sha256": .string($0.sha256), "format": .string($0.format),
                                "items": .int(Int64($0.items.count)),
                            ]
                            if let derivation = $0.derivation {
                                entry["derived_from"] = .string(derivation.from)
                                entry["derived_sha256"] = .string(derivation.sha256)
                                entry["transformation"] = .string(derivation.transformation)
                            }
                            return .object(entry)
                        }),
                ])))
        drafts += reviews(after: drafts, state: state, now: now, quietPerMille: quietPerMille)
        return .success(drafts)
    }

    /// Refuses an import reason without visible text (gate `reason`, as every reason).
    public static func requireReason(_ reason: String?) throws(ActionRefusal) {
        if let reason { _ = try UserAdministration.requireReason(reason) }
    }

    /// Whether `result` fits its product: known attribute, the specified unit, a number where the limit is
    /// numeric, and a physically possible value.
    static func check(_ result: QCResult, against product: Product) -> String? {
        guard let attribute = product.attribute(result.attribute) else {
            return "\(product.id) \(product.specVersion) has no attribute \(result.attribute)"
        }
        guard result.status == "final" else { return nil }
        if attribute.limit.isNumeric {
            guard let q = result.quantity else {
                return "\(attribute.name) needs a number, got \"\(DisplayText.sanitize(result.value))\""
            }
            guard result.unit == attribute.unit else {
                return
                    "unit \"\(DisplayText.sanitize(result.unit))\" where \(product.id) specifies \(attribute.unit) for \(attribute.name)"
            }
            if attribute.unit == "%" && (q.value < 0 || q.value > 100) {
                return "\(q.text) % is not a possible percentage"
            }
            if q.value < 0 && attribute.unit != "°C" { return "\(q.text) \(attribute.unit) cannot be negative" }
        }
        return nil
    }

    /// `batch.reviewed` records for every batch the drafts bring data for, reviewed on the state they lead to.
    public static func reviews(after drafts: [RecordDraft], state: DeskState, now: Timestamp, quietPerMille: Int)
        -> [RecordDraft]
    {
        var scratch = state
        var seq = state.lastSeq
        var touched: [String] = []
        var seen: Set<String> = []
        for draft in drafts {
            seq += 1
            scratch.apply(
                Record(
                    seq: seq, at: now, actor: draft.actor, host: "-", kind: draft.kind, body: draft.body,
                    prev: Record.zeroHash))
            let id = draft.body["batch_id"]?.stringValue ?? draft.body["batch"]?.stringValue
            if let id, seen.insert(id).inserted { touched.append(id) }
        }
        let index = TrendIndex(state: scratch)
        let reviews = scratch.reviews(of: touched, now: now, quietPerMille: quietPerMille, index: index)
        return zip(touched, reviews).compactMap { id, review in
            guard let review else { return nil }
            var body = review.json
            body["batch"] = .string(id)
            return RecordDraft(kind: RecordKind.batchReviewed, actor: UserIdentity.systemActor, body: body)
        }
    }
}
