/// A measured or specified decimal value, kept as written (`"76.5"`) and as a number for comparisons.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The value exactly as recorded.
    public let text: String
    /// The value as a number.
    public let value: Double

    /// Parses a decimal: optional sign, digits, optional fraction, optional exponent (`2.0e8`).
    public init?(text: String) {
        let bytes = Array(text.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
        let whole = digits()
        var fraction = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            fraction = digits()
        }
        guard whole + fraction > 0 else { return nil }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return nil }
        }
        guard i == bytes.count, bytes.count <= 40, let number = Double(text), number.isFinite else { return nil }
        self.text = text
        self.value = number
    }

    /// A quantity from a number, written with up to `decimals` fraction digits.
    public init(_ value: Double, decimals: Int = 1) {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if text.hasSuffix(".0") && decimals == 0 { text.removeLast(2) }
        self.text = text
        self.value = rounded
    }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.value < b.value }
    public static func == (a: Quantity, b: Quantity) -> Bool { a.value == b.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }

    public var description: String { text }
}

// Codable: the verified-state snapshot (docs/journal-format.md, "Verified-state snapshot") stores the state.
extension Quantity: Codable {}
