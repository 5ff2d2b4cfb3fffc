import CanonicalJSON

/// A QC test result for one attribute of a batch.
public struct QCResult: Sendable, Hashable {
    /// The LIMS result id, unique.
    public var id: String
    public var attribute: String
    /// The result as reported: a number (`"76.5"`) or a word (`"not detected"`).
    public var value: String {
        didSet { quantity = Quantity(text: value) }
    }
    public var unit: String
    public var testedAt: Timestamp
    /// `final`, or `pending` (the test is registered, the result is not in).
    public var status: String

    public init(id: String, attribute: String, value: String, unit: String, testedAt: Timestamp, status: String) {
        self.id = id
        self.attribute = attribute
        self.value = value
        self.unit = unit
        self.testedAt = testedAt
        self.status = status
        quantity = Quantity(text: value)
    }

    /// The result as a number, when it is one (parsed once, when the value is set).
    public private(set) var quantity: Quantity?

    static func decode(_ f: inout Fields) throws(FieldError) -> QCResult {
        let id = try f.identifier("result_id")
        let attribute = try f.identifier("attribute")
        let status = try f.choice("status", ["final", "pending"], default: "final")
        let value: String
        if status == "pending" {
            // The result is not in yet: no value, or the empty value the journal records for it (`json`).
            value = try f.text("value")
            guard value.isEmpty || DisplayText.hasVisibleText(value) else {
                throw FieldError(f.at("value"), "may not be empty (it holds no visible text)")
            }
        } else {
            value = try f.string("value")
        }
        let unit = try f.text("unit")
        let at = try f.time("tested_at")
        try f.finish()
        return QCResult(id: id, attribute: attribute, value: value, unit: unit, testedAt: at, status: status)
    }

    var json: JSONValue {
        [
            "result_id": .string(id), "attribute": .string(attribute), "value": .string(value), "unit": .string(unit),
            "tested_at": .string(testedAt.description), "status": .string(status),
        ]
    }

    /// What a correction of this result replaces: every field a correction can change.
    var previousJSON: JSONValue {
        [
            "value": .string(value), "unit": .string(unit), "status": .string(status),
            "tested_at": .string(testedAt.description),
        ]
    }

    /// The fields a correction can change, by their journal names, as text.
    var correctableFields: [(name: String, text: String)] {
        [
            ("value", status == "pending" ? "pending" : value), ("unit", unit), ("status", status),
            ("tested_at", testedAt.description),
        ]
    }
}

/// A reading of a critical process parameter.
public struct ParameterReading: Sendable, Hashable {
    public var parameter: String
    public var value: Quantity
    public var unit: String
    public var at: Timestamp

    public init(parameter: String, value: Quantity, unit: String, at: Timestamp) {
        self.parameter = parameter
        self.value = value
        self.unit = unit
        self.at = at
    }
}

/// One step of the executed batch record.
public struct BatchStep: Sendable, Hashable {
    public var id: String
    public var name: String
    /// Entries by field name; `nil` where the record has the field but no value.
    public var entries: [(field: String, value: String?)]
    public var performedBy: String?
    public var performedAt: Timestamp?
    public var requiresVerification: Bool
    public var verifiedBy: String?

    public init(
        id: String, name: String, entries: [(field: String, value: String?)], performedBy: String?,
        performedAt: Timestamp?,
        requiresVerification: Bool, verifiedBy: String?
    ) {
        self.id = id
        self.name = name
        self.entries = entries
        self.performedBy = performedBy
        self.performedAt = performedAt
        self.requiresVerification = requiresVerification
        self.verifiedBy = verifiedBy
    }

