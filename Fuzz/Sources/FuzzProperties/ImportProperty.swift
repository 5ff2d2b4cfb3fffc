import CanonicalJSON
import ReleaseDeskCore

/// What must hold for any bytes given to the importer: a parsed file or problems, never a crash; every
/// problem names the file and a line that exists in it, and reads as one safe sentence; a parsed file's items
/// point at lines that exist; planning a parsed file against an empty desk gives records or such problems.
public enum ImportProperty {
    /// The properties `bytes`, read as the file `file` (`.json` or `.csv`), break (empty when all hold).
    public static func violations(_ bytes: [UInt8], file: String) -> [String] {
        var found: [String] = []
        var lineEnds = 0
        for byte in bytes where byte == 0x0A { lineEnds += 1 }
        let lines = lineEnds + 1
        func check(_ problems: ImportProblems, _ stage: String) {
            if problems.problems.isEmpty { found.append("\(stage) failed without naming a problem") }
            for problem in problems.problems {
                if problem.file != file { found.append("\(stage): a problem names file \(problem.file)") }
                if problem.line < 1 || problem.line > lines {
                    found.append("\(stage): a problem names line \(problem.line) of a file of \(lines) lines")
                }
                let sentence = problem.description
                if sentence.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) {
                    found.append("\(stage): a problem's message holds a control character")
                }
            }
        }
        switch ImportParser.parse(file: file, sha256: String(repeating: "0", count: 64), bytes: bytes) {
        case .failure(let problems):
            check(problems, "parsing")
        case .success(let parsed):
            for item in parsed.items where item.line < 1 || item.line > lines {
                found.append("an item names line \(item.line) of a file of \(lines) lines")
            }
            let planned = ImportPlanner.plan(
                [parsed], importID: "00000000-0000-4000-8000-000000000000", actor: "qa.fuzz", reason: nil,
                now: Timestamp(millisecondsSinceEpoch: 1_772_000_000_000), state: DeskState())
            if case .failure(let problems) = planned { check(problems, "planning") }
        }
        return found
    }
}
