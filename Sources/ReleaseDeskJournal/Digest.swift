import Crypto

/// A SHA-256 digest held as four words, cheap to compare and copy.
public struct Digest: Sendable, Hashable, CustomStringConvertible {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// 32 zero bytes: the `prev` of record 1.
    public static let zero = Digest(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// The digest of `bytes`.
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        let digest = hasher.finalize()
        return digest.withUnsafeBytes { raw in
            Digest(
                w0: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                w1: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                w2: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                w3: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    /// The digest of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBytes { sha256($0) }
    }

    /// The 32 bytes in order.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: w0, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: w1, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: w2, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: w3, toByteOffset: 24, as: UInt64.self)
        }
        return out
    }

    /// 64 lower-case hex digits.
    public var hex: String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(Self.hexDigits[Int(b >> 4)])
            out.append(Self.hexDigits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    /// Parses exactly 64 lower-case hex digits.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard let d = utf8.withUnsafeBufferPointer({ Digest.parseHex($0) }) else { return nil }
        self = d
    }

    /// Parses exactly 64 lower-case hex digits from raw bytes.
    static func parseHex(_ b: UnsafeBufferPointer<UInt8>) -> Digest? {
        guard b.count == 64 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for word in 0..<4 {
            var value: UInt64 = 0
            // Bytes are stored little-endian in each word, as `sha256` loads them.
            for byteIndex in 0..<8 {
                let i = (word * 8 + byteIndex) * 2
                guard let hi = nibble(b[i]), let lo = nibble(b[i + 1]) else { return nil }
                value |= UInt64(hi << 4 | lo) << (8 * UInt64(byteIndex))
            }
            words[word] = value
        }
        return Digest(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
