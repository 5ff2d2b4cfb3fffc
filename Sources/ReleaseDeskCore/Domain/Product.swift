import CanonicalJSON

/// What a specification requires of one attribute.
public enum Limit: Sendable, Hashable, CustomStringConvertible {
    case minimum(Quantity)
    case maximum(Quantity)
    case range(Quantity, Quantity)
    /// The result text must equal this (case-insensitive), e.g. "positive".
    case equals(String)
    case detected
    case notDetected
    case conforms

    /// Whether `result` meets the limit. Numeric limits need a number; the others compare the text.
    public func isMet(by result: QCResult) -> Bool {
        switch self {
        case .minimum(let low): return result.quantity.map { $0 >= low } ?? false
        case .maximum(let high): return result.quantity.map { $0 <= high } ?? false
        case .range(let low, let high): return result.quantity.map { $0 >= low && $0 <= high } ?? false
        case .equals(let text): return result.value.lowercased() == text.lowercased()
        case .detected: return Self.word(result.value) == "detected"
        case .notDetected: return Self.word(result.value) == "not detected" || Self.word(result.value) == "no growth"
        case .conforms: return Self.word(result.value) == "conforms"
        }
    }

    static func word(_ text: String) -> String { text.lowercased().trimmingSpaces }

    /// Whether the limit is numeric.
    public var isNumeric: Bool {
        switch self {
        case .minimum, .maximum, .range: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .minimum(let q): return "≥ \(q)"
        case .maximum(let q): return "≤ \(q)"
        case .range(let a, let b): return "\(a)–\(b)"
        case .equals(let t): return "= \(t)"
        case .detected: return "detected"
        case .notDetected: return "not detected"
        case .conforms: return "conforms"
        }
    }

    var json: JSONValue {
        switch self {
        case .minimum(let q): return ["kind": "minimum", "value": .string(q.text)]
        case .maximum(let q): return ["kind": "maximum", "value": .string(q.text)]
        case .range(let a, let b): return ["kind": "range", "low": .string(a.text), "high": .string(b.text)]
        case .equals(let t): return ["kind": "equals", "value": .string(t)]
        case .detected: return ["kind": "detected"]
        case .notDetected: return ["kind": "not_detected"]
        case .conforms: return ["kind": "conforms"]
        }
    }

    static func decode(_ f: inout Fields) throws(FieldError) -> Limit {
        let kind = try f.choice(
            "kind", ["minimum", "maximum", "range", "equals", "detected", "not_detected", "conforms"])
        let limit: Limit
        switch kind {
        case "minimum": limit = .minimum(try f.quantity("value"))
        case "maximum": limit = .maximum(try f.quantity("value"))
        case "range":
            let low = try f.quantity("low")
            let high = try f.quantity("high")
            guard low <= high else { throw FieldError(f.path + ".low", "is above high") }
            limit = .range(low, high)
        case "equals": limit = .equals(try f.string("value"))
        case "detected": limit = .detected
        case "not_detected": limit = .notDetected
        default: limit = .conforms
        }
        try f.finish()
        return limit
    }
}

/// How bad an exception or a deviation is.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
    case minor, major, critical

    public static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One release attribute of a specification.
public struct SpecAttribute: Sendable, Hashable {
    public var id: String
    public var name: String
    public var unit: String
    public var method: String
    public var limit: Limit
    /// Whether release needs this result.
    public var releaseCritical: Bool
    /// Whether the result may follow release (staged release under EU GMP Part IV).
    public var mayFollowRelease: Bool
    /// How serious a result outside the limit is.
    public var oosSeverity: Severity
    /// Whether results are checked for trend against earlier batches.
    public var trended: Bool
    /// Hours from a test's registration to its result (`turnaround_hours`, the method's turnaround); nil when
    /// the master data does not say, and then the release forecast calls the result's time unknown.
    public var turnaroundHours: Int64? = nil
}

extension SpecAttribute {
    /// The longest turnaround the master data may give: 90 days (a 28-day culture with room to spare).
    public static let longestTurnaroundHours: Int64 = 24 * 90
}

/// A critical process parameter and its range.
public struct ProcessParameter: Sendable, Hashable {
    public var id: String
    public var name: String
    public var unit: String
    public var low: Quantity
    public var high: Quantity
}

/// A dose that depends on patient weight: per kg up to a weight, flat above it.
public struct DoseRule: Sendable, Hashable {
    /// The attribute whose result is the total dose (cells).
    public var attribute: String
    public var perKgMin: Quantity
    public var perKgMax: Quantity
    public var weightThresholdKg: Quantity
    public var flatMin: Quantity
    public var flatMax: Quantity
}

