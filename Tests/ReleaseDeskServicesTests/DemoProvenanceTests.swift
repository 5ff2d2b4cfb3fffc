import Foundation
import ReleaseDeskCore
import ReleaseDeskJournal
import Testing

@testable import ReleaseDeskServices

/// The demo journal says what it imported: the SHA-256 of the time-shifted copies, and the sample file each
/// was made from with its own SHA-256 and the shift.
@Suite("Demo provenance")
struct DemoProvenanceTests {
    static let sampleData: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/SampleData"
    }()

    @Test func theDemoRecordsTheBytesItImportedAndTheSampleFileTheyWereShiftedFrom() throws {
        let directory = NSTemporaryDirectory() + "releasedesk-demo-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = directory + "/journal.jsonl"
        let locations = Locations(
            journal: journal, credentials: CredentialStore.path(forJournal: journal),
            stateDirectory: directory + "/state")
        let now = Timestamp(iso8601: "2026-03-02T10:17:00Z")!
        _ = try DemoSite.build(sampleData: Self.sampleData, at: locations, now: now)
        let anchor = try DemoSite.anchorDay(in: Self.sampleData)
        let shift = now.millisecondsSinceEpoch / 86_400_000 * 86_400_000 - anchor.millisecondsSinceEpoch

        let text = try String(contentsOfFile: journal, encoding: .utf8)
        let commits = text.split(separator: "\n").compactMap { line -> [[String: Any]]? in
            guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                record["kind"] as? String == RecordKind.importCommitted, let body = record["body"] as? [String: Any]
            else { return nil }
            return body["files"] as? [[String: Any]]
        }
        let files = commits.flatMap { $0 }
        #expect(files.count == DemoSite.dataFiles.joined().count)
        var shifted = 0
        for file in files {
            let name = try #require(file["name"] as? String)
            let original = try #require(try FileBytes.read(Self.sampleData + "/" + name))
            let imported = DemoTimes.shift(original, byMilliseconds: shift)
            #expect(file["sha256"] as? String == Digest.sha256(imported).hex, "\(name)")
            guard imported != original else {
                // A file without times (master data) is imported as it is: no derivation to name.
                #expect(file["derived_from"] == nil && file["derived_sha256"] == nil && file["transformation"] == nil)
                continue
            }
            shifted += 1
            #expect(file["derived_sha256"] as? String == Digest.sha256(original).hex, "\(name)")
            #expect(file["derived_from"] as? String == "SampleData/" + name)
            #expect(file["transformation"] as? String == "times shifted by +\(shift) ms")
        }
        #expect(shifted == files.count - 1)
    }

    @Test func anImportOfAFileAsItIsNamesNoDerivation() throws {
        let parsed = try ImportParser.parse(
            file: "master-data.json", sha256: "0",
            bytes: try #require(try FileBytes.read(Self.sampleData + "/master-data.json"))
        ).get()
        #expect(parsed.derivation == nil)
        #expect(DemoTimes.describe(-5) == "times shifted by -5 ms")
        #expect(DemoTimes.shortName("/a/b/SampleData/batches.json") == "SampleData/batches.json")
    }
}
