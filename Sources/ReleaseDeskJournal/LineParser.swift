import CanonicalJSON
import ReleaseDeskCore

/// What a line says, as far as the chain needs it.
struct Envelope {
    enum Special { case created, tailRepaired, other }

    var seq: Int64
    var prev: Digest
    var atMilliseconds: Int64
    var special: Special
    /// Body fields of `journal.created` and `journal.tail_repaired`; empty for other kinds unless built.
    var body: [String: JSONValue]
    /// The whole record, when asked for.
    var record: Record?
}

/// Why a line is not a valid record.
public struct LineDefect: Error, Equatable, Sendable, CustomStringConvertible {
    /// Offset of the problem inside the line, where one applies.
    public var offsetInLine: Int?
    /// What is wrong.
    public var reason: String
    /// Whether the line is a proper prefix of a record (it ended where more was expected).
    public var endsEarly: Bool

    public var description: String {
        if let offsetInLine { return "\(reason) (byte \(offsetInLine) of the line)" }
        return reason
    }
}

/// Parses one journal line (without its LF): canonical JSON with exactly the envelope fields.
enum LineParser {
    static let envelopeKeys: [StaticString] = ["actor", "at", "body", "host", "kind", "prev", "seq", "v"]

    /// Parses `line`. With `build`, the whole record is returned; otherwise only what the chain needs.
    static func parse(_ line: UnsafeBufferPointer<UInt8>, build: Bool) throws(LineDefect) -> Envelope {
        guard !line.isEmpty else { throw LineDefect(offsetInLine: nil, reason: "blank line", endsEarly: true) }
        do {
            return try parseEnvelope(line, build: build)
        } catch let error as CanonicalDecodingError {
            throw LineDefect(offsetInLine: error.offset, reason: error.reason, endsEarly: error.isUnexpectedEnd)
        } catch let error as LineDefect {
            throw error
        } catch {
            throw LineDefect(offsetInLine: nil, reason: "\(error)", endsEarly: false)
        }
    }

    private static func key(_ reader: inout CanonicalReader, _ expected: StaticString) throws -> Void {
        let start = reader.position
        let range = try reader.scanKey()
        let expectedBytes = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        guard range.count == expectedBytes.count, zip(reader.bytes[range], expectedBytes).allSatisfy({ $0 == $1 })
        else {
            throw CanonicalDecodingError(offset: start, problem: .unexpectedKey(expected: "\(expected)"))
        }
        try reader.expect(":")
    }

    private static func stringField(
        _ reader: inout CanonicalReader, _ name: String, build: Bool
    ) throws -> (Range<Int>, String?) {
        let start = reader.position
        guard reader.position < reader.bytes.count else {
            throw CanonicalDecodingError(offset: start, problem: .unexpectedEnd)
        }
        guard reader.bytes[reader.position] == UInt8(ascii: "\"") else {
            throw CanonicalDecodingError(offset: start, problem: .wrongType(field: name, expected: "a string"))
        }
        if build {
            let value = try reader.readString()
            return ((start + 1)..<(reader.position - 1), value)
        }
        let (range, _) = try reader.scanString()
        return (range, nil)
    }

