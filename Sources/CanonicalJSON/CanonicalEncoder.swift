/// Writes and reads the canonical JSON of the journal format (§2.1 of `docs/journal-format.md`).
///
/// The bytes are those of RFC 8785 for this subset of values, and those of Python's
/// `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
public enum CanonicalJSON {
    /// The largest magnitude an integer may have: 2^53 − 1.
    public static let maxInteger: Int64 = 9_007_199_254_740_991

    /// The deepest nesting of arrays and objects the reader accepts.
    public static let maxDepth = 64

    /// Whether `key` is allowed as an object key: ASCII `[a-z0-9_]`, at least one character.
    public static func isValidKey(_ key: String) -> Bool {
        guard !key.isEmpty else { return false }
        for byte in key.utf8 where !isKeyByte(byte) { return false }
        return true
    }

    @inline(__always)
    static func isKeyByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    /// The canonical bytes of `value`.
    ///
    /// - Throws: `CanonicalJSONEncodingError` for a key outside `[a-z0-9_]` or an integer beyond ±(2^53−1).
    public static func encode(_ value: JSONValue) throws(CanonicalJSONEncodingError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try encode(value, into: &out)
        return out
    }

    /// Appends the canonical bytes of `value` to `out`.
    public static func encode(_ value: JSONValue, into out: inout [UInt8]) throws(CanonicalJSONEncodingError) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i):
            guard i >= -maxInteger, i <= maxInteger else { throw .integerOutOfRange(i) }
            appendInteger(i, to: &out)
        case .string(let s): appendString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try encode(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Keys are ASCII, so sorting by bytes is sorting by code point.
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                guard isValidKey(key) else { throw .invalidKey(key) }
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: key.utf8)
                out.append(contentsOf: "\":".utf8)
                try encode(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` as a canonical JSON string literal.
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        while magnitude > 0 {
            digits.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: digits.reversed())
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// Why a value has no canonical form.
public enum CanonicalJSONEncodingError: Error, Equatable, CustomStringConvertible {
    /// An object key outside `[a-z0-9_]+`.
    case invalidKey(String)
    /// An integer beyond ±(2^53 − 1).
    case integerOutOfRange(Int64)

    public var description: String {
        switch self {
        case .invalidKey(let key): return "object key \(key.debugDescription) is not of the form [a-z0-9_]+"
        case .integerOutOfRange(let value): return "integer \(value) is beyond ±(2^53−1)"
        }
    }
}
