import Foundation
import Testing

@testable import ReleaseDeskServices

/// The sample data compiled into the program is the folder `SampleData/`, byte for byte: after a change to a
/// sample file, `scripts/make-embedded-files` writes it again.
@Suite("Built-in sample data")
struct BuiltInSampleDataTests {
    @Test func theBuiltInSampleDataIsTheSampleDataFolder() throws {
        let folder = DemoProvenanceTests.sampleData
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(
            Set(BuiltInSampleData.files.keys) == Set(names),
            "SampleData/ and the built-in sample data differ: run scripts/make-embedded-files")
        for name in names {
            let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            let same = BuiltInSampleData.files[name].map { Array($0.utf8) } == file
            #expect(same, "\(name) differs from the built-in copy: run scripts/make-embedded-files")
        }
        for group in DemoSite.dataFiles {
            for name in group { #expect(BuiltInSampleData.files[name] != nil, "\(name) is not built in") }
        }
    }
}
