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

/// The committed corpus of a fuzz target.
enum FuzzCorpus {
    /// (file name, bytes) of every file under Tests/FuzzCorpus/`target`, sorted by name.
    static func inputs(_ target: String) throws -> [(String, [UInt8])] {
        var path = #filePath
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        let directory = path + "/FuzzCorpus/" + target
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        return try names.map { name in
            (name, Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))))
        }
    }
}