    public static func == (a: BatchStep, b: BatchStep) -> Bool {
        a.id == b.id && a.name == b.name && a.performedBy == b.performedBy && a.performedAt == b.performedAt
            && a.requiresVerification == b.requiresVerification && a.verifiedBy == b.verifiedBy
            && a.entries.map(\.field) == b.entries.map(\.field) && a.entries.map(\.value) == b.entries.map(\.value)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// Who held the material, when, where and at what temperature.
public struct CustodyEvent: Sendable, Hashable {
    public var id: String
    /// `collected`, `shipped`, `received`, `stored`, `thawed`, `infused` …
    public var event: String
    public var at: Timestamp
    public var location: String
    public var holder: String
    public var temperatureC: Quantity?
    /// The chain-of-identity code on the label at this hand-over.
    public var coi: String?

    static func decode(_ f: inout Fields) throws(FieldError) -> CustodyEvent {
        let id = try f.identifier("event_id")
        let event = try f.string("event")
        let at = try f.time("at")
        let location = try f.string("location")
        let holder = try f.string("holder")
        let temperature = try f.optionalQuantity("temperature_c")
        if let t = temperature, t.value < -273.15 || t.value > 100 {
            throw FieldError(f.at("temperature_c"), "\(t) °C is not a physical temperature for this material")
        }
        let coi = try f.optionalString("coi")
        try f.finish()
        return CustodyEvent(
            id: id, event: event, at: at, location: location, holder: holder, temperatureC: temperature, coi: coi)
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "event_id": .string(id), "event": .string(event), "at": .string(at.description),
            "location": .string(location),
            "holder": .string(holder),
        ]
        if let temperatureC { o["temperature_c"] = .string(temperatureC.text) }
        if let coi { o["coi"] = .string(coi) }
        return .object(o)
    }
}

/// An environmental-monitoring result taken during manufacture.
public struct EMResult: Sendable, Hashable {
    public var id: String
    public var at: Timestamp
    /// Clean-room grade: A, B, C or D.
    public var grade: String
    public var location: String
    /// `viable-air`, `surface`, `glove`.
    public var sample: String
    public var cfu: Int64
    public var alertLimit: Int64
    public var actionLimit: Int64
    /// Whether the product was open to the room at the time.
    public var openStep: Bool
}

/// A label or container whose chain-of-identity code was checked.
public struct LabelCheck: Sendable, Hashable {
    public var item: String
    public var coi: String

    public init(item: String, coi: String) {
        self.item = item
        self.coi = coi
    }
}

/// A deviation the manufacturing site reported with the batch record.
public struct ReportedDeviation: Sendable, Hashable {
    public var id: String
    public var severity: Severity
    public var discoveredAt: Timestamp
    public var reportedAt: Timestamp
    public var description: String
}

/// A batch (lot) and everything its record and its tests say.
public struct Batch: Sendable, Hashable {
    public var id: String
    public var product: String
    public var site: String
    /// Chain-of-identity code of the patient (autologous) or `nil` for a multi-patient lot.
    public var coi: String?
    public var patientWeightKg: Quantity?
    public var apheresisAt: Timestamp?
    public var manufactureStart: Timestamp
    public var manufactureEnd: Timestamp?
    public var expiry: Timestamp
    public var plannedInfusion: Timestamp?
    public var steps: [BatchStep]
    public var readings: [ParameterReading]
    public var qc: [QCResult]
    public var custody: [CustodyEvent]
    public var environment: [EMResult]
    public var labels: [LabelCheck]
    public var deviations: [ReportedDeviation]
    /// A batch released before this journal existed (history imported for trending): who certified it, when,
    /// and where that record is kept. Without it, an `infused` custody event needs a certification in the journal.
    public var priorRelease: PriorRelease? = nil

    public init(
        id: String, product: String, site: String, coi: String?, patientWeightKg: Quantity?, apheresisAt: Timestamp?,
        manufactureStart: Timestamp, manufactureEnd: Timestamp?, expiry: Timestamp, plannedInfusion: Timestamp?,
        steps: [BatchStep], readings: [ParameterReading], qc: [QCResult], custody: [CustodyEvent],
        environment: [EMResult],
        labels: [LabelCheck], deviations: [ReportedDeviation], priorRelease: PriorRelease? = nil
    ) {
        self.id = id
        self.product = product
        self.site = site
        self.coi = coi
        self.patientWeightKg = patientWeightKg
        self.apheresisAt = apheresisAt
        self.manufactureStart = manufactureStart
        self.manufactureEnd = manufactureEnd
        self.expiry = expiry
        self.plannedInfusion = plannedInfusion
        self.steps = steps
        self.readings = readings
        self.qc = qc
        self.custody = custody
        self.environment = environment
        self.labels = labels
        self.deviations = deviations
        self.priorRelease = priorRelease
    }

