import CanonicalJSON

extension RecordKind {
    /// QA signs the outcome of the laboratory investigation of one out-of-specification result.
    public static let oosInvestigated = "qc.oos_investigated"
}

/// What the laboratory investigation of an OOS result concluded (FDA guidance on OOS results, 2006; EU GMP
/// Chapter 6).
public enum OOSOutcome: String, Sendable, Hashable, CaseIterable {
    /// An assignable laboratory cause was found: the result is invalid, and a re-test result may take its place.
    case invalidated
    /// No assignable laboratory cause: the result stands. The batch is rejected or supplied through the OOS
    /// supply path; it is never certified by the ordinary route.
    case confirmed
}

/// One signed laboratory investigation of one OOS result.
public struct OOSInvestigation: Sendable, Hashable {
    public var batch: String
    /// The QC result investigated.
    public var result: String
    public var attribute: String
    public var outcome: OOSOutcome
    /// The assignable laboratory cause (sample handling, instrument, calculation …), when invalidated.
    public var cause: String?
    public var reason: String
    public var by: String
    public var at: Timestamp
    public var seq: Int64
    public var signature: Signature?
}

/// Where the out-of-specification results of one attribute of a batch stand.
public struct OOSStanding: Sendable, Hashable {
    public var attribute: String
    /// Every final result of the attribute that is outside its limit, in test order: an earlier one is never
    /// outweighed by a later passing result.
    public var results: [QCResult]
    /// The investigation of each of those results, by result id.
    public var investigations: [String: OOSInvestigation]

    /// Results nobody has investigated yet.
    public var uninvestigated: [QCResult] { results.filter { investigations[$0.id] == nil } }
    /// Results whose OOS was confirmed.
    public var confirmed: [QCResult] { results.filter { investigations[$0.id]?.outcome == .confirmed } }
    /// Whether every OOS result of the attribute was invalidated by an investigation.
    public var allInvalidated: Bool { results.allSatisfy { investigations[$0.id]?.outcome == .invalidated } }
}

extension ReleaseLedger {
    mutating func applyOOSInvestigation(_ record: Record, signature: Signature?) {
        let b = record.body
        guard let batch = b["batch"]?.stringValue, let result = b["result"]?.stringValue,
            let outcome = b["outcome"]?.stringValue.flatMap(OOSOutcome.init(rawValue:))
        else { return }
        // A result is investigated once; a later record for the same result cannot overturn the first.
        if oosInvestigations[batch]?.contains(where: { $0.result == result }) == true { return }
        oosInvestigations[batch, default: []].append(
            OOSInvestigation(
                batch: batch, result: result, attribute: b["attribute"]?.stringValue ?? "", outcome: outcome,
                cause: b["cause"]?.stringValue, reason: b["reason"]?.stringValue ?? "", by: record.actor, at: record.at,
                seq: record.seq, signature: signature))
        qaReviewers[batch, default: []].insert(record.actor)
    }

    /// The investigation of one result of a batch, if any.
    public func oosInvestigation(batch: String, result: String) -> OOSInvestigation? {
        oosInvestigations[batch]?.first { $0.result == result }
    }

    /// Ids of the results of a batch invalidated by an investigation.
    public func invalidatedResults(of batch: String) -> Set<String> {
        Set((oosInvestigations[batch] ?? []).filter { $0.outcome == .invalidated }.map(\.result))
    }
}

extension DeskState {
    /// The OOS standing behind `exception` of batch `batchID`, when it is that batch's OOS exception of an
    /// attribute that has out-of-specification results.
    public func oosStanding(of exception: ReviewException, in batchID: String) -> OOSStanding? {
        let prefix = ReviewEngine.exceptionID(batchID, "OOS", "")
        guard exception.rule == "OOS", exception.id.hasPrefix(prefix) else { return nil }
        let attribute = String(exception.id.dropFirst(prefix.count))
        return oosStandings(batchID).first { $0.attribute == attribute }
    }

    /// The OOS standing of every attribute of `batchID` that has at least one final result outside its limit,
    /// computed from the batch data and the product's specification (never from a stored review, so an old
    /// review cannot hide a result).
    public func oosStandings(_ batchID: String) -> [OOSStanding] {
        guard let record = batches[batchID], let product = products[record.batch.product] else { return [] }
        var failing: [String: [QCResult]] = [:]
        for result in record.batch.qc where result.status == "final" {
            guard let attribute = product.attribute(result.attribute) else { continue }
            if !attribute.limit.isMet(by: result) {
                failing[result.attribute, default: []].append(result)
                continue
            }
            // A result corrected into specification after it was recorded out of it still needs its
            // investigation: a correction is not a way around the OOS procedure. It is listed with the value
            // that was out of specification.
            for change in record.corrections(of: result) where record.fieldName(change, of: result) == "value" {
                var earlier = result
                earlier.value = change.old
                guard change.old != "pending", !change.old.isEmpty, !attribute.limit.isMet(by: earlier) else {
                    continue
                }
                failing[result.attribute, default: []].append(earlier)
                break
            }
        }
        let investigations = release.oosInvestigations[batchID] ?? []
        return failing.keys.sorted().map { attribute in
            let results = failing[attribute]!.sorted {
                $0.testedAt != $1.testedAt ? $0.testedAt < $1.testedAt : $0.id < $1.id
            }
            var byResult: [String: OOSInvestigation] = [:]
            for investigation in investigations where results.contains(where: { $0.id == investigation.result }) {
                byResult[investigation.result] = investigation
            }
            return OOSStanding(attribute: attribute, results: results, investigations: byResult)
        }
    }

