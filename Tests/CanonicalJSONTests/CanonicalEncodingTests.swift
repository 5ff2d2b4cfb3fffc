import Testing

@testable import CanonicalJSON

@Suite("Canonical encoding")
struct CanonicalEncodingTests {
    func text(_ value: JSONValue) throws -> String {
        String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
    }

    @Test func everyControlCharacterIsEscapedAsPythonEscapesIt() throws {
        let short: [UInt8: String] = [0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"]
        for byte in UInt8(0)..<0x20 {
            let expected = short[byte] ?? "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
            let scalar = String(UnicodeScalar(byte))
            #expect(try text(.string(scalar)) == "\"\(expected)\"", "byte \(byte)")
        }
        #expect(try text(.string("\"")) == #""\"""#)
        #expect(try text(.string("\\")) == #""\\""#)
    }

    @Test func slashDelAndNonASCIIAreWrittenLiterally() throws {
        #expect(try text(.string("a/b")) == "\"a/b\"")
        #expect(try text(.string("\u{7F}")) == "\"\u{7F}\"")
        #expect(try text(.string("山田太郎 José e\u{301} \u{2028} 🧬")) == "\"山田太郎 José e\u{301} \u{2028} 🧬\"")
    }

    @Test func largestIntegersAreWrittenAndBeyondThemRefused() throws {
        #expect(try text(.int(9_007_199_254_740_991)) == "9007199254740991")
        #expect(try text(.int(-9_007_199_254_740_991)) == "-9007199254740991")
        #expect(try text(.int(0)) == "0")
        #expect(throws: CanonicalJSONEncodingError.integerOutOfRange(9_007_199_254_740_992)) {
            try CanonicalJSON.encode(.int(9_007_199_254_740_992))
        }
    }

    @Test func keysAreSortedByCodePointAtEveryDepth() throws {
        let value: JSONValue = ["b": ["z": 1, "a_": 2, "a": 3], "a": [true, false, nil], "_x": "y", "9": 0]
        #expect(try text(value) == #"{"9":0,"_x":"y","a":[true,false,null],"b":{"a":3,"a_":2,"z":1}}"#)
    }

    @Test func keysOutsideTheAllowedSetAreRefused() {
        #expect(throws: CanonicalJSONEncodingError.invalidKey("Name")) { try CanonicalJSON.encode(["Name": 1]) }
        #expect(throws: CanonicalJSONEncodingError.invalidKey("")) { try CanonicalJSON.encode(["": 1]) }
    }

    @Test func emptyContainersAreWrittenCompactly() throws {
        #expect(try text(["a": [], "b": [:]]) == #"{"a":[],"b":{}}"#)
    }
}
