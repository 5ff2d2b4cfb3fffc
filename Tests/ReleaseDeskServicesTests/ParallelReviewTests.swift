import Foundation
import ReleaseDeskCore
import ReleaseDeskJournal
import Testing

@testable import ReleaseDeskServices

/// Reviews shared out over the processors are the reviews of one thread, in order.
@Suite("Parallel review")
struct ParallelReviewTests {
    @Test func reviewsOnEveryProcessorAreTheReviewsOfOneThreadInOrder() throws {
        let directory = try ReferenceJournalTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/journal.jsonl"
        let anchor = Timestamp(iso8601: "2026-06-01T00:00:00Z")!
        let generator = try SiteGenerator(
            masterDataPath: ReferenceJournalTests.sampleData + "/master-data.json", anchor: anchor)
        _ = try generator.writeJournal(
            count: 900, seed: 5, to: path, administrator: "admin", importer: "qa.sample", chunk: 300)
        let journal = try Journal.openForReading(at: path)
        var state = DeskState()
        try journal.readToEnd { state.apply($0) }
        let ids = state.batches.keys.sorted() + ["NO-SUCH-BATCH"]
        #expect(ids.count == 901)
        let now = anchor.adding(milliseconds: 40 * 86_400_000)  // some batches have expired by then
        let index = TrendIndex(state: state)
        let one = ids.map { state.review($0, now: now, index: index) }
        let many = state.reviews(of: ids, now: now, index: index)
        #expect(many == one)
        #expect(many.last! == nil)
        #expect(one.compactMap { $0 }.reduce(0) { $0 + $1.exceptions.count } > 0)
    }
}
