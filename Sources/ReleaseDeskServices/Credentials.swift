import CanonicalJSON
import Crypto
import ReleaseDeskJournal
import _CryptoExtras

#if canImport(Glibc)
    import Glibc
#endif

/// A password hash with the parameters that produced it.
public struct PasswordHash: Sendable, Equatable {
    /// log2 of the scrypt cost N.
    public var log2N: Int
    /// scrypt block size r.
    public var r: Int
    /// scrypt parallelism p.
    public var p: Int
    /// The random salt.
    public var salt: [UInt8]
    /// The derived key.
    public var hash: [UInt8]

    /// The parameters new hashes are made with: N = 2^17, r = 8, p = 1, 16-byte salt, 32-byte key.
    public static let standard = (log2N: 17, r: 8, p: 1, saltBytes: 16, keyBytes: 32)

    /// Hashes `password` with a fresh random salt and the standard parameters.
    public static func make(_ password: String) throws -> PasswordHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<standard.saltBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let log2N = newHashLog2N
        let hash = try derive(password, salt: salt, log2N: log2N, r: standard.r, p: standard.p)
        return PasswordHash(log2N: log2N, r: standard.r, p: standard.p, salt: salt, hash: hash)
    }

    /// The cost of new hashes: the standard one, except in debug builds where `RELEASEDESK_TEST_SCRYPT_LOG2N`
    /// (10 to 17) lowers it, so tests that sign in hundreds of times do not spend minutes in scrypt.
    static let newHashLog2N: Int = {
        #if RELEASEDESK_TEST_HOOKS
            if let raw = getenv("RELEASEDESK_TEST_SCRYPT_LOG2N"), let value = Int(String(cString: raw)),
                (10...standard.log2N).contains(value)
            {
                return value
            }
        #endif
        return standard.log2N
    }()

    /// Whether `password` produces this hash. The comparison takes the same time wherever bytes differ.
    public func matches(_ password: String) throws -> Bool {
        let candidate = try Self.derive(password, salt: salt, log2N: log2N, r: r, p: p)
        guard candidate.count == hash.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(candidate, hash) { difference |= a ^ b }
        return difference == 0
    }

    static func derive(_ password: String, salt: [UInt8], log2N: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: standard.keyBytes, rounds: 1 << log2N,
            blockSize: r,
            parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }
}

/// The credential file beside the journal: scrypt hashes of passwords, never in the journal.
///
/// Mode 0600, replaced atomically (temporary file, `fsync`, `rename`, directory `fsync`).
public struct CredentialStore: Sendable {
    /// The file's path.
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The credential file that belongs to the journal at `journalPath`.
    public static func path(forJournal journalPath: String) -> String {
        let base = journalPath.hasSuffix(".jsonl") ? String(journalPath.dropLast(6)) : journalPath
        return base + ".credentials.json"
    }

    /// Every stored hash, by user id. A missing file holds none.
    public func load() throws(CredentialError) -> [String: PasswordHash] {
        let bytes: [UInt8]
        do throws(FileBytes.Failure) {
            guard let read = try FileBytes.read(path) else { return [:] }
            bytes = read
        } catch {
            throw .unreadable(path, error.description)
        }
        var content = bytes
        if content.last == 0x0A { content.removeLast() }
        guard let value = try? CanonicalJSON.decode(content),
            value["format"]?.stringValue == "releasedesk-credentials/1", let users = value["users"]?.arrayValue
        else { throw .garbled(path) }
        var result: [String: PasswordHash] = [:]
        for entry in users {
            guard let user = entry["user"]?.stringValue, entry["scheme"]?.stringValue == "scrypt",
                let log2N = entry["log2_n"]?.intValue, let r = entry["r"]?.intValue, let p = entry["p"]?.intValue,
                let salt = entry["salt"]?.stringValue.flatMap(Hex.decode),
                let hash = entry["hash"]?.stringValue.flatMap(Hex.decode),
                (10...22).contains(log2N), (1...32).contains(r), (1...16).contains(p)
            else { throw .garbled(path) }
            result[user] = PasswordHash(log2N: Int(log2N), r: Int(r), p: Int(p), salt: salt, hash: hash)
        }
        return result
    }

    /// Stores `hashes`, replacing the file atomically.
    public func save(_ hashes: [String: PasswordHash]) throws(CredentialError) {
        let users: [JSONValue] = hashes.keys.sorted().map { user in
            let h = hashes[user]!
            return [
                "user": .string(user), "scheme": "scrypt", "log2_n": .int(Int64(h.log2N)), "r": .int(Int64(h.r)),
                "p": .int(Int64(h.p)), "salt": .string(Hex.encode(h.salt)), "hash": .string(Hex.encode(h.hash)),
            ]
        }
        var bytes = (try? CanonicalJSON.encode(["format": "releasedesk-credentials/1", "users": .array(users)])) ?? []
        bytes.append(0x0A)
        do throws(FileBytes.Failure) {
            try FileBytes.replaceAtomically(path, with: bytes, mode: 0o600)
        } catch {
            throw .unwritable(path, error.description)
        }
    }

    /// Sets the password of `user`, returning the previous hashes so a caller can roll back.
    @discardableResult
    public func setPassword(_ password: String, for user: String) throws -> [String: PasswordHash] {
        let previous = try load()
        var next = previous
        next[user] = try PasswordHash.make(password)
        try save(next)
        return previous
    }
}

/// Why the credential file could not be used.
public enum CredentialError: Error, Equatable, CustomStringConvertible {
    case unreadable(String, String)
    case unwritable(String, String)
    case garbled(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let why): return "cannot read the credential file \(path): \(why)"
        case .unwritable(let path, let why): return "cannot write the credential file \(path): \(why)"
        case .garbled(let path): return "the credential file \(path) is not valid"
        }
    }
}

/// Rules a new password must meet.
public enum PasswordPolicy {
    /// The shortest password accepted.
    public static let minimumLength = 8

    /// Why `password` is not acceptable for `user`, or `nil` when it is.
    public static func problem(with password: String, for user: String) -> String? {
        if password.count < minimumLength { return "a password has at least \(minimumLength) characters" }
        if password.lowercased() == user.lowercased() { return "a password may not be the user id" }
        if password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "a password may not contain control characters"
        }
        return nil
    }
}

/// Lower-case hex.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
