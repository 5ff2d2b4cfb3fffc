import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// Regression tests for what the fuzz targets found (docs/fuzzing.md), one per bug.
@Suite("Fuzz findings")
struct FuzzFindingsTests {
    /// The sanitiser knew a fixed list of invisible characters; format controls outside it (Egyptian
    /// hieroglyph format controls such as U+13434, shorthand format controls, musical beams) reached the
    /// screen unseen. Found by `sanitizer`.
    @Test func sanitizerReplacesInvisibleFormatControlsOutsideItsList() {
        for v: UInt32 in [0x13434, 0x13430, 0x1BCA0, 0x1BCA3, 0x1D173, 0x1D17A, 0xFFF9] {
            let shown = DisplayText.sanitize("a" + String(Unicode.Scalar(v)!) + "b")
            #expect(shown == "a⟨U+\(String(v, radix: 16, uppercase: true))⟩b")
        }
        // Prepended concatenation marks are format characters that are drawn: they stay.
        for v: UInt32 in [0x0600, 0x06DD, 0x110BD] {
            let text = String(Unicode.Scalar(v)!) + "1"
            #expect(DisplayText.sanitize(text) == text)
        }
    }

    /// A time with more than three fraction digits (`…:00.1234Z`) trapped the importer (a range with its
    /// bounds reversed) instead of cutting the fraction to milliseconds as documented. Found while writing the
    /// import fuzz targets; the input is in their corpus.
    @Test func importerCutsTimesWithMoreThanThreeFractionDigits() {
        #expect(Timestamp(iso8601: "2026-03-01T08:30:00.1234Z")?.description == "2026-03-01T08:30:00.123Z")
        #expect(Timestamp(iso8601: "2026-03-01T08:30:00.123456789+01:00")?.description == "2026-03-01T07:30:00.123Z")
        #expect(Timestamp(iso8601: "2026-03-01T08:30:00.5Z")?.description == "2026-03-01T08:30:00.500Z")
        let csv = "batch,event_id,event,at,location,holder\nB-1,E1,received,2026-03-01T08:30:00.1234Z,QC,qc.lab\n"
        guard case .success(let parsed) = ImportParser.parse(file: "c.csv", sha256: "0", bytes: Array(csv.utf8)) else {
            Issue.record("the file was refused")
            return
        }
        #expect(parsed.items.count == 1)
    }
}