    private static func parseEnvelope(_ line: UnsafeBufferPointer<UInt8>, build: Bool) throws -> Envelope {
        var reader = CanonicalReader(line)
        try reader.expect("{")

        try key(&reader, "actor")
        let (actorRange, actor) = try stringField(&reader, "actor", build: build)
        guard !actorRange.isEmpty else { throw defect(actorRange.lowerBound, "field \"actor\" is empty") }
        try reader.expect(",")

        try key(&reader, "at")
        let (atRange, _) = try stringField(&reader, "at", build: false)
        guard let at = Timestamp.parse(UnsafeBufferPointer(rebasing: line[atRange])) else {
            throw defect(atRange.lowerBound, "field \"at\" is not a UTC time of the form YYYY-MM-DDTHH:MM:SS.mmmZ")
        }
        try reader.expect(",")

        try key(&reader, "body")
        let bodyStart = reader.position
        guard bodyStart < line.count else { throw CanonicalDecodingError(offset: bodyStart, problem: .unexpectedEnd) }
        guard line[bodyStart] == UInt8(ascii: "{") else {
            throw CanonicalDecodingError(offset: bodyStart, problem: .wrongType(field: "body", expected: "an object"))
        }
        var bodyReader = reader
        try reader.skipValue()
        try reader.expect(",")

        try key(&reader, "host")
        let (hostRange, host) = try stringField(&reader, "host", build: build)
        guard !hostRange.isEmpty else { throw defect(hostRange.lowerBound, "field \"host\" is empty") }
        try reader.expect(",")

        try key(&reader, "kind")
        let (kindRange, _) = try stringField(&reader, "kind", build: false)
        let kindBytes = UnsafeBufferPointer(rebasing: line[kindRange])
        let special: Envelope.Special
        if equal(kindBytes, createdKind) {
            special = .created
        } else if equal(kindBytes, repairedKind) {
            special = .tailRepaired
        } else {
            special = .other
            guard isDottedLowerCase(kindBytes) else {
                throw defect(kindRange.lowerBound, "field \"kind\" is not dotted lower-case")
            }
        }
        try reader.expect(",")

        try key(&reader, "prev")
        let (prevRange, _) = try stringField(&reader, "prev", build: false)
        guard let prev = Digest.parseHex(UnsafeBufferPointer(rebasing: line[prevRange])) else {
            throw defect(prevRange.lowerBound, "field \"prev\" is not 64 lower-case hex digits")
        }
        try reader.expect(",")

        try key(&reader, "seq")
        let seqStart = reader.position
        guard seqStart < line.count else { throw CanonicalDecodingError(offset: seqStart, problem: .unexpectedEnd) }
        guard line[seqStart] == UInt8(ascii: "-") || (line[seqStart] >= 0x30 && line[seqStart] <= 0x39) else {
            throw CanonicalDecodingError(offset: seqStart, problem: .wrongType(field: "seq", expected: "an integer"))
        }
        let seq = try reader.readInteger()
        try reader.expect(",")

        try key(&reader, "v")
        let vStart = reader.position
        guard vStart < line.count else { throw CanonicalDecodingError(offset: vStart, problem: .unexpectedEnd) }
        guard line[vStart] == UInt8(ascii: "-") || (line[vStart] >= 0x30 && line[vStart] <= 0x39) else {
            throw CanonicalDecodingError(offset: vStart, problem: .wrongType(field: "v", expected: "an integer"))
        }
        let version = try reader.readInteger()
        try reader.expect("}")
        try reader.expectEnd()

        guard version == Record.formatVersion else {
            throw defect(vStart, "format version \(version) is not \(Record.formatVersion)")
        }
        guard seq >= 1 else { throw defect(seqStart, "field \"seq\" must be 1 or more") }

        var body: [String: JSONValue] = [:]
        if build || special != .other {
            body = try bodyReader.readObject()
        }
        var record: Record? = nil
        if build {
            let kind = String(decoding: kindBytes, as: UTF8.self)
            record = Record(
                seq: seq, at: Timestamp(millisecondsSinceEpoch: at), actor: actor!, host: host!, kind: kind, body: body,
                prev: String(decoding: UnsafeBufferPointer(rebasing: line[prevRange]), as: UTF8.self))
        }
        return Envelope(seq: seq, prev: prev, atMilliseconds: at, special: special, body: body, record: record)
    }

    private static func defect(_ offset: Int, _ reason: String) -> LineDefect {
        LineDefect(offsetInLine: offset, reason: reason, endsEarly: false)
    }

    static let createdKind = Array(RecordKind.journalCreated.utf8)
    static let repairedKind = Array(RecordKind.tailRepaired.utf8)

    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }

    /// `[a-z][a-z0-9_]*` segments, at least two, joined by dots.
    static func isDottedLowerCase(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var segments = 1
        var atSegmentStart = true
        for c in b {
            if atSegmentStart {
                guard c >= UInt8(ascii: "a"), c <= UInt8(ascii: "z") else { return false }
                atSegmentStart = false
            } else if c == UInt8(ascii: ".") {
                segments += 1
                atSegmentStart = true
            } else {
                let ok =
                    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
                guard ok else { return false }
            }
        }
        return segments >= 2 && !atSegmentStart
    }
}

/// One journal line on its own: the strict envelope and canonical form of §2 of docs/journal-format.md, without the chain.
/// For tools and tests that look at single lines; a journal checks its lines through `ChainChecker`.
public enum JournalLine {
    /// The record of `line` (without its LF), or why the line is not one.
    public static func record(_ line: [UInt8]) throws(LineDefect) -> Record {
        let result: Result<Envelope, LineDefect> = line.withUnsafeBufferPointer { buffer in
            do throws(LineDefect) {
                return .success(try LineParser.parse(buffer, build: true))
            } catch {
                return .failure(error)
            }
        }
        return try result.get().record!
    }

    /// Whether the fast path the chain uses (no record built) agrees with `record(_:)`: the same verdict
    /// and, for a record, the same `seq` and `prev`.
    public static func fastPathAgrees(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { buffer in
            let full = try? LineParser.parse(buffer, build: true)
            let fast = try? LineParser.parse(buffer, build: false)
            switch (full, fast) {
            case (nil, nil): return true
            case (let a?, let b?): return a.seq == b.seq && a.prev == b.prev && a.atMilliseconds == b.atMilliseconds
            default: return false
            }
        }
    }
}
