/// A value read from an input file (an import, sample data), with the line and column where it starts.
///
/// Unlike the journal's canonical form, input JSON may have any whitespace, key order and escapes, and
/// numbers with decimals, which are kept as their exact text so no precision is lost.
public struct InputNode: Sendable, Equatable {
    /// The value.
    public var value: InputValue
    /// 1-based line of the value's first byte.
    public var line: Int
    /// 1-based column (in bytes) of the value's first byte.
    public var column: Int

    /// The member named `key` when this is an object.
    public subscript(key: String) -> InputNode? {
        if case .object(let members) = value { return members.first { $0.key == key }?.node }
        return nil
    }
}

/// The shapes an input value can take.
public indirect enum InputValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A number with a fraction or exponent, or beyond the integer range, as written.
    case decimal(String)
    case string(String)
    case array([InputNode])
    /// Members in file order; duplicate keys are rejected when reading.
    case object([(key: String, node: InputNode)])

    public static func == (a: InputValue, b: InputValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.decimal(let x), .decimal(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.node == $1.node }
        default: return false
        }
    }

    /// A word for the type, for messages (`a string`, `a number`, …).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a Boolean"
        case .integer, .decimal: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Why an input file is not valid JSON, and where.
public struct InputJSONError: Error, Equatable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column in bytes.
    public var column: Int
    /// What is wrong.
    public var reason: String
    /// The path of the value being read when the problem was found (`batches[3].coi`); empty at the top.
    public var path: String = ""

    public var description: String { "line \(line), column \(column): \(reason)" }

    /// This error inside the member or element `step` of its parent (`coi`, `[3]`).
    func inside(_ step: String) -> InputJSONError {
        guard !step.isEmpty else { return self }
        var copy = self
        copy.path = path.isEmpty ? step : (path.hasPrefix("[") ? step + path : step + "." + path)
        return copy
    }
}

/// Reads JSON input files (RFC 8259), keeping positions for error messages.
public struct InputJSONReader {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// Parses `bytes`, which must hold exactly one JSON value (whitespace around it allowed).
    public static func parse(_ bytes: [UInt8]) throws(InputJSONError) -> InputNode {
        var reader = InputJSONReader(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { throw reader.error("the file starts with a byte-order mark") }
        reader.skipSpace()
        let node = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == bytes.count else { throw reader.error("more data after the end of the JSON value") }
        return node
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private func error(_ reason: String) -> InputJSONError {
        InputJSONError(line: line, column: index - lineStart + 1, reason: reason)
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(InputJSONError) -> InputNode {
        guard depth <= CanonicalJSON.maxDepth else {
            throw error("nested deeper than \(CanonicalJSON.maxDepth) levels")
        }
        guard index < bytes.count else { throw error("the file ends where a value was expected") }
        let (startLine, startColumn) = (line, index - lineStart + 1)
        let v: InputValue
        switch bytes[index] {
        case UInt8(ascii: "{"): v = try object(depth: depth)
        case UInt8(ascii: "["): v = try array(depth: depth)
        case UInt8(ascii: "\""): v = .string(try string())
        case UInt8(ascii: "t"): try literal("true"); v = .bool(true)
        case UInt8(ascii: "f"): try literal("false"); v = .bool(false)
        case UInt8(ascii: "n"): try literal("null"); v = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): v = try number()
        default: throw error("unexpected character where a value was expected")
        }
        return InputNode(value: v, line: startLine, column: startColumn)
    }

    private mutating func literal(_ word: String) throws(InputJSONError) {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else {
            throw error("unexpected characters where a value was expected")
        }
        index += w.count
    }

    private mutating func object(depth: Int) throws(InputJSONError) -> InputValue {
        index += 1
        var members: [(key: String, node: InputNode)] = []
        var seen: Set<String> = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard index < bytes.count else {
                // The enclosing value is named by the caller; name the member that was expected after the last.
                throw error(
                    members.isEmpty
                        ? "the file ends inside an object, where a key was expected"
                        : "the file ends after this member, where another key or '}' was expected"
                )
                .inside(members.last?.key ?? "")
            }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error(members.isEmpty ? "expected a quoted key" : "expected a quoted key after this member")
                    .inside(members.last?.key ?? "")
            }
            let keyError = error("")
            let keyStart = index
            let key: String
            do throws(InputJSONError) {
                key = try string()
            } catch {
                // The key being read names the problem, as far as it was read (invalid bytes shown as U+FFFD).
                let end = Swift.min(index, bytes.count)
                var partial = String(decoding: bytes[(keyStart + 1)..<Swift.max(keyStart + 1, end)], as: UTF8.self)
                if partial.hasSuffix("\"") { partial.removeLast() }
                throw error.inside(partial.isEmpty ? "(key)" : partial)
            }
            guard seen.insert(key).inserted else {
                throw InputJSONError(line: keyError.line, column: keyError.column, reason: "duplicate key", path: key)
            }
            do throws(InputJSONError) {
                skipSpace()
                guard index < bytes.count else { throw error("the file ends after a key, where ':' was expected") }
                guard bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                index += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw error("the file ends inside an object") }
                guard bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: "}") else {
                    throw error("expected ',' or '}' in an object")
                }
            } catch {
                throw error.inside(key)
            }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            index += 1
            return .object(members)
        }
    }

    private mutating func array(depth: Int) throws(InputJSONError) -> InputValue {
        index += 1
        var elements: [InputNode] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipSpace()
            let position = elements.count
            do throws(InputJSONError) {
                elements.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("the file ends inside an array") }
                guard bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: "]") else {
                    throw error("expected ',' or ']' in an array")
                }
            } catch {
                throw error.inside("[\(position)]")
            }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            index += 1
            return .array(elements)
        }
    }

    private mutating func number() throws(InputJSONError) -> InputValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ reader: inout InputJSONReader) -> Int {
            var count = 0
            while reader.index < reader.bytes.count, reader.bytes[reader.index] >= 0x30,
                reader.bytes[reader.index] <= 0x39
            {
                reader.index += 1
                count += 1
            }
            return count
        }
        let intStart = index
        guard digits(&self) > 0 else { throw error("a number needs digits") }
        if bytes[intStart] == UInt8(ascii: "0") && index - intStart > 1 { throw error("a number may not start with 0") }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits(&self) > 0 else { throw error("a decimal point needs digits after it") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits(&self) > 0 else { throw error("an exponent needs digits") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let value = Int64(text), value.magnitude <= CanonicalJSON.maxInteger.magnitude {
            return .integer(value)
        }
        return .decimal(text)
    }

    private mutating func string() throws(InputJSONError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("the file ends inside a string") }
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: out, as: UTF8.self) else {
                    throw error("a string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { throw error("the file ends inside an escape") }
                let e = bytes[index + 1]
                index += 2
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error("a high surrogate escape is not followed by a low one") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("a lone low surrogate escape")
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
                default: throw error("unknown escape sequence")
                }
            case 0x00..<0x20:
                throw error("a control character inside a string must be escaped")
            default:
                out.append(b)
                index += 1
            }
        }
    }

    private mutating func hex4() throws(InputJSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("the file ends inside a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("a \\u escape needs four hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
