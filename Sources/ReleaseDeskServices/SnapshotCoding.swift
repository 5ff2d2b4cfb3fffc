/// The compact binary form of a `Codable` value that the verified-state snapshot stores
/// (docs/journal-format.md, "Verified-state snapshot", payload).
///
/// Every value is a tag byte and its payload:
///
/// | tag | value | payload |
/// | --- | --- | --- |
/// | 0 | nil | none |
/// | 1, 2 | false, true | none |
/// | 3 | signed integer | zig-zag LEB128 |
/// | 4 | unsigned integer | LEB128 |
/// | 5 | floating point | 8 bytes, IEEE 754 bit pattern, little-endian |
/// | 6 | string | LEB128 byte count, UTF-8 |
/// | 7 | keyed container | 4-byte little-endian entry count, then each entry: key, value |
/// | 8 | unkeyed container | 4-byte little-endian element count, then the elements |
///
/// Coding paths are not tracked (an error names the byte where it was found): building one for every value
/// was a large share of the time to read a state.
///
/// A key is a LEB128 number: 0 introduces a new key (LEB128 byte count, UTF-8), which takes the next number
/// from 1 up in the order keys first appear; any other number names a key introduced earlier. A container's
/// count is written when it is opened and raised as its elements are written, so a value is written in one
/// pass without a tree of nodes. Keys are read in the order they were written: a key asked for that is not
/// the next one is absent (`contains` is false, an optional is nil, a required value is an error), so a type's
/// decoding must ask for its keys in the order its encoding wrote them. Anything the reader does not expect is an error, and the
/// snapshot is then ignored (the journal is read from its first record): this form is a cache, never the
/// record.
enum SnapshotCoding {
    static let maxDepth = 256

    enum Tag: UInt8 {
        case null = 0, no = 1, yes = 2, signed = 3, unsigned = 4, float = 5, string = 6, keyed = 7, unkeyed = 8
    }

    /// The bytes of `value`.
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = Writer()
        try writer.encodeValue(value, codingPath: [])
        return writer.bytes
    }

    /// The value of type `T` in `bytes`, which must be used up exactly.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decode(type, from: bytes[...])
    }

    /// The value of type `T` in `bytes` (a part of a larger buffer, read in place), which must be used up exactly.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: ArraySlice<UInt8>) throws -> T {
        try bytes.withUnsafeBytes { raw in
            let reader = Reader(raw)
            let value = try T(from: SnapshotDecoder(reader: reader, codingPath: []))
            guard reader.position == raw.count else {
                throw reader.error("\(raw.count - reader.position) bytes left over after the value", [])
            }
            return value
        }
    }
}

// MARK: - Writing

extension SnapshotCoding {
    final class Writer {
        var bytes: [UInt8] = []
        private var keyNumbers: [String: UInt64] = [:]
        private var depth = 0

        init() { bytes.reserveCapacity(1 << 20) }

        func tag(_ tag: Tag) { bytes.append(tag.rawValue) }

        func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }

        func signed(_ value: Int64) {
            tag(.signed)
            varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
        }

        func unsigned(_ value: UInt64) {
            tag(.unsigned)
            varint(value)
        }

        func float(_ value: Double) {
            tag(.float)
            var bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
        }

        func string(_ value: String) {
            tag(.string)
            rawString(value)
        }

