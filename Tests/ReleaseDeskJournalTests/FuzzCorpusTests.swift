import Foundation
import Testing

/// Replays the committed libFuzzer corpus of `journal-line` (Tests/FuzzCorpus) through the property the
/// fuzzer asserts (`JournalLineProperty`, shared with Fuzz/).
@Suite("Fuzz corpus: journal lines")
struct JournalLineCorpusTests {
    @Test func everyCommittedInputKeepsTheLineProperties() throws {
        let inputs = try FuzzCorpus.inputs("journal-line")
        #expect(inputs.count >= 10)
        for (name, bytes) in inputs {
            #expect(JournalLineProperty.violations(bytes) == [], "\(name)")
        }
    }

    @Test func theGoldenJournalsLinesKeepTheLineProperties() throws {
        var path = #filePath
        path = String(path[..<path.lastIndex(of: "/")!]) + "/Golden/journal-v1.jsonl"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let lines = data.split(separator: 0x0A)
        #expect(lines.count >= 3)
        for line in lines { #expect(JournalLineProperty.violations(Array(line)) == []) }
    }
}