/// A product and its specification version.
public struct Product: Sendable, Hashable {
    public var id: String
    public var name: String
    /// `autologous` (one patient per batch) or `allogeneic-lot` (many patients, e.g. AAV).
    public var modality: String
    public var specVersion: String
    public var attributes: [SpecAttribute]
    public var parameters: [ProcessParameter]
    public var dose: DoseRule?
    /// Storage temperature limits for the final product in custody, °C.
    public var storageMaxC: Quantity?
    public var storageMinC: Quantity?
    /// The Nelson rules (1–8) its trend charts use (`trend_rules`); nil for the default
    /// (`TrendRuleSet.defaultRules`), empty for none.
    public var trendRules: [Int]? = nil

    /// The attribute with `id`.
    public func attribute(_ id: String) -> SpecAttribute? { attributes.first { $0.id == id } }

    /// Decodes a product from a record body or an import file.
    public static func decode(_ value: JSONValue, path: String) throws(FieldError) -> Product {
        var f = try Fields(value, path: path)
        let id = try f.identifier("id")
        let name = try f.string("name")
        let modality = try f.choice("modality", ["autologous", "allogeneic-lot"])
        let specVersion = try f.string("spec_version")
        var attributes: [SpecAttribute] = []
        for var a in try f.objects("attributes", required: true) {
            let attributeID = try a.identifier("id")
            guard !attributes.contains(where: { $0.id == attributeID }) else {
                throw FieldError(a.path + ".id", "attribute \(attributeID) appears twice")
            }
            let aname = try a.string("name")
            let unit = try a.text("unit")
            let method = try a.string("method")
            guard var limitFields = try a.object("limit") else { throw FieldError(a.path + ".limit", "is required") }
            let limit = try Limit.decode(&limitFields)
            let critical = try a.bool("release_critical")
            let follow = try a.bool("may_follow_release")
            let severity = Severity(
                rawValue: try a.choice("oos_severity", ["minor", "major", "critical"], default: "major"))!
            let trended = try a.bool("trended")
            let turnaround = try a.optionalInteger("turnaround_hours")
            if let turnaround, turnaround < 1 || turnaround > SpecAttribute.longestTurnaroundHours {
                throw FieldError(
                    a.path + ".turnaround_hours", "must be 1 to \(SpecAttribute.longestTurnaroundHours) hours")
            }
            try a.finish()
            attributes.append(
                SpecAttribute(
                    id: attributeID, name: aname, unit: unit, method: method, limit: limit, releaseCritical: critical,
                    mayFollowRelease: follow, oosSeverity: severity, trended: trended, turnaroundHours: turnaround))
        }
        var parameters: [ProcessParameter] = []
        for var p in try f.objects("process_parameters") {
            let pid = try p.identifier("id")
            let pname = try p.string("name")
            let unit = try p.string("unit")
            let low = try p.quantity("low")
            let high = try p.quantity("high")
            guard low <= high else { throw FieldError(p.path + ".low", "is above high") }
            try p.finish()
            parameters.append(ProcessParameter(id: pid, name: pname, unit: unit, low: low, high: high))
        }
        var dose: DoseRule? = nil
        if var d = try f.object("dose") {
            let attribute = try d.identifier("attribute")
            guard attributes.contains(where: { $0.id == attribute }) else {
                throw FieldError(d.path + ".attribute", "names no attribute of this product")
            }
            dose = DoseRule(
                attribute: attribute, perKgMin: try d.quantity("per_kg_min"), perKgMax: try d.quantity("per_kg_max"),
                weightThresholdKg: try d.quantity("weight_threshold_kg"), flatMin: try d.quantity("flat_min"),
                flatMax: try d.quantity("flat_max"))
            try d.finish()
        }
        let storageMax = try f.optionalQuantity("storage_max_c")
        let storageMin = try f.optionalQuantity("storage_min_c")
        for (key, t) in [("storage_max_c", storageMax), ("storage_min_c", storageMin)] {
            if let t, t.value < -273.15 || t.value > 100 {
                throw FieldError(
                    path + "." + key, "\(t.text) °C is not a physical storage temperature (−273.15 to 100)")
            }
        }
        if let storageMin, let storageMax, storageMin.value > storageMax.value {
            throw FieldError(path + ".storage_min_c", "is above storage_max_c")
        }
        let trendRules = try Self.decodeTrendRules(&f)
        try f.finish()
        return Product(
            id: id, name: name, modality: modality, specVersion: specVersion, attributes: attributes,
            parameters: parameters,
            dose: dose, storageMaxC: storageMax, storageMinC: storageMin, trendRules: trendRules)
    }

    /// `trend_rules`: Nelson rule numbers 1 to 8, each at most once (an empty list turns signals off).
    static func decodeTrendRules(_ f: inout Fields) throws(FieldError) -> [Int]? {
        guard let value = f.take("trend_rules") else { return nil }
        guard case .array(let items) = value else {
            throw FieldError(f.at("trend_rules"), "must be an array of rule numbers 1 to 8")
        }
        var rules: [Int] = []
        for (index, item) in items.enumerated() {
            guard case .int(let n) = item, n >= 1, n <= 8 else {
                throw FieldError("\(f.at("trend_rules"))[\(index)]", "must be a Nelson rule number, 1 to 8")
            }
            guard !rules.contains(Int(n)) else {
                throw FieldError("\(f.at("trend_rules"))[\(index)]", "rule \(n) appears twice")
            }
            rules.append(Int(n))
        }
        return rules
    }

