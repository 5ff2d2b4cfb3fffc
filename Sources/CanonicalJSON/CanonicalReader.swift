/// Why bytes are not canonical JSON, and where.
public struct CanonicalDecodingError: Error, Equatable, CustomStringConvertible {
    /// Byte offset of the problem from the start of the input.
    public var offset: Int
    /// What is wrong there.
    public var problem: Problem

    /// The ways input can fail to be canonical JSON.
    public enum Problem: Equatable, Sendable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case whitespace
        case controlCharacterInString(UInt8)
        case nonCanonicalEscape
        case invalidUTF8
        case leadingZero
        case negativeZero
        case notAnInteger
        case integerOutOfRange
        case invalidKey
        case keysNotSorted
        case duplicateKey
        case tooDeep
        case trailingBytes
        case unexpectedKey(expected: String)
        case wrongType(field: String, expected: String)
    }

    public init(offset: Int, problem: Problem) {
        self.offset = offset
        self.problem = problem
    }

    /// Whether the input ended where more was expected: the bytes may be a prefix of canonical JSON.
    public var isUnexpectedEnd: Bool { problem == .unexpectedEnd }

    public var description: String { "\(reason) at byte \(offset)" }

    /// What is wrong, in words, without the place.
    public var reason: String {
        let what: String
        switch problem {
        case .unexpectedEnd: what = "input ends in the middle of a value"
        case .unexpectedByte(let b): what = "unexpected byte \(Self.show(b))"
        case .whitespace: what = "whitespace outside a string"
        case .controlCharacterInString(let b): what = "unescaped control character \(Self.show(b)) in a string"
        case .nonCanonicalEscape: what = "escape sequence that the canonical form does not use"
        case .invalidUTF8: what = "invalid UTF-8"
        case .leadingZero: what = "number with a leading zero"
        case .negativeZero: what = "negative zero"
        case .notAnInteger: what = "number with a fraction or exponent (numbers are integers only)"
        case .integerOutOfRange: what = "integer beyond ±(2^53−1)"
        case .invalidKey: what = "object key not of the form [a-z0-9_]+"
        case .keysNotSorted: what = "object keys not sorted by code point"
        case .duplicateKey: what = "duplicate object key"
        case .tooDeep: what = "nesting deeper than \(CanonicalJSON.maxDepth) levels"
        case .trailingBytes: what = "bytes after the end of the value"
        case .unexpectedKey(let expected): what = "expected key \"\(expected)\""
        case .wrongType(let field, let expected): what = "field \"\(field)\" must be \(expected)"
        }
        return what
    }

    static func show(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16)
        return "0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}

