import CanonicalJSON
import Crypto
import Foundation
import ReleaseDeskCore
import ReleaseDeskJournal

/// The verified-state snapshot (docs/journal-format.md, "Verified-state snapshot"): the folded `DeskState`
/// at a record, with that record's seq, hash, line and byte offset, kept beside this user's witnesses.
///
/// The policy is here, in one place, as `WitnessPolicy` holds the witness rule: when a snapshot may be used
/// (same journal id, same format version, same security policy, the MAC of this user's key, and the record
/// at its seq still has its hash in the file at its offset, which the journal checks by reading it), and
/// when one is written. A snapshot never outranks the journal: one that does not match is ignored and the
/// journal is read from its first record.
public enum SnapshotPolicy {
    /// The first line of every snapshot file; a snapshot of another version is ignored.
    public static let format = "releasedesk-snapshot/2"
    /// A snapshot is rewritten when opening replayed at least this many records after it (or had none).
    public static let rewriteAfter: Int64 = 10_000

    /// What a snapshot file says of itself (its second line, canonical JSON).
    public struct Header: Sendable, Equatable {
        public var point: ResumePoint
        public var payloadLength: Int
        public var payloadSHA256: String
        public var mac: String
    }

    /// A snapshot that matched the journal: its state and where the journal goes on.
    public struct Loaded: Sendable {
        public var state: DeskState
        public var point: ResumePoint
    }

    /// The snapshot file of journal `journalID` in `directory`.
    public static func path(in directory: String, journalID: String) -> String {
        "\(directory)/snapshot-\(journalID).bin"
    }

    /// This user's snapshot key (32 random bytes, mode 0600), beside the snapshots.
    static func keyPath(in directory: String) -> String { "\(directory)/snapshot.key" }

    /// Reads and checks the snapshot of `journalID`: nil when there is none; `.failure` with why it was
    /// ignored. The journal itself is checked by the caller (`JournalStore.resume(at:)`).
    public static func load(
        directory: String, journalID: String, policy: SecurityPolicy
    ) -> Result<Loaded, SnapshotRejection>? {
        let file = path(in: directory, journalID: journalID)
        guard FileBytes.exists(file) else { return nil }
        let bytes: [UInt8]
        do {
            guard let read = try FileBytes.read(file, limit: 1 << 34) else { return nil }
            bytes = read
        } catch {
            return .failure(SnapshotRejection("cannot read \(file): \(error)"))
        }
        do {
            let loaded = try decode(bytes, key: try key(in: directory, create: false), policy: policy)
            guard loaded.point.journalID == journalID else {
                throw SnapshotRejection("it is the snapshot of journal \(loaded.point.journalID)")
            }
            return .success(loaded)
        } catch let rejection as SnapshotRejection {
            return .failure(rejection)
        } catch {
            return .failure(SnapshotRejection("\(error)"))
        }
    }

    /// The record the snapshot of `journalID` names, from its header alone (its MAC checked, its state not
    /// read): where a verification of the whole journal can start while the state is loaded. Nil when there is
    /// no usable header; `load` makes every check again.
    public static func namedPoint(directory: String, journalID: String) -> ResumePoint? {
        let file = path(in: directory, journalID: journalID)
        guard let prefix = try? FileBytes.readPrefix(file, count: 4096),
            let key = try? key(in: directory, create: false),
            let (point, _, _) = try? header(prefix, key: key)
        else { return nil }
        return point.journalID == journalID ? point : nil
    }

    /// Writes the snapshot of `state` at `point` atomically (temporary file, fsync, rename).
    public static func save(_ state: DeskState, at point: ResumePoint, directory: String) throws {
        guard state.lastSeq == point.seq, state.journalID == point.journalID else {
            throw SnapshotRejection("the state is not at the snapshot's record")
        }
        try FileBytes.makeDirectories(directory, mode: 0o700)
        guard let key = try key(in: directory, create: true) else { throw SnapshotRejection("no snapshot key") }
        let bytes = try encode(state, at: point, key: key)
        try FileBytes.replaceAtomically(path(in: directory, journalID: point.journalID), with: bytes, mode: 0o600)
    }

    /// The bytes of a snapshot: the format line, the header line, the state in `SnapshotCoding`'s binary form.
    public static func encode(_ state: DeskState, at point: ResumePoint, key: [UInt8]) throws -> [UInt8] {
        let payload = try SnapshotCoding.encode(state)
        let payloadHash = Digest.sha256(payload).hex
        var header = headerFields(point, length: payload.count, sha256: payloadHash)
        header["mac"] = .string(mac(key: key, header: header))
        var bytes = Array(format.utf8) + [0x0A]
        bytes += try CanonicalJSON.encode(.object(header)) + [0x0A]
        bytes += payload
        return bytes
    }

