import CanonicalJSON
import ReleaseDeskCore

/// A small, fast, seeded random generator (SplitMix64): the same seed gives the same data everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Synthetic journal records for benchmarks and stress tests, deterministic for a seed.
///
/// They are of kind `synthetic.recorded`, which carries no GMP meaning: a journal made of them is a load
/// test, not a site.
public enum SyntheticData {
    static let attributes: [(String, String, String, ClosedRange<Int>)] = [
        ("viability", "%", "7-AAD flow cytometry", 650...990),
        ("cd3_positive", "%", "flow cytometry", 700...990),
        ("car_positive", "%", "flow cytometry", 80...450),
        ("endotoxin", "EU/mL", "LAL kinetic chromogenic", 1...60),
        ("potency_ifng", "pg/mL", "IFN-gamma release", 3000...9000),
        ("vector_copy_number", "copies/cell", "ddPCR", 5...48),
    ]

    /// The body of synthetic record number `index` (about 330 bytes as a journal line).
    public static func draft(index: Int, actor: String, generator: inout SeededGenerator) -> RecordDraft {
        let batch = 1 + Int(generator.next() % 100_000)
        let (name, unit, method, range) = attributes[Int(generator.next() % UInt64(attributes.count))]
        let tenths = Int.random(in: range, using: &generator)
        let value = "\(tenths / 10).\(tenths % 10)"
        return RecordDraft(
            kind: RecordKind.syntheticRecorded, actor: actor,
            body: [
                "batch": .string("SYN-" + pad(batch, 6)), "attribute": .string(name), "value": .string(value),
                "unit": .string(unit), "method": .string(method), "result": .string("RES-" + pad(index, 8)),
                "reason": "synthetic load for benchmarks",
            ])
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