extension CanonicalJSON {
    /// Parses `bytes`, which must be exactly one value in canonical form.
    public static func decode(_ bytes: [UInt8]) throws(CanonicalDecodingError) -> JSONValue {
        let result: Result<JSONValue, CanonicalDecodingError> = bytes.withUnsafeBufferPointer { buffer in
            var reader = CanonicalReader(buffer)
            do throws(CanonicalDecodingError) {
                let value = try reader.readValue()
                try reader.expectEnd()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Checks that `bytes` are exactly one value in canonical form, without building it.
    public static func validate(_ buffer: UnsafeBufferPointer<UInt8>) throws(CanonicalDecodingError) {
        var reader = CanonicalReader(buffer)
        try reader.skipValue()
        try reader.expectEnd()
    }
}

/// A strict, single-pass reader of canonical JSON over borrowed bytes.
///
/// It accepts exactly the byte sequences that `CanonicalJSON.encode` produces: parsing a value and
/// writing it again gives the same bytes. The buffer must stay valid while the reader is used.
public struct CanonicalReader {
    /// The bytes being read.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// Offset of the next byte to read.
    public var position: Int
    private var scratch: [UInt8] = []

    /// A reader positioned at the start of `bytes`.
    public init(_ bytes: UnsafeBufferPointer<UInt8>, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { position >= bytes.count }

    @inline(__always)
    func fail(_ problem: CanonicalDecodingError.Problem, at offset: Int? = nil) -> CanonicalDecodingError {
        CanonicalDecodingError(offset: offset ?? position, problem: problem)
    }

    @inline(__always)
    func unexpected(at offset: Int) -> CanonicalDecodingError {
        guard offset < bytes.count else { return fail(.unexpectedEnd, at: offset) }
        switch bytes[offset] {
        case 0x20, 0x09, 0x0A, 0x0D: return fail(.whitespace, at: offset)
        case let b: return fail(.unexpectedByte(b), at: offset)
        }
    }

    /// Fails unless every byte has been read.
    public func expectEnd() throws(CanonicalDecodingError) {
        if position < bytes.count { throw fail(.trailingBytes) }
    }

    /// Consumes `literal` exactly; a shorter input that matches so far fails with `unexpectedEnd`.
    public mutating func expect(_ literal: StaticString) throws(CanonicalDecodingError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for i in 0..<count {
            let offset = position + i
            guard offset < bytes.count else { throw fail(.unexpectedEnd, at: offset) }
            if bytes[offset] != start[i] { throw unexpected(at: offset) }
        }
        position += count
    }

    /// Reads one value and builds it.
    public mutating func readValue() throws(CanonicalDecodingError) -> JSONValue {
        try value(depth: 0, build: true)
    }

    /// Reads one value, checking it, without building it.
    public mutating func skipValue() throws(CanonicalDecodingError) {
        _ = try value(depth: 0, build: false)
    }

    /// Reads one object and builds it; fails if the next value is not an object.
    public mutating func readObject() throws(CanonicalDecodingError) -> [String: JSONValue] {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        guard bytes[position] == UInt8(ascii: "{") else { throw unexpected(at: position) }
        guard case .object(let members) = try value(depth: 0, build: true) else { return [:] }
        return members
    }

    mutating func value(depth: Int, build: Bool) throws(CanonicalDecodingError) -> JSONValue {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            if build { return .string(try readString()) }
            _ = try scanString()
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .int(try readInteger())
        case UInt8(ascii: "{"):
            return try object(depth: depth + 1, build: build)
        case UInt8(ascii: "["):
            return try array(depth: depth + 1, build: build)
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        default:
            throw unexpected(at: position)
        }
    }

    mutating func array(depth: Int, build: Bool) throws(CanonicalDecodingError) -> JSONValue {
        guard depth <= CanonicalJSON.maxDepth else { throw fail(.tooDeep) }
        position += 1  // [
        var elements: [JSONValue] = []
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        if bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            let element = try value(depth: depth, build: build)
            if build { elements.append(element) }
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return .array(elements)
            default: throw unexpected(at: position)
            }
        }
    }

    mutating func object(depth: Int, build: Bool) throws(CanonicalDecodingError) -> JSONValue {
        guard depth <= CanonicalJSON.maxDepth else { throw fail(.tooDeep) }
        position += 1  // {
        var members: [String: JSONValue] = [:]
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        if bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        var previousKey: Range<Int>? = nil
        while true {
            let keyStart = position
            let key = try scanKey()
            if let previous = previousKey {
                switch compare(previous, key) {
                case .orderedAscending: break
                case .orderedSame: throw fail(.duplicateKey, at: keyStart)
                case .orderedDescending: throw fail(.keysNotSorted, at: keyStart)
                }
            }
            previousKey = key
            try expect(":")
            let member = try value(depth: depth, build: build)
            if build { members[String(decoding: UnsafeBufferPointer(rebasing: bytes[key]), as: UTF8.self)] = member }
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return .object(members)
            default: throw unexpected(at: position)
            }
        }
    }

    private enum Order { case orderedAscending, orderedSame, orderedDescending }

    private func compare(_ a: Range<Int>, _ b: Range<Int>) -> Order {
        let n = min(a.count, b.count)
        for i in 0..<n {
            let x = bytes[a.lowerBound + i]
            let y = bytes[b.lowerBound + i]
            if x != y { return x < y ? .orderedAscending : .orderedDescending }
        }
        if a.count == b.count { return .orderedSame }
        return a.count < b.count ? .orderedAscending : .orderedDescending
    }

    /// Reads an object key: a string of `[a-z0-9_]+`. Returns the range of its characters.
    public mutating func scanKey() throws(CanonicalDecodingError) -> Range<Int> {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        guard bytes[position] == UInt8(ascii: "\"") else { throw unexpected(at: position) }
        let start = position + 1
        var i = start
        while true {
            guard i < bytes.count else { throw fail(.unexpectedEnd, at: i) }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { break }
            guard CanonicalJSON.isKeyByte(b) else { throw fail(.invalidKey, at: i) }
            i += 1
        }
        guard i > start else { throw fail(.invalidKey, at: start) }
        position = i + 1
        return start..<i
    }

