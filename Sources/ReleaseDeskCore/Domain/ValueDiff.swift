import CanonicalJSON

/// The values one version of a batch changes in the version before it, field by field (21 CFR 11.10(e):
/// old and new value). Every member of a batch's record is compared: top-level values as a whole, and the
/// lists whose elements carry an id (steps, QC results, custody events, EM samples, reported deviations)
/// element by element and field by field, so a correction names exactly what it changed.
enum ValueDiff {
    /// The id member of each keyed list in a batch's JSON.
    static let keyedLists: [String: String] = [
        "steps": "id", "qc": "result_id", "custody": "event_id", "environmental_monitoring": "sample_id",
        "deviations": "id",
    ]

    /// `(field, old, new)` for every value of `old` that `new` changes; `—` stands for absent.
    static func batch(_ old: JSONValue, _ new: JSONValue) -> [(field: String, old: String, new: String)] {
        let a = old.objectValue ?? [:]
        let b = new.objectValue ?? [:]
        var out: [(String, String, String)] = []
        for key in Set(a.keys).union(b.keys).sorted() {
            if let idKey = keyedLists[key] {
                out += list(key, idKey: idKey, a[key]?.arrayValue ?? [], b[key]?.arrayValue ?? [])
            } else if a[key] != b[key] {
                out.append((key, text(a[key]), text(b[key])))
            }
        }
        return out
    }

    /// The changes between two versions of a QC result, by field (`value`, `unit`, `status`, `tested_at`).
    static func result(_ old: QCResult, _ new: QCResult) -> [(field: String, old: String, new: String)] {
        zip(old.correctableFields, new.correctableFields).compactMap { a, b in
            a.text == b.text ? nil : (qcField(new.id, new.attribute, a.name), a.text, b.text)
        }
    }

    /// The name of a QC result's field in a change: `QC RES-1 viability value`.
    static func qcField(_ id: String, _ attribute: String, _ field: String) -> String {
        "QC \(id) \(attribute) \(field)"
    }

    static func list(_ name: String, idKey: String, _ old: [JSONValue], _ new: [JSONValue]) -> [(
        String, String, String
    )] {
        func id(_ v: JSONValue) -> String { v.objectValue?[idKey]?.stringValue ?? text(v) }
        let before = Dictionary(old.map { (id($0), $0) }) { first, _ in first }
        var out: [(String, String, String)] = []
        var seen: Set<String> = []
        for element in new {
            let key = id(element)
            seen.insert(key)
            let label: (String) -> String = { field in
                if name == "qc" { return qcField(key, element.objectValue?["attribute"]?.stringValue ?? "", field) }
                return "\(name) \(key) \(field)"
            }
            guard let earlier = before[key] else {
                out.append((name == "qc" ? "QC \(key)" : "\(name) \(key)", "—", text(element)))
                continue
            }
            let x = earlier.objectValue ?? [:]
            let y = element.objectValue ?? [:]
            for field in Set(x.keys).union(y.keys).sorted() where field != idKey && x[field] != y[field] {
                out.append((label(field), text(x[field]), text(y[field])))
            }
        }
        for element in old where !seen.contains(id(element)) {
            out.append((name == "qc" ? "QC \(id(element))" : "\(name) \(id(element))", text(element), "—"))
        }
        return out
    }

    /// A value as one line of text: strings as they are, anything else as canonical JSON, absent as `—`.
    static func text(_ value: JSONValue?) -> String {
        guard let value, !value.isNull else { return "—" }
        if let s = value.stringValue { return s }
        return String(decoding: (try? CanonicalJSON.encode(value)) ?? [], as: UTF8.self)
    }
}

extension BatchRecord {
    /// The changes of one QC result after its first entry (corrections), oldest first.
    public func corrections(of result: QCResult) -> [ValueChange] {
        let prefix = ValueDiff.qcField(result.id, result.attribute, "")
        return changes.filter { $0.field.hasPrefix(prefix) }
    }

    /// The name of a QC result's field in `changes` without the result's prefix (`value`, `tested_at`).
    public func fieldName(_ change: ValueChange, of result: QCResult) -> String {
        String(change.field.dropFirst(ValueDiff.qcField(result.id, result.attribute, "").count))
    }
}
