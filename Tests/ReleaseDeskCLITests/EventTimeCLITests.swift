import Foundation
import Testing

/// Event times that cannot be true are refused by the real binary: exit 65, file, line and field named, the
/// journal's bytes unchanged.
@Suite("Import event times through the command line", .serialized)
struct EventTimeCLITests {
    static let sampleData: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/SampleData"
    }()

    @Test func futureAndPreApheresisEventTimesExit65NamingFileLineAndFieldWithTheJournalUnchanged() throws {
        let cli = CLI()
        defer { cli.remove() }
        try cli.initialised()
        let master = try cli.run(
            ["import", Self.sampleData + "/master-data.json", "--user", "qa.anna", "--password-stdin"],
            input: "qa-pass-123\n")
        #expect(master.status == 0, "\(master.stderr)")
        let tomorrow = String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400)))
        let files: [(String, String, String)] = [
            (
                "future.json",
                """
                {"batches": [{"id": "B-1", "product": "KYM-19", "site": "SITE-1", "coi": "COI-1", "patient_weight_kg": "72",
                  "apheresis_at": "2026-01-01T08:00:00Z", "manufacture_start": "2026-01-02T08:00:00Z", "expiry": "2030-01-01",
                  "custody": [{"event_id": "C1", "event": "collected", "at": "\(tomorrow)", "location": "clinic", "holder": "nurse"}]}]}
                """,
                "future.json:3: field batches[0].custody[0].at: "
            ),
            (
                "early.json",
                """
                {"batches": [{"id": "B-2", "product": "KYM-19", "site": "SITE-1", "coi": "COI-2", "patient_weight_kg": "72",
                  "apheresis_at": "2026-01-01T08:00:00Z", "manufacture_start": "2026-01-02T08:00:00Z", "expiry": "2030-01-01",
                  "steps": [{"id": "S1", "name": "selection", "performed_by": "op", "performed_at": "2025-12-31T08:00:00Z"}]}]}
                """,
                "early.json:3: field batches[0].steps[0].performed_at: 2025-12-31T08:00:00.000Z is before the batch's apheresis"
            ),
        ]
        let before = try HostileTextCLITests.sha256(cli.journal)
        for (name, text, message) in files {
            let path = cli.directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try cli.run(["import", path, "--user", "qa.anna", "--password-stdin"], input: "qa-pass-123\n")
            #expect(result.status == 65, "\(name): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(name): \(result.stderr)")
        }
        #expect(try HostileTextCLITests.sha256(cli.journal) == before)
    }
}