    /// Decodes a batch record. Checks types and physical ranges; references to products and sites are the
    /// importer's to check against state.
    public static func decode(_ value: JSONValue, path: String) throws(FieldError) -> Batch {
        var f = try Fields(value, path: path)
        let id = try f.identifier("id")
        let product = try f.identifier("product")
        let site = try f.identifier("site")
        let coi = try f.optionalString("coi")
        let weight = try f.optionalQuantity("patient_weight_kg")
        if let w = weight, w.value < 0.5 || w.value > 350 {
            throw FieldError(f.path + ".patient_weight_kg", "\(w) kg is not a possible patient weight")
        }
        let apheresis = try f.optionalTime("apheresis_at")
        let start = try f.time("manufacture_start")
        let end = try f.optionalTime("manufacture_end")
        if let end, end < start { throw FieldError(f.path + ".manufacture_end", "is before manufacture_start") }
        if let apheresis, start < apheresis {
            throw FieldError(f.path + ".manufacture_start", "is before apheresis_at")
        }
        let expiry = try f.time("expiry")
        let infusion = try f.optionalTime("planned_infusion")

        var steps: [BatchStep] = []
        for var s in try f.objects("steps") {
            let sid = try s.identifier("id")
            let name = try s.string("name")
            var entries: [(String, String?)] = []
            for var e in try s.objects("entries") {
                let field = try e.string("field")
                let value: String?
                switch e.take("value") {
                case .string(let text)?: value = DisplayText.hasVisibleText(text) ? text : nil
                case .int(let i)?: value = String(i)
                case let number? where Fields.decimalText(number) != nil: value = Fields.decimalText(number)
                case nil: value = nil
                default: throw FieldError(e.path + ".value", "must be a string, a number or null")
                }
                try e.finish()
                entries.append((field, value))
            }
            let performedBy = try s.optionalString("performed_by")
            let performedAt = try s.optionalTime("performed_at")
            let requiresVerification = try s.bool("requires_verification")
            let verifiedBy = try s.optionalString("verified_by")
            try s.finish()
            steps.append(
                BatchStep(
                    id: sid, name: name, entries: entries, performedBy: performedBy, performedAt: performedAt,
                    requiresVerification: requiresVerification, verifiedBy: verifiedBy))
        }
        var readings: [ParameterReading] = []
        for var r in try f.objects("process_parameters") {
            let reading = ParameterReading(
                parameter: try r.identifier("parameter"), value: try r.quantity("value"), unit: try r.string("unit"),
                at: try r.time("at"))
            try r.finish()
            readings.append(reading)
        }
        var qc: [QCResult] = []
        for var q in try f.objects("qc") { qc.append(try QCResult.decode(&q)) }
        var custody: [CustodyEvent] = []
        for var c in try f.objects("custody") { custody.append(try CustodyEvent.decode(&c)) }
        var environment: [EMResult] = []
        for var e in try f.objects("environmental_monitoring") {
            let result = EMResult(
                id: try e.identifier("sample_id"), at: try e.time("at"),
                grade: try e.choice("grade", ["A", "B", "C", "D"]), location: try e.string("location"),
                sample: try e.choice("sample", ["viable-air", "surface", "glove"]),
                cfu: try e.optionalInteger("cfu") ?? -1, alertLimit: try e.optionalInteger("alert_limit") ?? -1,
                actionLimit: try e.optionalInteger("action_limit") ?? -1, openStep: try e.bool("open_step"))
            guard result.cfu >= 0 else { throw FieldError(e.path + ".cfu", "is required and may not be negative") }
            guard result.alertLimit >= 0, result.actionLimit >= result.alertLimit else {
                throw FieldError(e.path + ".action_limit", "alert_limit and action_limit are required, alert ≤ action")
            }
            try e.finish()
            environment.append(result)
        }
        var labels: [LabelCheck] = []
        for var l in try f.objects("labels") {
            labels.append(LabelCheck(item: try l.string("item"), coi: try l.string("coi")))
            try l.finish()
        }
        var deviations: [ReportedDeviation] = []
        for var d in try f.objects("deviations") {
            let deviation = ReportedDeviation(
                id: try d.identifier("id"),
                severity: Severity(rawValue: try d.choice("class", ["minor", "major", "critical"]))!,
                discoveredAt: try d.time("discovered_at"), reportedAt: try d.time("reported_at"),
                description: try d.string("description"))
            guard deviation.reportedAt >= deviation.discoveredAt else {
                throw FieldError(d.path + ".reported_at", "is before discovered_at")
            }
            try d.finish()
            deviations.append(deviation)
        }
        var priorRelease: PriorRelease? = nil
        if var p = try f.object("prior_release") {
            priorRelease = PriorRelease(
                certifiedBy: try p.string("certified_by"), certifiedAt: try p.time("certified_at"),
                reference: try p.string("reference"))
            try p.finish()
        }
        try f.finish()
        var seen: Set<String> = []
        for (index, result) in qc.enumerated() where !seen.insert(result.id).inserted {
            throw FieldError("\(path).qc[\(index)].result_id", "result \(result.id) appears twice")
        }
        return Batch(
            id: id, product: product, site: site, coi: coi, patientWeightKg: weight, apheresisAt: apheresis,
            manufactureStart: start, manufactureEnd: end, expiry: expiry, plannedInfusion: infusion, steps: steps,
            readings: readings, qc: qc, custody: custody, environment: environment, labels: labels,
            deviations: deviations,
            priorRelease: priorRelease)
    }

