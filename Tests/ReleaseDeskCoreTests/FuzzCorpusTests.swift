import Foundation
import Testing

/// Replays the committed libFuzzer corpora of `import-json` and `import-csv` (Tests/FuzzCorpus) through the
/// property the fuzzers assert (`ImportProperty`, shared with Fuzz/).
@Suite("Fuzz corpus: imports")
struct ImportCorpusTests {
    @Test(arguments: [("import-json", "fuzz.json"), ("import-csv", "fuzz.csv")])
    func everyCommittedInputIsAValueOrAProblemNamingItsLine(target: String, file: String) throws {
        let inputs = try FuzzCorpus.inputs(target)
        #expect(inputs.count >= 10)
        for (name, bytes) in inputs {
            #expect(ImportProperty.violations(bytes, file: file) == [], "\(target)/\(name)")
        }
    }
}