    /// The certification gate of out-of-specification results: every OOS result must have been invalidated by a
    /// laboratory investigation. A confirmed OOS stops the ordinary route for good.
    public func oosGate(_ batchID: String) -> ActionRefusal? {
        let standing = oosStandings(batchID)
        let confirmed = standing.flatMap(\.confirmed)
        if !confirmed.isEmpty {
            return ActionRefusal(
                .rule, gate: "oos",
                "OOS confirmed for \(confirmed.map { "\($0.attribute) (result \($0.id))" }.joined(separator: ", ")): "
                    + "\(batchID) cannot be certified; reject it, or supply it through the OOS supply path")
        }
        let open = standing.flatMap(\.uninvestigated)
        if !open.isEmpty {
            return ActionRefusal(
                .rule, gate: "oos",
                "OOS result(s) \(open.map { "\($0.id) (\($0.attribute) \($0.value))" }.joined(separator: ", ")) of \(batchID) "
                    + "are not invalidated by a laboratory investigation; a later passing result does not replace them")
        }
        return nil
    }
}

extension ReleaseRules {
    /// What the investigation of an OOS result signs: the result as recorded, its limit, the outcome and cause.
    public static func oosInvestigationRequest(
        batch batchID: String, result resultID: String, outcome: OOSOutcome, cause: String?, in state: DeskState
    ) throws(ActionRefusal) -> SigningRequest {
        let record = try findBatch(batchID, in: state)
        guard let result = record.batch.qc.first(where: { $0.id == resultID }) else {
            throw ActionRefusal(.rule, gate: "unknown-result", "\(batchID) has no QC result \(resultID)")
        }
        guard let standing = state.oosStandings(batchID).first(where: { $0.results.contains { $0.id == resultID } })
        else {
            throw ActionRefusal(
                .rule, gate: "not-oos",
                "QC result \(resultID) of \(batchID) is not an out-of-specification final result")
        }
        let limit = state.products[record.batch.product]?.attribute(standing.attribute)?.limit.description ?? ""
        var content: [String: JSONValue] = [
            "batch": .string(batchID), "result": result.json, "limit": .string(limit),
            "outcome": .string(outcome.rawValue),
        ]
        if let cause { content["cause"] = .string(cause) }
        let decision =
            outcome == .invalidated
            ? "invalidate OOS result \(resultID) (\(result.attribute) \(result.value)) of \(batchID): laboratory cause"
            : "confirm OOS result \(resultID) (\(result.attribute) \(result.value)) of \(batchID): no laboratory cause"
        return SigningRequest(
            subject: "qc-result:\(batchID)/\(resultID)", decision: decision, meaning: .reviewed,
            content: .object(content))
    }

    /// QA signs the outcome of the laboratory investigation of an OOS result: *invalidated* names the assignable
    /// laboratory cause (then a re-test result counts, and the invalidated result stays in the record, marked);
    /// *confirmed* means the result stands.
    public static func investigateOOS(
        batch batchID: String, result resultID: String, outcome: OOSOutcome, cause rawCause: String?,
        reason rawReason: String,
        by actor: String, expecting expected: String?, digest: Digest, in state: DeskState
    ) throws(ActionRefusal) -> [RecordDraft] {
        let user = try state.requireUser(actor, for: .investigateOOS)
        _ = try findBatch(batchID, in: state)
        try undecided(batchID, in: state)
        try independence(batchID, actor: actor, doing: .qaReview, in: state)
        if let done = state.release.oosInvestigation(batch: batchID, result: resultID) {
            throw ActionRefusal(
                .rule, gate: "investigated-already",
                "OOS result \(resultID) of \(batchID) was \(done.outcome.rawValue) by \(done.by) at \(done.at)")
        }
        var cause: String? = nil
        if outcome == .invalidated {
            guard let rawCause, DisplayText.hasVisibleText(rawCause) else {
                throw ActionRefusal(
                    .rule, gate: "cause",
                    "an OOS result is invalidated only with an assignable laboratory cause (sample handling, instrument, calculation …)"
                )
            }
            cause = rawCause
        }
        let reason = try requireReason(rawReason)
        let request = try oosInvestigationRequest(
            batch: batchID, result: resultID, outcome: outcome, cause: cause, in: state)
        let signature = try signed(request, by: user, expecting: expected, digest: digest)
        let attribute = state.batches[batchID]!.batch.qc.first { $0.id == resultID }!.attribute
        var body: [String: JSONValue] = [
            "batch": .string(batchID), "result": .string(resultID), "attribute": .string(attribute),
            "exception": .string(ReviewEngine.exceptionID(batchID, "OOS", attribute)),
            "outcome": .string(outcome.rawValue),
            "reason": .string(reason), "signature": signature.json,
        ]
        if let cause { body["cause"] = .string(cause) }
        return [RecordDraft(kind: RecordKind.oosInvestigated, actor: actor, body: body)]
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension OOSOutcome: Codable {}
extension OOSInvestigation: Codable {}
