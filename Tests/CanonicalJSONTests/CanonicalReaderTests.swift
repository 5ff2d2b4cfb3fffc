import Testing

@testable import CanonicalJSON

@Suite("Strict canonical reader")
struct CanonicalReaderTests {
    func problem(_ text: String) -> CanonicalDecodingError.Problem? {
        problem(Array(text.utf8))
    }

    func problem(_ bytes: [UInt8]) -> CanonicalDecodingError.Problem? {
        do {
            _ = try CanonicalJSON.decode(bytes)
            return nil
        } catch {
            return error.problem
        }
    }

    @Test func acceptsCanonicalText() throws {
        let text = #"{"a":[1,-2,"x\n\u0001"],"b":{"c":null,"d":true},"e":"山田"}"#
        let value = try CanonicalJSON.decode(Array(text.utf8))
        #expect(value["e"]?.stringValue == "山田")
        #expect(value["a"]?.arrayValue?[2].stringValue == "x\n\u{1}")
        #expect(String(decoding: try CanonicalJSON.encode(value), as: UTF8.self) == text)
    }

    @Test func rejectsWhitespaceOutsideStrings() {
        #expect(problem(#"{"a": 1}"#) == .whitespace)
        #expect(problem(#" {"a":1}"#) == .whitespace)
        #expect(problem("{\"a\":1}\n") == .trailingBytes)
        #expect(problem("{\"a\":\t1}") == .whitespace)
    }

    @Test func rejectsKeysOutOfOrderAndDuplicates() {
        #expect(problem(#"{"b":1,"a":2}"#) == .keysNotSorted)
        #expect(problem(#"{"a":1,"a":2}"#) == .duplicateKey)
        #expect(problem(#"{"A":1}"#) == .invalidKey)
        #expect(problem(#"{"":1}"#) == .invalidKey)
        #expect(problem(#"{"a\u0062":1}"#) == .invalidKey)
    }

    @Test func rejectsFloatsExponentsLeadingZerosAndNegativeZero() {
        #expect(problem("1.5") == .notAnInteger)
        #expect(problem("1e3") == .notAnInteger)
        #expect(problem("1E3") == .notAnInteger)
        #expect(problem("01") == .leadingZero)
        #expect(problem("-0") == .negativeZero)
        #expect(problem("+1") == .unexpectedByte(UInt8(ascii: "+")))
        #expect(problem("9007199254740992") == .integerOutOfRange)
        #expect(problem("-9007199254740992") == .integerOutOfRange)
        #expect(problem("9007199254740991") == nil)
    }

    @Test func rejectsCarriageReturnAndByteOrderMark() {
        #expect(problem("{\"a\":1}\r") == .trailingBytes)
        #expect(problem([0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)) == .unexpectedByte(0xEF))
        #expect(problem("\"a\rb\"") == .controlCharacterInString(0x0D))
    }

    @Test func rejectsEscapesTheCanonicalFormDoesNotUse() {
        #expect(problem(#""\/""#) == .nonCanonicalEscape)
        #expect(problem(#""\u0041""#) == .nonCanonicalEscape)
        #expect(problem(#""\u001B""#) == .nonCanonicalEscape)  // upper-case hex
        #expect(problem(#""\u0008""#) == .nonCanonicalEscape)  // has the short form \b
        #expect(problem(#""\u00e9""#) == .nonCanonicalEscape)
        #expect(problem(#""\ud83e\udde0""#) == .nonCanonicalEscape)
        #expect(problem(#""\u001b""#) == nil)
    }

    @Test func rejectsInvalidUTF8() {
        #expect(problem([0x22, 0xC0, 0xAF, 0x22]) == .invalidUTF8)  // overlong
        #expect(problem([0x22, 0xED, 0xA0, 0x80, 0x22]) == .invalidUTF8)  // surrogate
        #expect(problem([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]) == .invalidUTF8)  // beyond U+10FFFF
        #expect(problem([0x22, 0x80, 0x22]) == .invalidUTF8)
        #expect(problem([0x22, 0xE2, 0x82, 0x22]) == .invalidUTF8)
    }

    @Test func reportsEndOfInputForEveryProperPrefix() {
        let text = Array(#"{"a":[1,"x\u0001y",{"b":false}],"c":null}"#.utf8)
        for cut in 0..<text.count {
            #expect(problem(Array(text[0..<cut])) == .unexpectedEnd, "cut at \(cut)")
        }
    }

    @Test func rejectsNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        #expect(problem(deep) == .tooDeep)
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(problem(fine) == nil)
    }

    /// Random values written and read back give the same value and the same bytes.
    @Test func randomValuesRoundTripByteForByte() throws {
        var state: UInt64 = 0x1234_5678
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet: [String] = [
            "a", "é", "\"", "\\", "\n", "\u{1}", "\u{1F}", "\u{7F}", "山", "🧬", "/", " ", "\u{202E}",
        ]
        func value(_ depth: Int) -> JSONValue {
            switch next(depth > 3 ? 4 : 6) {
            case 0: return .int(Int64(next(2_000_001)) - 1_000_000)
            case 1: return .string((0..<next(8)).map { _ in alphabet[next(alphabet.count)] }.joined())
            case 2: return .bool(next(2) == 0)
            case 3: return .null
            case 4: return .array((0..<next(4)).map { _ in value(depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<next(4) { members["k\(next(30))"] = value(depth + 1) }
                return .object(members)
            }
        }
        for _ in 0..<500 {
            let original = value(0)
            let bytes = try CanonicalJSON.encode(original)
            let decoded = try CanonicalJSON.decode(bytes)
            #expect(decoded == original)
            #expect(try CanonicalJSON.encode(decoded) == bytes)
        }
    }
}
