import Dispatch
import ReleaseDeskCore

#if canImport(Glibc)
    import Glibc
#endif

/// The outcome of verifying a whole journal file (§5 of docs/journal-format.md).
public struct VerificationReport: Sendable {
    /// The verdict.
    public enum Status: String, Sendable {
        case ok
        case okWithWarnings = "ok-with-warnings"
        case corrupt
    }

    /// The verdict.
    public var status: Status
    /// The file verified.
    public var path: String
    /// Its size in bytes when verification started.
    public var bytes: Int64
    /// Complete lines read (records and repaired fragments), up to the first corruption.
    public var lines: Int
    /// Records that verified, up to the first corruption.
    public var records: Int
    /// The journal id from record 1.
    public var journalID: String?
    /// The last verified record's `seq` and hash.
    public var head: JournalHead
    /// The first corruption, if any.
    public var corruption: Corruption?
    /// Warnings (at most 100 kept; `warningCount` counts all).
    public var warnings: [JournalWarning]
    /// How many warnings there were.
    public var warningCount: Int
    /// Hashes of the records asked for by `watchSeqs`, when present.
    public var watchedHashes: [Int64: String]
}

/// Verifies a whole journal file, in parallel on large files.
///
/// The file is split at record boundaries; each part is checked by its own `ChainChecker`, and the parts
/// are joined by checking that each starts where the previous one ended.
public enum Verifier {
    /// Verifies the journal at `path`. Throws only when the file cannot be read.
    public static func verify(
        path: String, watchSeqs: Set<Int64> = [], parallelism: Int = max(1, min(8, systemProcessorCount()))
    ) throws(JournalError) -> VerificationReport {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(SystemCallError(call: "open", path: path, code: errno)) }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(SystemCallError(call: "fstat", path: path, code: errno)) }
        let size = Int(info.st_size)
        var report = VerificationReport(
            status: .ok, path: path, bytes: Int64(size), lines: 0, records: 0, journalID: nil,
            head: JournalHead(seq: 0, hash: Digest.zero.hex), corruption: nil, warnings: [], warningCount: 0,
            watchedHashes: [:])
        guard size > 0 else {
            report.status = .corrupt
            report.corruption = Corruption(
                line: 1, offset: 0, reason: "the file is empty: there is no journal.created record")
            return report
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .io(SystemCallError(call: "mmap", path: path, code: errno))
        }
        defer { munmap(mapped, size) }
        _ = madvise(mapped, size, MADV_SEQUENTIAL)
        let file = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: size)

        // Complete lines end at the last LF; what follows is an unterminated final segment.
        var completeEnd = size
        while completeEnd > 0 && file[completeEnd - 1] != 0x0A { completeEnd -= 1 }

        let parts = splitPoints(file, completeEnd: completeEnd, parts: completeEnd > (8 << 20) ? parallelism : 1)
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<ChunkResult>.allocate(capacity: parts.count)
        defer { results.deallocate() }
        nonisolated(unsafe) let shared = file  // read-only mapping, alive until this function returns
        let lastEnd = completeEnd
        DispatchQueue.concurrentPerform(iterations: parts.count) { index in
            let start = parts[index]
            let end = index + 1 < parts.count ? parts[index + 1] : lastEnd
            (results.baseAddress! + index).initialize(
                to: checkChunk(
                    shared, start..<end, anchored: index == 0, watchSeqs: watchSeqs, last: index == parts.count - 1))
        }
        defer { _ = results.baseAddress!.deinitialize(count: parts.count) }

        // Join the parts in order; the first problem in file order wins.
        var joined = results[0].checker
        var end = results[0].checker.last
        var corruption = results[0].corruption
        var lineBase = results[0].checker.lines
        var lastBase = 0  // lines before the last chunk
        for index in 1..<max(1, parts.count) where corruption == nil {
            let part = results[index]
            if let first = part.checker.first, let last = end {
                if first.seq != last.seq + 1 {
                    corruption = Corruption(
                        line: lineBase + 1, offset: Int64(parts[index]),
                        reason: "seq is \(first.seq) where \(last.seq + 1) was expected")
                } else if first.prev != last.hash {
                    // A chunk starts at a record that follows a record (see `splitPoints`).
                    corruption = Corruption.brokenLink(
                        from: lineBase, to: lineBase + 1, offset: Int64(parts[index]), expected: last.hash.hex)
                } else if first.at < last.at {
                    joined.warn(
                        line: lineBase + 1, offset: Int64(parts[index]),
                        "time \(Timestamp(millisecondsSinceEpoch: first.at)) is earlier than the previous record's "
                            + "\(Timestamp(millisecondsSinceEpoch: last.at)) (clock stepped back)")
                }
            }
            if corruption != nil { break }
            joined.absorbWarnings(of: part.checker, lineBase: lineBase)
            if let c = part.corruption { corruption = c.shifted(by: lineBase) }
            report.records += part.checker.records
            lastBase = lineBase
            lineBase += part.checker.lines
            if let last = part.checker.last { end = last }
        }
        report.records += results[0].checker.records
        report.lines = lineBase
        for index in 0..<parts.count {
            for (seq, hash) in results[index].checker.watchedHashes { report.watchedHashes[seq] = hash.hex }
        }

        let endChecker = results[parts.count - 1].checker
        if corruption == nil && !endChecker.pendingFragments.isEmpty {
            // Invalid lines at the end, without their repair: a torn write whose repair was torn (§4 item 4
            // of docs/journal-format.md), which the next writer repairs, or damage.
            let tail = completeEnd < size ? UnsafeBufferPointer(rebasing: file[completeEnd..<size]) : nil
            let fragments = endChecker.pendingFragments
            if endChecker.tornRepair(tail: tail) != nil {
                joined.warn(
                    line: fragments[0].line + lastBase, offset: fragments[0].offset,
                    "\(fragments.count) invalid line(s)\(tail == nil ? "" : " and \(tail!.count) bytes without a line end") "
                        + "from a torn write whose repair was torn too, never acknowledged; the next writer repairs them"
                )
            } else if let found = endChecker.unrepairedCorruption {
                corruption = found.shifted(by: lastBase)
            }
        } else if corruption == nil && completeEnd < size {
            // An unterminated final segment: a write in progress or torn (not yet there), unless it cannot
            // be a prefix of a record, which only damage produces.
            let tail = UnsafeBufferPointer(rebasing: file[completeEnd..<size])
            do {
                _ = try LineParser.parse(tail, build: false)
                joined.warn(
                    line: lineBase + 1, offset: Int64(completeEnd),
                    "the last \(tail.count) bytes have no line end: a record being written or torn, not yet "
                        + "acknowledged; the next writer completes or repairs it")
            } catch {
                if error.endsEarly {
                    joined.warn(
                        line: lineBase + 1, offset: Int64(completeEnd),
                        "the last \(tail.count) bytes are an unterminated fragment (a torn or unfinished write, "
                            + "never acknowledged); the next writer repairs it")
                } else {
                    corruption = Corruption(
                        line: lineBase + 1, offset: Int64(completeEnd),
                        reason: "the last \(tail.count) bytes have no line end and cannot be a torn write (\(error))")
                }
            }
        }
        if corruption == nil && completeEnd == 0 {
            corruption = Corruption(line: 1, offset: 0, reason: "the file holds no complete record")
        }

        report.journalID = results[0].checker.journalID
        if let last = end { report.head = JournalHead(seq: last.seq, hash: last.hash.hex) }
        report.warnings = joined.warnings
        report.warningCount = joined.warningCount
        report.corruption = corruption
        report.status = corruption != nil ? .corrupt : (joined.warningCount > 0 ? .okWithWarnings : .ok)
        return report
    }

    struct ChunkResult {
        var checker: ChainChecker
        var corruption: Corruption?
    }

    /// Checks the lines of `range`. Invalid lines at the end of the `last` chunk stay pending for the caller
    /// to judge with the final segment; anywhere else they are corruption.
    static func checkChunk(
        _ file: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, anchored: Bool, watchSeqs: Set<Int64>,
        last: Bool = true
    ) -> ChunkResult {
        var checker = ChainChecker(anchored: anchored)
        checker.watchSeqs = watchSeqs
        var start = range.lowerBound
        let base = file.baseAddress!
        while start < range.upperBound {
            guard let hit = memchr(base + start, 0x0A, range.upperBound - start) else { break }
            let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            do {
                _ = try checker.accept(
                    UnsafeBufferPointer(rebasing: file[start..<lf]), offset: Int64(start), build: false)
            } catch {
                return ChunkResult(checker: checker, corruption: error)
            }
            start = lf + 1
        }
        if !last, let found = checker.unrepairedCorruption { return ChunkResult(checker: checker, corruption: found) }
        return ChunkResult(checker: checker, corruption: nil)
    }

    /// Start offsets of `parts` chunks. Each chunk after the first starts at a line that is an ordinary
    /// record, follows an ordinary record and is followed by an ordinary record (a well-formed record that
    /// does not chain may be a repaired fragment, possibly one of several before their repair, which only
    /// the lines after it show), so chunks join by `seq` and `prev` alone.
    static func splitPoints(_ file: UnsafeBufferPointer<UInt8>, completeEnd: Int, parts: Int) -> [Int] {
        var points = [0]
        guard parts > 1 else { return points }
        let base = file.baseAddress!
        func lineEnd(from start: Int) -> Int? {
            guard start < completeEnd, let hit = memchr(base + start, 0x0A, completeEnd - start) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        func isOrdinaryRecord(_ range: Range<Int>) -> Bool {
            guard let envelope = try? LineParser.parse(UnsafeBufferPointer(rebasing: file[range]), build: false) else {
                return false
            }
            return envelope.special == .other
        }
        for k in 1..<parts {
            let target = completeEnd / parts * k
            guard target > points.last!, var previousEnd = lineEnd(from: target) else { continue }
            var attempts = 0
            while attempts < 64 {
                attempts += 1
                let start = previousEnd + 1
                guard let end = lineEnd(from: start) else { break }
                var previousStart = previousEnd
                while previousStart > 0 && file[previousStart - 1] != 0x0A { previousStart -= 1 }
                let nextIsOrdinary = lineEnd(from: end + 1).map { isOrdinaryRecord((end + 1)..<$0) } ?? false
                if isOrdinaryRecord(previousStart..<previousEnd) && isOrdinaryRecord(start..<end) && nextIsOrdinary {
                    points.append(start)
                    break
                }
                previousEnd = end
            }
        }
        return points
    }

    /// Processors available to this process.
    public static func systemProcessorCount() -> Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
