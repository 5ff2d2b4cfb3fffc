import CanonicalJSON

/// Something the rule engine found in a batch record that needs a person's judgement, explained.
public struct ReviewException: Sendable, Hashable {
    /// Stable id: the same rule on the same subject of the same batch always gets the same id.
    public var id: String
    /// The rule's id (`OOS`, `CPP`, `OOT`, `RECORD`, `COI`, `COC`, `EM`, `PENDING`, `EXPIRY`, `LATE-DEV`, `DOSE`).
    public var rule: String
    /// The rule's version.
    public var ruleVersion: Int
    public var severity: Severity
    /// One line: what is wrong (`OOS viability 76.5 % < 80 %`).
    public var title: String
    /// The limit that applies, with unit.
    public var limit: String
    /// What was observed, with unit.
    public var observed: String
    /// Where the observation comes from (record, result id, method, time).
    public var source: String
    /// One sentence of why this matters.
    public var why: String
    /// Whether release is impossible until it is resolved (not only dispositioned).
    public var blocking: Bool
    /// A result that was still pending when the batch was certified (staged certification) failed afterwards:
    /// raised as critical and escalated (EU GMP Part IV).
    public var escalated: Bool = false

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "rule": .string(rule), "rule_version": .int(Int64(ruleVersion)),
            "severity": .string(severity.rawValue), "title": .string(title), "limit": .string(limit),
            "observed": .string(observed), "source": .string(source), "why": .string(why), "blocking": .bool(blocking),
        ]
        if escalated { o["escalated"] = .bool(true) }
        return .object(o)
    }

    public static func decode(_ value: JSONValue) -> ReviewException? {
        guard let id = value["id"]?.stringValue, let rule = value["rule"]?.stringValue,
            let severity = value["severity"]?.stringValue.flatMap(Severity.init(rawValue:))
        else { return nil }
        return ReviewException(
            id: id, rule: rule, ruleVersion: Int(value["rule_version"]?.intValue ?? 1), severity: severity,
            title: value["title"]?.stringValue ?? "", limit: value["limit"]?.stringValue ?? "",
            observed: value["observed"]?.stringValue ?? "", source: value["source"]?.stringValue ?? "",
            why: value["why"]?.stringValue ?? "", blocking: value["blocking"]?.boolValue ?? false,
            escalated: value["escalated"]?.boolValue ?? false)
    }
}

/// The outcome of one review of a batch.
public struct Review: Sendable, Hashable {
    /// The rule set that reviewed.
    public var ruleSet: String
    public var exceptions: [ReviewException]
    /// Whether this exception-free batch was picked for full review anyway.
    public var quietSample: Bool
    /// Why, when it was.
    public var quietReason: String?

    public var json: [String: JSONValue] {
        var o: [String: JSONValue] = [
            "rule_set": .string(ruleSet), "exceptions": .array(exceptions.map(\.json)),
            "quiet_sample": .bool(quietSample),
        ]
        if let quietReason { o["quiet_reason"] = .string(quietReason) }
        return o
    }

    public static func decode(_ body: [String: JSONValue]) -> Review {
        Review(
            ruleSet: body["rule_set"]?.stringValue ?? "?",
            exceptions: (body["exceptions"]?.arrayValue ?? []).compactMap(ReviewException.decode),
            quietSample: body["quiet_sample"]?.boolValue ?? false, quietReason: body["quiet_reason"]?.stringValue)
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension ReviewException: Codable {}
extension Review: Codable {}