    /// The snapshot in `bytes`, checked: format line, header, length, SHA-256 and MAC of the payload, the
    /// state's own seq and journal id, and the security policy. Throws `SnapshotRejection` saying why not.
    public static func decode(_ bytes: [UInt8], key: [UInt8]?, policy: SecurityPolicy) throws -> Loaded {
        guard let key else { throw SnapshotRejection("this user has no snapshot key") }
        let (point, length, payloadHash) = try header(bytes, key: key)
        let formatLength = format.utf8.count + 1
        let lf = bytes[formatLength...].firstIndex(of: 0x0A)!  // found by `header`
        let payload = bytes[(lf + 1)...]  // not copied: a state can be hundreds of megabytes
        guard payload.count == length else {
            throw SnapshotRejection("its state has \(payload.count) bytes where the header says \(length)")
        }
        guard payload.withUnsafeBytes({ Digest.sha256($0) }).hex == payloadHash else {
            throw SnapshotRejection("its state does not have the SHA-256 its header names")
        }
        let state: DeskState
        do {
            state = try SnapshotCoding.decode(DeskState.self, from: payload)
        } catch {
            throw SnapshotRejection("its state cannot be read: \(error)")
        }
        guard state.lastSeq == point.seq, state.journalID == point.journalID else {
            throw SnapshotRejection("its state is not at the record its header names")
        }
        guard state.policy == policy else { throw SnapshotRejection("it was folded under other security settings") }
        return Loaded(state: state, point: point)
    }

    /// The header at the start of `bytes` (the format line, then the header line), its MAC checked: the
    /// record it names, and the payload's length and SHA-256.
    static func header(_ bytes: [UInt8], key: [UInt8]) throws -> (ResumePoint, Int64, String) {
        let formatLine = Array(format.utf8) + [0x0A]
        guard bytes.count > formatLine.count, Array(bytes[0..<formatLine.count]) == formatLine else {
            throw SnapshotRejection("it is not a \(format) snapshot")
        }
        let rest = bytes[formatLine.count...]
        guard let lf = rest.firstIndex(of: 0x0A) else { throw SnapshotRejection("its header is cut off") }
        guard case .object(var header)? = try? CanonicalJSON.decode(Array(rest[rest.startIndex..<lf])),
            let id = header["journal_id"]?.stringValue, let seq = header["seq"]?.intValue,
            let hash = header["hash"]?.stringValue, let offset = header["offset"]?.intValue,
            let line = header["line"]?.intValue, let length = header["payload_length"]?.intValue,
            let payloadHash = header["payload_sha256"]?.stringValue, let mac = header["mac"]?.stringValue,
            let fold = header["fold"]?.intValue
        else { throw SnapshotRejection("its header is not valid") }
        header["mac"] = nil
        guard Self.mac(key: key, header: header) == mac else {
            throw SnapshotRejection("its header was not written with this user's snapshot key")
        }
        guard fold == DeskState.foldRevision else {
            throw SnapshotRejection(
                "it was folded by revision \(fold) of the fold; this program folds by revision \(DeskState.foldRevision)"
            )
        }
        return (ResumePoint(journalID: id, seq: seq, hash: hash, offset: offset, line: Int(line)), length, payloadHash)
    }

    static func headerFields(_ point: ResumePoint, length: Int, sha256: String) -> [String: JSONValue] {
        [
            "journal_id": .string(point.journalID), "seq": .int(point.seq), "hash": .string(point.hash),
            "offset": .int(point.offset), "line": .int(Int64(point.line)), "payload_length": .int(Int64(length)),
            "payload_sha256": .string(sha256), "fold": .int(DeskState.foldRevision),
        ]
    }

    /// HMAC-SHA256 under this user's key of the header without its `mac` (the header names the payload's
    /// SHA-256, so the MAC covers the state too).
    static func mac(key: [UInt8], header: [String: JSONValue]) -> String {
        let message = (try? CanonicalJSON.encode(.object(header))) ?? []
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return code.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }

    /// This user's snapshot key: read, or made (32 bytes from the system's random source) when `create`.
    static func key(in directory: String, create: Bool) throws -> [UInt8]? {
        let file = keyPath(in: directory)
        if let bytes = try FileBytes.read(file, limit: 4096), bytes.count == 32 { return bytes }
        guard create else { return nil }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try FileBytes.replaceAtomically(file, with: key, mode: 0o600)
        return key
    }
}

/// Why a snapshot was ignored: the journal is read from its first record instead.
public struct SnapshotRejection: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
