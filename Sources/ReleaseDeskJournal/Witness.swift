import CanonicalJSON

#if canImport(Glibc)
    import Glibc
#endif

/// What one user's client last verified of a journal (§6 of docs/journal-format.md): its id, a `seq` and that record's hash.
public struct Witness: Sendable, Equatable {
    /// The journal's id.
    public var journalID: String
    /// The `seq` of the last record verified.
    public var seq: Int64
    /// That record's hash.
    public var hash: String

    public init(journalID: String, seq: Int64, hash: String) {
        self.journalID = journalID
        self.seq = seq
        self.hash = hash
    }

    /// Checks the journal's hash at `seq` against this witness; `nil` when it matches, otherwise the alarm.
    public func check(hashAtSeq: String?) -> String? {
        if hashAtSeq == hash { return nil }
        if hashAtSeq == nil {
            return "history changed since you last saw it at seq \(seq): the journal no longer holds that record"
        }
        return "history changed since you last saw it at seq \(seq): that record's hash is now different"
    }
}

/// Keeps witnesses in a directory (by default `$XDG_STATE_HOME/releasedesk/`), one file per journal id,
/// mode 0600, written through a temporary file, `fsync` and `rename`.
public struct WitnessStore: Sendable {
    /// The directory holding the witness files.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    func path(for journalID: String) -> String { "\(directory)/witness-\(journalID).json" }

    /// The witness for `journalID`, or `nil` when there is none yet.
    public func load(journalID: String) throws(WitnessError) -> Witness? {
        let file = path(for: journalID)
        let read: [UInt8]?
        do {
            read = try FileBytes.read(file, limit: 65536)
        } catch {
            throw .unreadable(file, error.description)
        }
        guard var bytes = read else { return nil }
        if bytes.last == 0x0A { bytes.removeLast() }
        guard let value = try? CanonicalJSON.decode(bytes), let id = value["journal_id"]?.stringValue,
            let seq = value["seq"]?.intValue, let hash = value["hash"]?.stringValue, id == journalID
        else { throw .garbled(file) }
        return Witness(journalID: id, seq: seq, hash: hash)
    }

    /// Saves `witness`, replacing the previous one atomically.
    public func save(_ witness: Witness) throws(WitnessError) {
        let file = path(for: witness.journalID)
        do {
            try FileBytes.makeDirectories(directory, mode: 0o700)
            var bytes = try CanonicalJSON.encode(
                ["journal_id": .string(witness.journalID), "seq": .int(witness.seq), "hash": .string(witness.hash)])
            bytes.append(0x0A)
            try FileBytes.replaceAtomically(file, with: bytes, mode: 0o600)
        } catch let error as FileBytes.Failure {
            throw .unwritable(file, error.description)
        } catch {
            throw .unwritable(file, "\(error)")
        }
    }
}

/// Why a witness could not be read or written.
public enum WitnessError: Error, Equatable, CustomStringConvertible {
    case unreadable(String, String)
    case unwritable(String, String)
    case garbled(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let why): return "cannot read the witness file \(path): \(why)"
        case .unwritable(let path, let why): return "cannot write the witness file \(path): \(why)"
        case .garbled(let path): return "the witness file \(path) is not a valid witness"
        }
    }
}