    /// The batch as a record body member.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "product": .string(product), "site": .string(site),
            "manufacture_start": .string(manufactureStart.description), "expiry": .string(expiry.description),
        ]
        if let coi { o["coi"] = .string(coi) }
        if let patientWeightKg { o["patient_weight_kg"] = .string(patientWeightKg.text) }
        if let apheresisAt { o["apheresis_at"] = .string(apheresisAt.description) }
        if let manufactureEnd { o["manufacture_end"] = .string(manufactureEnd.description) }
        if let plannedInfusion { o["planned_infusion"] = .string(plannedInfusion.description) }
        if !steps.isEmpty {
            o["steps"] = .array(
                steps.map { s in
                    var step: [String: JSONValue] = [
                        "id": .string(s.id), "name": .string(s.name),
                        "requires_verification": .bool(s.requiresVerification),
                        "entries": .array(
                            s.entries.map {
                                ["field": .string($0.field), "value": $0.value.map(JSONValue.string) ?? .null]
                            }),
                    ]
                    if let by = s.performedBy { step["performed_by"] = .string(by) }
                    if let at = s.performedAt { step["performed_at"] = .string(at.description) }
                    if let v = s.verifiedBy { step["verified_by"] = .string(v) }
                    return .object(step)
                })
        }
        if !readings.isEmpty {
            o["process_parameters"] = .array(
                readings.map {
                    [
                        "parameter": .string($0.parameter), "value": .string($0.value.text), "unit": .string($0.unit),
                        "at": .string($0.at.description),
                    ]
                })
        }
        if !qc.isEmpty { o["qc"] = .array(qc.map(\.json)) }
        if !custody.isEmpty { o["custody"] = .array(custody.map(\.json)) }
        if !environment.isEmpty {
            o["environmental_monitoring"] = .array(
                environment.map {
                    [
                        "sample_id": .string($0.id), "at": .string($0.at.description), "grade": .string($0.grade),
                        "location": .string($0.location), "sample": .string($0.sample), "cfu": .int($0.cfu),
                        "alert_limit": .int($0.alertLimit), "action_limit": .int($0.actionLimit),
                        "open_step": .bool($0.openStep),
                    ]
                })
        }
        if !labels.isEmpty { o["labels"] = .array(labels.map { ["item": .string($0.item), "coi": .string($0.coi)] }) }
        if !deviations.isEmpty {
            o["deviations"] = .array(
                deviations.map {
                    [
                        "id": .string($0.id), "class": .string($0.severity.rawValue),
                        "discovered_at": .string($0.discoveredAt.description),
                        "reported_at": .string($0.reportedAt.description),
                        "description": .string($0.description),
                    ]
                })
        }
        if let priorRelease {
            o["prior_release"] = [
                "certified_by": .string(priorRelease.certifiedBy),
                "certified_at": .string(priorRelease.certifiedAt.description),
                "reference": .string(priorRelease.reference),
            ]
        }
        return .object(o)
    }
}

/// A certification made before the journal existed, declared by the imported batch record.
public struct PriorRelease: Sendable, Hashable {
    public var certifiedBy: String
    public var certifiedAt: Timestamp
    /// Where the original certification is kept (register page, document number).
    public var reference: String
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension QCResult: Codable {}
extension ParameterReading: Codable {}
extension CustodyEvent: Codable {}
extension EMResult: Codable {}
extension LabelCheck: Codable {}
extension ReportedDeviation: Codable {}
extension Batch: Codable {}
extension PriorRelease: Codable {}

extension BatchStep: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, name, fields, values, performedBy, performedAt, requiresVerification, verifiedBy
    }

    public init(from decoder: any Decoder) throws {
        // In the order `encode(to:)` writes them: the snapshot's binary form reads keys in order.
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let id = try c.decode(String.self, forKey: .id)
        let name = try c.decode(String.self, forKey: .name)
        let fields = try c.decode([String].self, forKey: .fields)
        let values = try c.decode([String?].self, forKey: .values)
        guard fields.count == values.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .values, in: c, debugDescription: "fields and values differ in number")
        }
        self.init(
            id: id, name: name, entries: zip(fields, values).map { (field: $0, value: $1) },
            performedBy: try c.decodeIfPresent(String.self, forKey: .performedBy),
            performedAt: try c.decodeIfPresent(Timestamp.self, forKey: .performedAt),
            requiresVerification: try c.decode(Bool.self, forKey: .requiresVerification),
            verifiedBy: try c.decodeIfPresent(String.self, forKey: .verifiedBy))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(entries.map(\.field), forKey: .fields)
        try c.encode(entries.map(\.value), forKey: .values)
        try c.encodeIfPresent(performedBy, forKey: .performedBy)
        try c.encodeIfPresent(performedAt, forKey: .performedAt)
        try c.encode(requiresVerification, forKey: .requiresVerification)
        try c.encodeIfPresent(verifiedBy, forKey: .verifiedBy)
    }
}