        private func rawString(_ value: String) {
            var value = value
            value.withUTF8 { utf8 in
                varint(UInt64(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }

        func key(_ key: any CodingKey) {
            let name = key.stringValue
            if let number = keyNumbers[name] {
                varint(number)
            } else {
                keyNumbers[name] = UInt64(keyNumbers.count + 1)
                varint(0)
                rawString(name)
            }
        }

        /// Opens a container: its tag and a count of zero, raised by `count(at:)`; returns where the count is.
        func open(_ tag: Tag) -> Int {
            self.tag(tag)
            let at = bytes.count
            bytes.append(contentsOf: [0, 0, 0, 0])
            return at
        }

        /// One more element in the container whose count is at `at`.
        func count(at: Int) throws {
            var n = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
            n |= UInt32(bytes[at + 3]) << 24
            guard n < UInt32.max else { throw SnapshotRejection("a container of the state has too many elements") }
            n += 1
            bytes[at] = UInt8(truncatingIfNeeded: n)
            bytes[at + 1] = UInt8(truncatingIfNeeded: n >> 8)
            bytes[at + 2] = UInt8(truncatingIfNeeded: n >> 16)
            bytes[at + 3] = UInt8(truncatingIfNeeded: n >> 24)
        }

        func encodeValue<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
            if T.self == String.self {
                string(value as! String)
            } else if T.self == Int64.self {
                signed(value as! Int64)
            } else if T.self == Bool.self {
                tag(value as! Bool ? .yes : .no)
            } else {
                guard depth < SnapshotCoding.maxDepth else {
                    throw SnapshotRejection("the state is nested too deeply to write")
                }
                depth += 1
                defer { depth -= 1 }
                let before = bytes.count
                try value.encode(to: SnapshotEncoder(writer: self, codingPath: codingPath))
                // A value that wrote nothing (an empty custom encoding) is written as an empty keyed container.
                if bytes.count == before { _ = open(.keyed) }
            }
        }
    }

    struct SnapshotEncoder: Encoder {
        let writer: Writer
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(
                KeyedWriter<Key>(writer: writer, countAt: writer.open(.keyed), codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            UnkeyedWriter(writer: writer, countAt: writer.open(.unkeyed), codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            SingleWriter(writer: writer, codingPath: codingPath)
        }
    }

    struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let writer: Writer
        let countAt: Int
        var codingPath: [any CodingKey]

        private func entry(_ key: Key) throws {
            try writer.count(at: countAt)
            writer.key(key)
        }

        mutating func encodeNil(forKey key: Key) throws {
            try entry(key)
            writer.tag(.null)
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws {
            try entry(key)
            writer.tag(value ? .yes : .no)
        }
        mutating func encode(_ value: String, forKey key: Key) throws {
            try entry(key)
            writer.string(value)
        }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            try entry(key)
            writer.float(value)
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            try entry(key)
            writer.float(Double(value))
        }
        mutating func encode(_ value: Int, forKey key: Key) throws {
            try entry(key)
            writer.signed(Int64(value))
        }
        mutating func encode(_ value: Int8, forKey key: Key) throws {
            try entry(key)
            writer.signed(Int64(value))
        }
        mutating func encode(_ value: Int16, forKey key: Key) throws {
            try entry(key)
            writer.signed(Int64(value))
        }
        mutating func encode(_ value: Int32, forKey key: Key) throws {
            try entry(key)
            writer.signed(Int64(value))
        }
        mutating func encode(_ value: Int64, forKey key: Key) throws {
            try entry(key)
            writer.signed(value)
        }
        mutating func encode(_ value: UInt, forKey key: Key) throws {
            try entry(key)
            writer.unsigned(UInt64(value))
        }
        mutating func encode(_ value: UInt8, forKey key: Key) throws {
            try entry(key)
            writer.unsigned(UInt64(value))
        }
        mutating func encode(_ value: UInt16, forKey key: Key) throws {
            try entry(key)
            writer.unsigned(UInt64(value))
        }
        mutating func encode(_ value: UInt32, forKey key: Key) throws {
            try entry(key)
            writer.unsigned(UInt64(value))
        }
        mutating func encode(_ value: UInt64, forKey key: Key) throws {
            try entry(key)
            writer.unsigned(value)
        }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try entry(key)
            try writer.encodeValue(value, codingPath: codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            try? entry(key)
            return KeyedEncodingContainer(
                KeyedWriter<NestedKey>(writer: writer, countAt: writer.open(.keyed), codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            try? entry(key)
            return UnkeyedWriter(writer: writer, countAt: writer.open(.unkeyed), codingPath: codingPath)
        }

        mutating func superEncoder() -> any Encoder {
            superEncoder(forKey: Key(stringValue: "super")!)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            try? entry(key)
            return SnapshotEncoder(writer: writer, codingPath: codingPath)
        }
    }

    struct UnkeyedWriter: UnkeyedEncodingContainer {
        let writer: Writer
        let countAt: Int
        var codingPath: [any CodingKey]
        var count = 0

        init(writer: Writer, countAt: Int, codingPath: [any CodingKey]) {
            self.writer = writer
            self.countAt = countAt
            self.codingPath = codingPath
        }

        private mutating func element() throws {
            try writer.count(at: countAt)
            count += 1
        }

        mutating func encodeNil() throws {
            try element()
            writer.tag(.null)
        }
        mutating func encode(_ value: Bool) throws {
            try element()
            writer.tag(value ? .yes : .no)
        }
        mutating func encode(_ value: String) throws {
            try element()
            writer.string(value)
        }
        mutating func encode(_ value: Double) throws {
            try element()
            writer.float(value)
        }
        mutating func encode(_ value: Int) throws {
            try element()
            writer.signed(Int64(value))
        }
        mutating func encode(_ value: Int64) throws {
            try element()
            writer.signed(value)
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try element()
            try writer.encodeValue(value, codingPath: codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            try? element()
            return KeyedEncodingContainer(
                KeyedWriter<NestedKey>(writer: writer, countAt: writer.open(.keyed), codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            try? element()
            return UnkeyedWriter(writer: writer, countAt: writer.open(.unkeyed), codingPath: codingPath)
        }

        mutating func superEncoder() -> any Encoder {
            try? element()
            return SnapshotEncoder(writer: writer, codingPath: codingPath)
        }
    }

    struct SingleWriter: SingleValueEncodingContainer {
        let writer: Writer
        var codingPath: [any CodingKey]

        mutating func encodeNil() throws { writer.tag(.null) }
        mutating func encode(_ value: Bool) throws { writer.tag(value ? .yes : .no) }
        mutating func encode(_ value: String) throws { writer.string(value) }
        mutating func encode(_ value: Double) throws { writer.float(value) }
        mutating func encode(_ value: Float) throws { writer.float(Double(value)) }
        mutating func encode(_ value: Int) throws { writer.signed(Int64(value)) }
        mutating func encode(_ value: Int8) throws { writer.signed(Int64(value)) }
        mutating func encode(_ value: Int16) throws { writer.signed(Int64(value)) }
        mutating func encode(_ value: Int32) throws { writer.signed(Int64(value)) }
        mutating func encode(_ value: Int64) throws { writer.signed(value) }
        mutating func encode(_ value: UInt) throws { writer.unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt8) throws { writer.unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt16) throws { writer.unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt32) throws { writer.unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt64) throws { writer.unsigned(value) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try writer.encodeValue(value, codingPath: codingPath)
        }
    }
}

// MARK: - Reading

extension SnapshotCoding {
    final class Reader {
        let raw: UnsafeRawBufferPointer
        var position = 0
        /// Keys by number - 1, in the order they first appear.
        private(set) var keys: [String] = []
        /// Where the last key introduction that was taken into `keys` began: a walk over entries that are
        /// read again later must not number their keys twice.
        private var introducedUpTo = -1
        private var depth = 0

        init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

        func error(_ what: String, _ codingPath: [any CodingKey]) -> DecodingError {
            DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath, debugDescription: "\(what) (at byte \(position))"))
        }

        func byte(_ codingPath: [any CodingKey]) throws -> UInt8 {
            guard position < raw.count else { throw error("the state ends early", codingPath) }
            defer { position += 1 }
            return raw[position]
        }

        func peekTag(_ codingPath: [any CodingKey]) throws -> Tag {
            guard position < raw.count else { throw error("the state ends early", codingPath) }
            guard let tag = Tag(rawValue: raw[position]) else {
                throw error("unknown tag \(raw[position])", codingPath)
            }
            return tag
        }

        func expect(_ tag: Tag, _ codingPath: [any CodingKey]) throws {
            let found = try peekTag(codingPath)
            guard found == tag else { throw error("expected \(tag), found \(found)", codingPath) }
            position += 1
        }

        func varint(_ codingPath: [any CodingKey]) throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte(codingPath)
                guard shift < 64, shift < 63 || b <= 1 else { throw error("a number is too long", codingPath) }
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }

        func count(_ codingPath: [any CodingKey]) throws -> Int {
            guard position + 4 <= raw.count else { throw error("the state ends early", codingPath) }
            let n =
                Int(raw[position]) | Int(raw[position + 1]) << 8 | Int(raw[position + 2]) << 16
                | Int(raw[position + 3]) << 24
            position += 4
            // Every element takes at least one byte: a count beyond what is left is damage.
            guard n <= raw.count - position else { throw error("a count of \(n) beyond the end", codingPath) }
            return n
        }

        func signed(_ codingPath: [any CodingKey]) throws -> Int64 {
            try expect(.signed, codingPath)
            let z = try varint(codingPath)
            return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
        }

        func unsigned(_ codingPath: [any CodingKey]) throws -> UInt64 {
            try expect(.unsigned, codingPath)
            return try varint(codingPath)
        }

        func float(_ codingPath: [any CodingKey]) throws -> Double {
            try expect(.float, codingPath)
            guard position + 8 <= raw.count else { throw error("the state ends early", codingPath) }
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(raw[position + i]) << (8 * UInt64(i)) }
            position += 8
            return Double(bitPattern: bits)
        }

        func bool(_ codingPath: [any CodingKey]) throws -> Bool {
            switch try peekTag(codingPath) {
            case .yes:
                position += 1
                return true
            case .no:
                position += 1
                return false
            case let other: throw error("expected a Boolean, found \(other)", codingPath)
            }
        }

        func string(_ codingPath: [any CodingKey]) throws -> String {
            try expect(.string, codingPath)
            return try rawString(codingPath)
        }

        private func rawString(_ codingPath: [any CodingKey]) throws -> String {
            let length = try varint(codingPath)
            guard length <= UInt64(raw.count - position) else { throw error("a string beyond the end", codingPath) }
            let bytes = UnsafeRawBufferPointer(rebasing: raw[position..<(position + Int(length))])
            position += Int(length)
            // The payload's SHA-256 and MAC were checked before it is read: not validated again here.
            return String(decoding: bytes, as: UTF8.self)
        }

        /// The next key, and its number.
        func key(_ codingPath: [any CodingKey]) throws -> String {
            let start = position
            let number = try varint(codingPath)
            if number == 0 {
                let name = try rawString(codingPath)
                if start > introducedUpTo {
                    keys.append(name)
                    introducedUpTo = start
                }
                return name
            }
            guard number <= UInt64(keys.count) else {
                throw error("key number \(number) was never introduced", codingPath)
            }
            return keys[Int(number - 1)]
        }

        /// Steps over one value.
        func skipValue(_ codingPath: [any CodingKey], depth: Int = 0) throws {
            guard depth < SnapshotCoding.maxDepth else { throw error("the state is nested too deeply", codingPath) }
            let tag = try peekTag(codingPath)
            position += 1
            switch tag {
            case .null, .no, .yes: return
            case .signed, .unsigned: _ = try varint(codingPath)
            case .float:
                guard position + 8 <= raw.count else { throw error("the state ends early", codingPath) }
                position += 8
            case .string: _ = try rawString(codingPath)
            case .keyed:
                for _ in 0..<(try count(codingPath)) {
                    _ = try key(codingPath)
                    try skipValue(codingPath, depth: depth + 1)
                }
            case .unkeyed:
                for _ in 0..<(try count(codingPath)) { try skipValue(codingPath, depth: depth + 1) }
            }
        }

        func decodeValue<T: Decodable>(_ type: T.Type, codingPath: [any CodingKey]) throws -> T {
            if type == String.self { return try string(codingPath) as! T }
            if type == Int64.self { return try signed(codingPath) as! T }
            if type == Bool.self { return try bool(codingPath) as! T }
            guard depth < SnapshotCoding.maxDepth else { throw error("the state is nested too deeply", codingPath) }
            depth += 1
            defer { depth -= 1 }
            return try T(from: SnapshotDecoder(reader: self, codingPath: codingPath))
        }

        func integer<T: FixedWidthInteger>(_ type: T.Type, _ codingPath: [any CodingKey]) throws -> T {
            if T.isSigned {
                let v = try signed(codingPath)
                guard let exact = T(exactly: v) else { throw error("\(v) does not fit \(T.self)", codingPath) }
                return exact
            }
            let v = try unsigned(codingPath)
            guard let exact = T(exactly: v) else { throw error("\(v) does not fit \(T.self)", codingPath) }
            return exact
        }
    }

    struct SnapshotDecoder: Decoder {
        let reader: Reader
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            try reader.expect(.keyed, codingPath)
            let count = try reader.count(codingPath)
            return KeyedDecodingContainer(
                KeyedReader<Key>(reader: reader, entries: Entries(remaining: count), codingPath: codingPath))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try reader.expect(.unkeyed, codingPath)
            return UnkeyedReader(reader: reader, count: try reader.count(codingPath), codingPath: codingPath)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            SingleReader(reader: reader, codingPath: codingPath)
        }
    }

    /// Where a keyed container stands: entries not read yet, and the next entry's key once looked at.
    final class Entries {
        var remaining: Int
        /// The next entry's key and where its value starts (nil: not looked at yet).
        var next: (key: String, valueAt: Int)?

        init(remaining: Int) { self.remaining = remaining }
    }

    struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let reader: Reader
        let entries: Entries
        var codingPath: [any CodingKey]

        /// The next entry's key (the reader is then at its value), or nil when none is left.
        private func peek() throws -> String? {
            if let next = entries.next { return next.key }
            guard entries.remaining > 0 else { return nil }
            let name = try reader.key(codingPath)
            entries.next = (name, reader.position)
            return name
        }

        /// Positions the reader at the value of `key`, which must be the next entry.
        private func take(_ key: Key) throws {
            guard try peek() == key.stringValue else {
                throw DecodingError.keyNotFound(
                    key,
                    DecodingError.Context(
                        codingPath: codingPath, debugDescription: "the next entry is not \(key.stringValue)"))
            }
            entries.next = nil
            entries.remaining -= 1
        }

        var allKeys: [Key] {
            // Steps over the entries left and comes back: keys are then read again in order.
            guard (try? peek()) != nil, let first = entries.next else { return [] }
            let resume = reader.position
            defer { reader.position = resume }
            var keys: [Key] = []
            keys.reserveCapacity(entries.remaining)
            if let key = Key(stringValue: first.key) { keys.append(key) }
            do {
                try reader.skipValue(codingPath)
                for _ in 1..<max(entries.remaining, 1) {
                    let name = try reader.key(codingPath)
                    if let key = Key(stringValue: name) { keys.append(key) }
                    try reader.skipValue(codingPath)
                }
            } catch {
                return keys
            }
            return keys
        }

        func contains(_ key: Key) -> Bool { (try? peek()) == key.stringValue }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard try peek() == key.stringValue else { return true }
            guard try reader.peekTag(codingPath) == .null else { return false }
            try take(key)
            reader.position += 1
            return true
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try take(key)
            return try reader.bool(codingPath)
        }
        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try take(key)
            return try reader.string(codingPath)
        }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            try take(key)
            return try reader.float(codingPath)
        }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
            try take(key)
            return Float(try reader.float(codingPath))
        }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            try take(key)
            return try reader.integer(Int.self, codingPath)
        }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
            try take(key)
            return try reader.integer(Int8.self, codingPath)
        }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
            try take(key)
            return try reader.integer(Int16.self, codingPath)
        }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
            try take(key)
            return try reader.integer(Int32.self, codingPath)
        }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
            try take(key)
            return try reader.signed(codingPath)
        }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
            try take(key)
            return try reader.integer(UInt.self, codingPath)
        }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
            try take(key)
            return try reader.integer(UInt8.self, codingPath)
        }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
            try take(key)
            return try reader.integer(UInt16.self, codingPath)
        }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
            try take(key)
            return try reader.integer(UInt32.self, codingPath)
        }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
            try take(key)
            return try reader.unsigned(codingPath)
        }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try take(key)
            return try reader.decodeValue(type, codingPath: codingPath)
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type, forKey key: Key
        ) throws -> KeyedDecodingContainer<NestedKey> {
            try take(key)
            return try SnapshotDecoder(reader: reader, codingPath: codingPath).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try take(key)
            return try SnapshotDecoder(reader: reader, codingPath: codingPath).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            try superDecoder(forKey: Key(stringValue: "super")!)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            try take(key)
            return SnapshotDecoder(reader: reader, codingPath: codingPath)
        }
    }

    struct UnkeyedReader: UnkeyedDecodingContainer {
        let reader: Reader
        let total: Int
        var currentIndex = 0
        var codingPath: [any CodingKey]

        init(reader: Reader, count: Int, codingPath: [any CodingKey]) {
            self.reader = reader
            self.total = count
            self.codingPath = codingPath
        }

        var count: Int? { total }
        var isAtEnd: Bool { currentIndex >= total }

        private mutating func next() throws {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    Any.self, DecodingError.Context(codingPath: codingPath, debugDescription: "no element is left"))
            }
            currentIndex += 1
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, try reader.peekTag(codingPath) == .null else { return false }
            currentIndex += 1
            reader.position += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool {
            try next()
            return try reader.bool(codingPath)
        }
        mutating func decode(_ type: String.Type) throws -> String {
            try next()
            return try reader.string(codingPath)
        }
        mutating func decode(_ type: Double.Type) throws -> Double {
            try next()
            return try reader.float(codingPath)
        }
        mutating func decode(_ type: Int.Type) throws -> Int {
            try next()
            return try reader.integer(Int.self, codingPath)
        }
        mutating func decode(_ type: Int64.Type) throws -> Int64 {
            try next()
            return try reader.signed(codingPath)
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try next()
            return try reader.decodeValue(type, codingPath: codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try next()
            return try SnapshotDecoder(reader: reader, codingPath: codingPath).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next()
            return try SnapshotDecoder(reader: reader, codingPath: codingPath).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            try next()
            return SnapshotDecoder(reader: reader, codingPath: codingPath)
        }
    }

    struct SingleReader: SingleValueDecodingContainer {
        let reader: Reader
        var codingPath: [any CodingKey]

        func decodeNil() -> Bool { (try? reader.peekTag(codingPath)) == .null ? consumeNil() : false }
        private func consumeNil() -> Bool {
            reader.position += 1
            return true
        }
        func decode(_ type: Bool.Type) throws -> Bool { try reader.bool(codingPath) }
        func decode(_ type: String.Type) throws -> String { try reader.string(codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try reader.float(codingPath) }
        func decode(_ type: Float.Type) throws -> Float { Float(try reader.float(codingPath)) }
        func decode(_ type: Int.Type) throws -> Int { try reader.integer(Int.self, codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try reader.integer(Int8.self, codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try reader.integer(Int16.self, codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try reader.integer(Int32.self, codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try reader.signed(codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try reader.integer(UInt.self, codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try reader.integer(UInt8.self, codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try reader.integer(UInt16.self, codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try reader.integer(UInt32.self, codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try reader.unsigned(codingPath) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try reader.decodeValue(type, codingPath: codingPath) }
    }
}