    /// The product as a record body member.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "name": .string(name), "modality": .string(modality),
            "spec_version": .string(specVersion),
            "attributes": .array(
                attributes.map { a in
                    var o: [String: JSONValue] = [
                        "id": .string(a.id), "name": .string(a.name), "unit": .string(a.unit),
                        "method": .string(a.method),
                        "limit": a.limit.json, "release_critical": .bool(a.releaseCritical),
                        "may_follow_release": .bool(a.mayFollowRelease),
                        "oos_severity": .string(a.oosSeverity.rawValue),
                        "trended": .bool(a.trended),
                    ]
                    // Written only when set, so products registered before it keep their bytes.
                    if let hours = a.turnaroundHours { o["turnaround_hours"] = .int(hours) }
                    return .object(o)
                }),
            "process_parameters": .array(
                parameters.map { p in
                    [
                        "id": .string(p.id), "name": .string(p.name), "unit": .string(p.unit),
                        "low": .string(p.low.text),
                        "high": .string(p.high.text),
                    ]
                }),
        ]
        if let dose {
            object["dose"] = [
                "attribute": .string(dose.attribute), "per_kg_min": .string(dose.perKgMin.text),
                "per_kg_max": .string(dose.perKgMax.text), "weight_threshold_kg": .string(dose.weightThresholdKg.text),
                "flat_min": .string(dose.flatMin.text), "flat_max": .string(dose.flatMax.text),
            ]
        }
        if let storageMaxC { object["storage_max_c"] = .string(storageMaxC.text) }
        if let storageMinC { object["storage_min_c"] = .string(storageMinC.text) }
        if let trendRules { object["trend_rules"] = .array(trendRules.map { .int(Int64($0)) }) }
        return .object(object)
    }
}

/// A manufacturing site and its quality agreement.
public struct Site: Sendable, Hashable {
    public var id: String
    public var name: String
    /// `in-house` or `cmo`.
    public var kind: String
    /// Hours within which a deviation of each class must be reported to the sponsor.
    public var notifyHours: [Severity: Int64]
    /// Longest gap between custody events allowed in transit, minutes.
    public var maxCustodyGapMinutes: Int64
    /// Days within which executed batch records are returned after manufacture.
    public var batchRecordReturnDays: Int64
    /// Days within which a deviation's investigation is closed (the quality agreement's due date).
    public var deviationCloseDays: Int64 = 30

    public static func decode(_ value: JSONValue, path: String) throws(FieldError) -> Site {
        var f = try Fields(value, path: path)
        let id = try f.identifier("id")
        let name = try f.string("name")
        let kind = try f.choice("kind", ["in-house", "cmo"])
        guard var a = try f.object("agreement") else { throw FieldError(f.path + ".agreement", "is required") }
        var hours: [Severity: Int64] = [:]
        for severity in Severity.allCases {
            let key = "notify_\(severity.rawValue)_hours"
            guard let h = try a.optionalInteger(key) else { throw FieldError(a.path + "." + key, "is required") }
            guard h > 0, h <= 24 * 90 else { throw FieldError(a.path + "." + key, "must be 1 to 2160 hours") }
            hours[severity] = h
        }
        let gap = try a.optionalInteger("max_custody_gap_minutes") ?? 60
        guard gap > 0 else { throw FieldError(a.path + ".max_custody_gap_minutes", "must be positive") }
        let returnDays = try a.optionalInteger("batch_record_return_days") ?? 10
        let closeDays = try a.optionalInteger("deviation_close_days") ?? 30
        guard closeDays > 0, closeDays <= 365 else {
            throw FieldError(a.path + ".deviation_close_days", "must be 1 to 365 days")
        }
        try a.finish()
        try f.finish()
        return Site(
            id: id, name: name, kind: kind, notifyHours: hours, maxCustodyGapMinutes: gap,
            batchRecordReturnDays: returnDays,
            deviationCloseDays: closeDays)
    }

    public var json: JSONValue {
        var agreement: [String: JSONValue] = [
            "max_custody_gap_minutes": .int(maxCustodyGapMinutes),
            "batch_record_return_days": .int(batchRecordReturnDays),
        ]
        for (severity, hours) in notifyHours { agreement["notify_\(severity.rawValue)_hours"] = .int(hours) }
        if deviationCloseDays != 30 { agreement["deviation_close_days"] = .int(deviationCloseDays) }
        return ["id": .string(id), "name": .string(name), "kind": .string(kind), "agreement": .object(agreement)]
    }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension Limit: Codable {}
extension Severity: Codable {}
extension SpecAttribute: Codable {}
extension ProcessParameter: Codable {}
extension DoseRule: Codable {}
extension Product: Codable {}
extension Site: Codable {}
