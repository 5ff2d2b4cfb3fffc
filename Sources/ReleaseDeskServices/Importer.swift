import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal

extension Desk {
    /// Imports `paths` atomically: every file is read, hashed and parsed, then checked under the journal lock
    /// against fresh state; either all records are written (with the reviews of the batches touched) or none.
    ///
    /// - Throws: `ImportProblems` naming file, line and field for bad input (nothing written); file errors.
    @discardableResult
    public func importFiles(
        _ paths: [String], by actor: String, reason: String?, now: () -> Timestamp = { SystemEnvironment.clock() },
        shiftingTimesBy shift: Int64 = 0, quietPerMille: Int = 100
    ) throws -> [Record] {
        try requireWritable("data.import")
        if let alarm { throw DeskError.alarm(alarm) }
        if (try? state.requireUser(actor, anyOf: [.qa, .admin], toDo: "import data")) == nil {
            // Re-checked under the lock; a refusal is journaled there.
            try perform("data.import", by: actor) { fresh throws(ActionRefusal) in
                _ = try fresh.requireUser(actor, anyOf: [.qa, .admin], toDo: "import data")
                return []
            }
        }
        if let reason, (try? ImportPlanner.requireReason(reason)) == nil {
            // A reason that says nothing is refused before any file is read; the refusal is journaled.
            try perform("data.import", by: actor) { _ throws(ActionRefusal) in
                try ImportPlanner.requireReason(reason)
                return []
            }
        }
        var parsed: [ParsedImport] = []
        var problems: [ImportProblem] = []
        for path in paths {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            guard var bytes = try FileBytes.read(path, limit: 1 << 30) else {
                throw ImportFileMissing(path: path)
            }
            var derivation: ParsedImport.Derivation?
            if shift != 0 {
                // The journal names the bytes it imported; the sample file they were made from is named beside
                // them (a file without times is imported as it is, and says so by naming no derivation).
                let shifted = DemoTimes.shift(bytes, byMilliseconds: shift)
                if shifted != bytes {
                    derivation = ParsedImport.Derivation(
                        from: DemoTimes.shortName(path), sha256: Digest.sha256(bytes).hex,
                        transformation: DemoTimes.describe(shift))
                    bytes = shifted
                }
            }
            let sha = Digest.sha256(bytes).hex
            switch ImportParser.parse(file: name, sha256: sha, bytes: bytes) {
            case .success(var file):
                file.derivation = derivation
                parsed.append(file)
            case .failure(let found): problems += found.problems
            }
        }
        guard problems.isEmpty else { throw ImportProblems(problems) }
        let importID = SystemEnvironment.randomUUID()
        try confirmBeforeWriting()
        let (_, written) = try journal.append { observed in
            for record in observed { state.apply(record) }
            _ = try state.requireUser(actor, anyOf: [.qa, .admin], toDo: "import data")
            switch ImportPlanner.plan(
                parsed, importID: importID, actor: actor, reason: reason, now: now(), state: state,
                quietPerMille: quietPerMille)
            {
            case .success(let drafts): return drafts
            case .failure(let found): throw found
            }
        }
        for record in written { state.apply(record) }
        return written
    }
}

/// An import file that does not exist.
public struct ImportFileMissing: Error, CustomStringConvertible {
    public var path: String
    public var description: String { "\(path) does not exist" }
}

/// Moves every time in sample files by a fixed amount, so the demo's clocks are alive whenever it opens.
public enum DemoTimes {
    /// The words the journal keeps for a shift of `ms` milliseconds.
    public static func describe(_ ms: Int64) -> String {
        "times shifted by \(ms < 0 ? "-" : "+")\(ms.magnitude) ms"
    }

    /// `path` as its folder and file name (`SampleData/batches.json`): where the sample file is, without the
    /// rest of this machine's path.
    public static func shortName(_ path: String) -> String {
        let parts = path.split(separator: "/").map(String.init)
        return parts.suffix(2).joined(separator: "/")
    }

    /// `bytes` with each `YYYY-MM-DDTHH:MM:SSZ`-style time (and date-only `"YYYY-MM-DD"` string) moved by `ms`.
    public static func shift(_ bytes: [UInt8], byMilliseconds ms: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if let (length, shifted) = timeAt(bytes, i, ms) {
                out += shifted
                i += length
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    static func timeAt(_ b: [UInt8], _ i: Int, _ ms: Int64) -> (Int, [UInt8])? {
        // Only times written with seconds and Z: YYYY-MM-DDTHH:MM:SSZ (20 bytes).
        guard i + 20 <= b.count, b[i + 4] == UInt8(ascii: "-"), b[i + 10] == UInt8(ascii: "T"),
            b[i + 19] == UInt8(ascii: "Z")
        else { return nil }
        let text = String(decoding: b[i..<(i + 20)], as: UTF8.self)
        guard let t = Timestamp(iso8601: text) else { return nil }
        let moved = Timestamp(millisecondsSinceEpoch: (t.millisecondsSinceEpoch + ms) / 60_000 * 60_000)
        let full = moved.description  // YYYY-MM-DDTHH:MM:SS.mmmZ
        return (20, Array(full.utf8.prefix(19)) + [UInt8(ascii: "Z")])
    }
}
