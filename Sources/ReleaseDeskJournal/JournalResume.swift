import ReleaseDeskCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where a reader may take up a journal it did not read: the record that ends at byte `offset` (its LF
/// included) has `seq` and `hash` and is on line `line`. A verified-state snapshot names one
/// (docs/journal-format.md, "Verified-state snapshot").
public struct ResumePoint: Sendable, Equatable {
    public var journalID: String
    public var seq: Int64
    public var hash: String
    public var offset: Int64
    public var line: Int

    public init(journalID: String, seq: Int64, hash: String, offset: Int64, line: Int) {
        self.journalID = journalID
        self.seq = seq
        self.hash = hash
        self.offset = offset
        self.line = line
    }
}

extension Journal {
    /// The point after the last record read, for a snapshot of the state folded so far; nil when
    /// nothing was read, the journal is corrupt, or invalid lines wait for their repair.
    public var resumePoint: ResumePoint? {
        guard corruption == nil, let id = checker.journalID, checker.pendingFragments.isEmpty,
            let last = checker.last
        else { return nil }
        return ResumePoint(
            journalID: id, seq: last.seq, hash: last.hash.hex, offset: consumed, line: checker.lines)
    }

    /// Takes up the journal after `point` without reading what comes before it: the record that ends at
    /// `point.offset` is read from the file and must have `point.seq` and `point.hash`, and record 1 must
    /// name `point.journalID`. Returns why not (and changes nothing) when the file does not hold that
    /// record there. Only for a journal that has read nothing yet. The lines before `point` are not
    /// verified by this: the caller verifies the whole file by other means (`IntegrityCheck`).
    public func resume(at point: ResumePoint) throws(JournalError) -> String? {
        guard consumed == 0, checker.lines == 0 else { return "the journal was already read" }
        guard point.seq >= 1, point.offset > 0, point.line >= Int(point.seq) else { return "not a record's end" }
        guard let id = try Journal.identify(at: path, io: io), id == point.journalID else {
            return "the journal's id is not the snapshot's"
        }
        let size: Int64
        do throws(SystemCallError) { size = try io.size(fd) } catch { throw .io(error) }
        guard point.offset <= size else { return "the journal ends at byte \(size), before byte \(point.offset)" }
        // Read backwards from the offset until the LF before the record (or the start of the file).
        var window = Int64(4096)
        var bytes: [UInt8] = []
        var start = Int64(0)
        while true {
            start = max(0, point.offset - window)
            bytes = [UInt8](repeating: 0, count: Int(point.offset - start))
            let count = bytes.count
            let n: Int
            let outcome: Result<Int, SystemCallError> = bytes.withUnsafeMutableBytes { raw in
                do throws(SystemCallError) {
                    return .success(try io.pread(fd, raw.baseAddress!, count, start))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(let read): n = read
            case .failure(let error): throw .io(error)
            }
            guard n == count else { return "the journal could not be read at byte \(start)" }
            guard bytes.last == 0x0A else { return "no line ends at byte \(point.offset)" }
            if bytes.dropLast().lastIndex(of: 0x0A) != nil || start == 0 { break }
            guard window < 1 << 26 else { return "no record ends at byte \(point.offset)" }
            window *= 4
        }
        let lineStart = (bytes.dropLast().lastIndex(of: 0x0A)).map { $0 + 1 } ?? 0
        let line = Array(bytes[lineStart..<(bytes.count - 1)])
        var probe = ChainChecker(anchored: false)
        let parsed: Record?
        do {
            parsed = try line.withUnsafeBufferPointer { (buffer) throws(Corruption) -> Record? in
                try probe.accept(buffer, offset: start + Int64(lineStart), build: true)
            }
        } catch { return "the line that ends at byte \(point.offset) is not a record: \(error.reason)" }
        guard let record = parsed, let last = probe.last else { return "no record ends at byte \(point.offset)" }
        guard record.seq == point.seq else {
            return "the record that ends at byte \(point.offset) has seq \(record.seq), not \(point.seq)"
        }
        guard last.hash.hex == point.hash else {
            return "the record at seq \(point.seq) has hash \(last.hash.hex.prefix(12))…, not \(point.hash.prefix(12))…"
        }
        checker.resume(
            journalID: id, seq: point.seq, hash: last.hash, atMilliseconds: last.at, lines: point.line)
        consumed = point.offset
        return nil
    }
}
