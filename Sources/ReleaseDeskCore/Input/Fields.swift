import CanonicalJSON

/// A problem with one field of imported or recorded data: where (a path such as `batches[3].qc[0].value`)
/// and what.
public struct FieldError: Error, Equatable, CustomStringConvertible {
    /// The field's path from the top of the document.
    public var path: String
    /// What is wrong, in one sentence.
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "field \(path): \(message)" }
}

/// Typed, strict access to the members of a JSON object, naming the path of every problem.
///
/// Unknown members are an error (`finish()`), so a misspelt field is reported instead of silently ignored.
public struct Fields {
    /// The object's members.
    public let members: [String: JSONValue]
    /// The object's path.
    public let path: String
    /// Keys read so far. Objects have a handful of keys, so a list beats hashing every key with a fresh seed.
    private var used: [String] = []

    /// Wraps `value`, which must be an object.
    public init(_ value: JSONValue, path: String) throws(FieldError) {
        guard case .object(let members) = value, Self.decimalText(value) == nil else {
            throw FieldError(path, "must be an object")
        }
        self.members = members
        self.path = path
    }

    func at(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func take(_ key: String) -> JSONValue? {
        if !used.contains(key) { used.append(key) }
        guard let value = members[key], !value.isNull else { return nil }
        return value
    }

    /// A required non-empty string.
    public mutating func string(_ key: String) throws(FieldError) -> String {
        guard let value = try optionalString(key) else { throw FieldError(at(key), "is required") }
        return value
    }

    /// An optional string, kept exactly as written; text without visible characters is refused.
    public mutating func optionalString(_ key: String) throws(FieldError) -> String? {
        guard let value = take(key) else { return nil }
        guard case .string(let text) = value else { throw FieldError(at(key), Self.notText(value)) }
        guard DisplayText.hasVisibleText(text) else {
            throw FieldError(at(key), text.isEmpty ? "may not be empty" : "may not be empty (it holds no visible text)")
        }
        return text
    }

    /// An optional reason (`correction_reason`), kept exactly as written; a reason without visible text
    /// (white space or invisible characters alone) is refused.
    public mutating func optionalReason(_ key: String) throws(FieldError) -> String? {
        guard let value = take(key) else { return nil }
        guard case .string(let text) = value else { throw FieldError(at(key), Self.notText(value)) }
        guard DisplayText.hasVisibleText(text) else {
            throw FieldError(at(key), "a reason must hold visible text, not only spaces or invisible characters")
        }
        return text
    }

    /// An optional string that may be empty (a unit of a qualitative result); missing is empty.
    public mutating func text(_ key: String) throws(FieldError) -> String {
        guard let value = take(key) else { return "" }
        guard case .string(let text) = value else { throw FieldError(at(key), Self.notText(value)) }
        return text
    }

    /// The message for a value that is not text where text is expected; a number is named as one.
    static func notText(_ value: JSONValue) -> String {
        if case .int(let i) = value { return "must be a string, not the number \(i)" }
        if let decimal = decimalText(value) { return "must be a string, not the number \(decimal)" }
        return "must be a string"
    }

    /// The key under which the input converter keeps a JSON number written with a fraction or exponent:
    /// `{"$decimal": "26.5"}`. No input field can have this name (field names are `a–z 0–9 _`), so a number
    /// stays a number and is never taken for text.
    public static let decimalKey = "$decimal"

    /// A JSON number with a fraction or exponent, as the input converter keeps it.
    public static func decimal(_ text: String) -> JSONValue { .object([decimalKey: .string(text)]) }

    /// The text of a decimal number kept by the input converter, or `nil`.
    public static func decimalText(_ value: JSONValue) -> String? {
        guard case .object(let members) = value, members.count == 1, case .string(let text)? = members[decimalKey]
        else { return nil }
        return text
    }

    /// A required identifier: 1–64 characters of A–Z, a–z, 0–9, `.`, `_`, `-`.
    public mutating func identifier(_ key: String) throws(FieldError) -> String {
        let text = try string(key)
        guard Self.isIdentifier(text) else {
            throw FieldError(
                at(key), "must be 1-64 of A-Z, a-z, 0-9, '.', '_', '-' (got \"\(DisplayText.sanitize(text))\")")
        }
        return text
    }

    /// Whether `text` is an identifier: 1–64 of `A–Z a–z 0–9 . _ -`.
    public static func isIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F
                || b == 0x2D
        }
    }

    /// An optional integer.
    public mutating func optionalInteger(_ key: String) throws(FieldError) -> Int64? {
        guard let value = take(key) else { return nil }
        guard case .int(let i) = value else { throw FieldError(at(key), "must be a whole number") }
        return i
    }

    /// An optional Boolean (default `false`).
    public mutating func bool(_ key: String) throws(FieldError) -> Bool {
        guard let value = take(key) else { return false }
        guard case .bool(let b) = value else { throw FieldError(at(key), "must be true or false") }
        return b
    }

    /// A required decimal quantity (a number, or a string holding one).
    public mutating func quantity(_ key: String) throws(FieldError) -> Quantity {
        guard let q = try optionalQuantity(key) else { throw FieldError(at(key), "is required") }
        return q
    }

    /// An optional decimal quantity.
    public mutating func optionalQuantity(_ key: String) throws(FieldError) -> Quantity? {
        guard let value = take(key) else { return nil }
        switch value {
        case .int(let i): return Quantity(text: String(i))!
        case _ where Self.decimalText(value) != nil:
            let text = Self.decimalText(value)!
            guard let q = Quantity(text: text) else { throw FieldError(at(key), "\"\(text)\" is not a number") }
            return q
        case .string(let s):
            guard let q = Quantity(text: s) else {
                throw FieldError(at(key), "\"\(DisplayText.sanitize(s))\" is not a number")
            }
            return q
        default: throw FieldError(at(key), "must be a number")
        }
    }

    /// A required time: ISO 8601 with `Z` or an offset.
    public mutating func time(_ key: String) throws(FieldError) -> Timestamp {
        guard let t = try optionalTime(key) else { throw FieldError(at(key), "is required") }
        return t
    }

    /// An optional time.
    public mutating func optionalTime(_ key: String) throws(FieldError) -> Timestamp? {
        guard let value = take(key) else { return nil }
        guard case .string(let s) = value, let t = Timestamp(iso8601: s) else {
            throw FieldError(at(key), "must be a time like 2026-03-01T08:30:00Z (UTC or with an offset)")
        }
        return t
    }

    /// A required array of objects, each wrapped.
    public mutating func objects(_ key: String, required: Bool = false) throws(FieldError) -> [Fields] {
        guard let value = take(key) else {
            if required { throw FieldError(at(key), "is required") }
            return []
        }
        guard case .array(let items) = value else { throw FieldError(at(key), "must be an array") }
        var result: [Fields] = []
        for (index, item) in items.enumerated() { result.append(try Fields(item, path: "\(at(key))[\(index)]")) }
        return result
    }

    /// An optional nested object.
    public mutating func object(_ key: String) throws(FieldError) -> Fields? {
        guard let value = take(key) else { return nil }
        return try Fields(value, path: at(key))
    }

    /// An array of strings.
    public mutating func strings(_ key: String) throws(FieldError) -> [String] {
        guard let value = take(key) else { return [] }
        guard case .array(let items) = value else { throw FieldError(at(key), "must be an array of strings") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let s) = item else { throw FieldError("\(at(key))[\(index)]", Self.notText(item)) }
            result.append(s)
        }
        return result
    }

    /// One of `choices`.
    public mutating func choice(_ key: String, _ choices: [String], default fallback: String? = nil) throws(FieldError)
        -> String
    {
        guard let text = try optionalString(key) else {
            if let fallback { return fallback }
            throw FieldError(at(key), "is required (one of \(choices.joined(separator: ", ")))")
        }
        guard choices.contains(text) else {
            throw FieldError(
                at(key), "must be one of \(choices.joined(separator: ", ")) (got \"\(DisplayText.sanitize(text))\")")
        }
        return text
    }

    /// Fails if the object has members that were never read.
    public func finish() throws(FieldError) {
        for key in members.keys.sorted() where !used.contains(key) {
            throw FieldError(at(key), "is not a known field")
        }
    }
}