    /// Reads an integer in canonical form.
    public mutating func readInteger() throws(CanonicalDecodingError) -> Int64 {
        let start = position
        var negative = false
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        let first = bytes[position]
        guard first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw unexpected(at: position) }
        var magnitude: Int64 = 0
        if first == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                throw fail(.leadingZero, at: start)
            }
            if negative { throw fail(.negativeZero, at: start) }
        } else {
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                magnitude = magnitude * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
                guard magnitude <= CanonicalJSON.maxInteger else { throw fail(.integerOutOfRange, at: start) }
                position += 1
            }
        }
        if position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): throw fail(.notAnInteger, at: start)
            default: break
            }
        }
        return negative ? -magnitude : magnitude
    }

    /// Reads a string and returns its value.
    public mutating func readString() throws(CanonicalDecodingError) -> String {
        let (range, escaped) = try scanString()
        let raw = UnsafeBufferPointer(rebasing: bytes[range])
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        scratch.removeAll(keepingCapacity: true)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            if b != UInt8(ascii: "\\") {
                scratch.append(b)
                i += 1
                continue
            }
            let e = raw[i + 1]
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            default:  // u00xx, already checked by scanString
                scratch.append(Self.hexValue(raw[i + 4]) << 4 | Self.hexValue(raw[i + 5]))
                i += 6
                continue
            }
            i += 2
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Reads a string, checking its escapes and UTF-8, and returns the range of its raw bytes
    /// (between the quotes) and whether it contains escapes.
    public mutating func scanString() throws(CanonicalDecodingError) -> (Range<Int>, Bool) {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        guard bytes[position] == UInt8(ascii: "\"") else { throw unexpected(at: position) }
        let start = position + 1
        var i = start
        var escaped = false
        let count = bytes.count
        while true {
            guard i < count else { throw fail(.unexpectedEnd, at: i) }
            let b = bytes[i]
            if b >= 0x20 && b < 0x80 {
                if b == UInt8(ascii: "\"") { break }
                if b == UInt8(ascii: "\\") {
                    escaped = true
                    try checkEscape(at: i)
                    i += bytes[i + 1] == UInt8(ascii: "u") ? 6 : 2
                    continue
                }
                i += 1
                continue
            }
            if b < 0x20 { throw fail(.controlCharacterInString(b), at: i) }
            i = try checkUTF8(at: i)
        }
        position = i + 1
        return (start..<i, escaped)
    }

    private func checkEscape(at i: Int) throws(CanonicalDecodingError) {
        guard i + 1 < bytes.count else { throw fail(.unexpectedEnd, at: i + 1) }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "t"),
            UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "r"):
            return
        case UInt8(ascii: "u"):
            // Only `\u00xx` (lower-case hex) for a control character without a short form.
            let expected: [UInt8] = [UInt8(ascii: "0"), UInt8(ascii: "0")]
            for k in 0..<2 {
                guard i + 2 + k < bytes.count else { throw fail(.unexpectedEnd, at: i + 2 + k) }
                if bytes[i + 2 + k] != expected[k] { throw fail(.nonCanonicalEscape, at: i) }
            }
            guard i + 5 < bytes.count else { throw fail(.unexpectedEnd, at: bytes.count) }
            let hi = bytes[i + 4]
            let lo = bytes[i + 5]
            guard hi == UInt8(ascii: "0") || hi == UInt8(ascii: "1"), Self.isLowerHex(lo) else {
                throw fail(.nonCanonicalEscape, at: i)
            }
            let value = Self.hexValue(hi) << 4 | Self.hexValue(lo)
            switch value {
            case 0x08, 0x09, 0x0A, 0x0C, 0x0D: throw fail(.nonCanonicalEscape, at: i)
            default: return
            }
        default:
            throw fail(.nonCanonicalEscape, at: i)
        }
    }

    /// Checks one UTF-8 sequence starting at `i` (a byte ≥ 0x80); returns the offset after it.
    private func checkUTF8(at i: Int) throws(CanonicalDecodingError) -> Int {
        let b0 = bytes[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default: throw fail(.invalidUTF8, at: i)
        }
        for k in 1..<length {
            guard i + k < bytes.count else { throw fail(.unexpectedEnd, at: i + k) }
            let b = bytes[i + k]
            let lo: UInt8 = k == 1 ? low : 0x80
            let hi: UInt8 = k == 1 ? high : 0xBF
            guard b >= lo, b <= hi else { throw fail(.invalidUTF8, at: i) }
        }
        return i + length
    }

    @inline(__always)
    static func isLowerHex(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"))
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8 {
        b <= UInt8(ascii: "9") ? b - UInt8(ascii: "0") : b - UInt8(ascii: "a") + 10
    }
}
