import CanonicalJSON
import Testing

@testable import ReleaseDeskServices

/// The snapshot's binary form: every shape the state uses comes back equal, and damage is an error,
/// never a different value.
@Suite("Snapshot binary form")
struct SnapshotCodingTests {
    enum Shade: String, Codable, Equatable { case light, dark }

    struct Inner: Codable, Equatable {
        var name: String
        var note: String?
        var shade: Shade
    }

    struct Sample: Codable, Equatable {
        var id: String
        var seq: Int64
        var small: Int8
        var count: UInt32
        var ratio: Double
        var flag: Bool
        var missing: String?
        var present: Int?
        var words: [String?]
        var byName: [String: Inner]
        var byNumber: [Int: String]
        var byStruct: [Shade: Int]
        var nested: [[Inner]]
        var json: JSONValue
        var empty: [String: Int]
    }

    static let sample = Sample(
        id: "B-001 山", seq: -9_007_199_254_740_991, small: -128, count: .max, ratio: 0.1, flag: true, missing: nil,
        present: 0, words: ["a", nil, ""],
        byName: ["x": Inner(name: "x", note: nil, shade: .dark), "y": Inner(name: "y", note: "n", shade: .light)],
        byNumber: [3: "three", -1: "minus one"], byStruct: [.light: 1, .dark: 2],
        nested: [[], [Inner(name: "z", note: "", shade: .light)]],
        json: .object(["a": .array([.null, .bool(false), .int(7), .string("s")]), "b": .object([:])]), empty: [:])

    @Test func everyShapeRoundTrips() throws {
        let bytes = try SnapshotCoding.encode(Self.sample)
        #expect(try SnapshotCoding.decode(Sample.self, from: bytes) == Self.sample)
    }

    @Test func keysAreWrittenOnceAndThenByNumber() throws {
        let many = (0..<100).map { Inner(name: "n\($0)", note: nil, shade: .light) }
        let bytes = try SnapshotCoding.encode(many)
        let once = bytes.count
        #expect(try SnapshotCoding.decode([Inner].self, from: bytes) == many)
        // "name" and "shade" appear as text once: the other 99 entries name them by number.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.components(separatedBy: "shade").count == 2)
        #expect(once < 100 * 24)
    }

    @Test func everyCutAndEveryExtraByteIsAnError() throws {
        let bytes = try SnapshotCoding.encode(Self.sample)
        for end in 0..<bytes.count {
            #expect(throws: (any Error).self) { try SnapshotCoding.decode(Sample.self, from: Array(bytes[0..<end])) }
        }
        #expect(throws: (any Error).self) { try SnapshotCoding.decode(Sample.self, from: bytes + [0]) }
    }

    @Test func aFlippedByteIsAnErrorOrAnotherValueButNeverACrash() throws {
        let bytes = try SnapshotCoding.encode(Self.sample)
        for i in 0..<bytes.count {
            for bit in [0, 3, 7] {
                var damaged = bytes
                damaged[i] ^= UInt8(1 << bit)
                _ = try? SnapshotCoding.decode(Sample.self, from: damaged)
            }
        }
    }

    struct Reordered: Codable, Equatable {
        var first: String
        var second: String
        enum CodingKeys: String, CodingKey { case first, second }
        init(first: String, second: String) {
            self.first = first
            self.second = second
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            second = try c.decode(String.self, forKey: .second)
            first = try c.decode(String.self, forKey: .first)
        }
    }

    @Test func keysAskedOutOfOrderAreAnErrorNotAnotherValue() throws {
        let bytes = try SnapshotCoding.encode(Reordered(first: "1", second: "2"))
        #expect(throws: DecodingError.self) { try SnapshotCoding.decode(Reordered.self, from: bytes) }
    }
}
