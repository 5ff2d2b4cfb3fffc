import Testing

@testable import ReleaseDeskCore

@Suite("Timestamps")
struct TimestampTests {
    @Test func formatsTheJournalForm() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_772_323_200_123).description == "2026-03-01T00:00:00.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: 951_782_400_000).description == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
    }

    @Test func parsesWhatItFormats() {
        var t: Int64 = -86_400_000 * 400
        while t < 4_102_444_800_000 {
            let stamp = Timestamp(millisecondsSinceEpoch: t)
            #expect(Timestamp(journalForm: stamp.description) == stamp)
            t += 7_777_777_777
        }
    }

    @Test func refusesAnythingButTheExactForm() {
        for text in [
            "2026-03-01T00:00:00Z", "2026-03-01T00:00:00.12Z", "2026-03-01 00:00:00.000Z",
            "2026-03-01T00:00:00.000+00:00",
            "2026-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-04-31T00:00:00.000Z",
            "2026-03-01T24:00:00.000Z",
            "2026-03-01T00:60:00.000Z", "2026-03-01T00:00:60.000Z", "2026-03-01t00:00:00.000Z",
            "２026-03-01T00:00:00.000Z",
        ] {
            #expect(Timestamp(journalForm: text) == nil, "\(text)")
        }
        #expect(Timestamp(journalForm: "2024-02-29T23:59:59.999Z") != nil)
    }
}
