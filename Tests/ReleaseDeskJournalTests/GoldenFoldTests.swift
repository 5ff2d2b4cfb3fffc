import Foundation
import ReleaseDeskCore
import Testing

/// Journals written before a body field was added fold with today's reader.
@Suite("Golden journal fold")
struct GoldenFoldTests {
    @Test func theGoldenJournalStillFoldsWithTodaysReader() throws {
        let url = try #require(
            Bundle.module.url(forResource: "journal-v1", withExtension: "jsonl", subdirectory: "Golden"))
        let (_, records) = try Fixture.openReadingAll(url.path)
        let state = DeskState.replay(records)
        #expect(state.lastSeq == records.last?.seq)
        #expect(state.users["qp.maria"]?.name == "María José Fernández")
        #expect(state.users.count == records.filter { $0.kind == RecordKind.userEnrolled }.count)
        #expect(state.users.values.contains { $0.isLocked })
    }
}
