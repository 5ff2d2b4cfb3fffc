import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// The CSV export against text from hostile-input corpora: combining marks after a quote or comma, formula
/// starts, prepended marks before a delimiter.
@Suite("CSV export of hostile text")
struct CSVExportTests {
    /// The cells of one row, read unit by unit (code points, or graphemes), as the sanitiser's fuzz property
    /// reads them.
    static func cells<U: Equatable>(_ units: [U], quote: U, comma: U) -> [[U]] {
        SanitizerProperty.csvCells(units, quote: quote, comma: comma)
    }

    static let hostile: [String] = [
        "\u{301}", "\"\u{301}", ",\u{301}", "a\"\u{301}b", "a,\u{301}b", "\u{301},\u{301}\"\u{301}",
        "\u{301}=1+1", "=1+1", "@SUM(1)", "\u{20DD}@SUM(1)", "+\u{301}1", "-\u{300}", " =1", "\u{FF1D}1+1",
        "\u{600}", "a\u{600}", "\u{600},x", "x\u{600}\"", "\u{1F1E6}\u{1F1E8},\u{1F1E6}", "e\u{301}\u{302}\u{303}",
        "\u{1100}\u{1161}", "\u{1161}", "\"", ",", "\"\"", "a\nb", "tab\tx", "\r=1",
    ]

    static let formulaStarts: Set<Unicode.Scalar> = [
        "=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}",
    ]

    @Test func everyHostileCellIsOneCellForCodePointAndGraphemeReaders() {
        for text in Self.hostile {
            let row = ["a", AuditText.csvField(text), AuditText.csvField(text), "z"].joined(separator: ",")
            let byScalar = Self.cells(
                Array(row.unicodeScalars), quote: Unicode.Scalar("\""), comma: Unicode.Scalar(","))
            let byGrapheme = Self.cells(Array(row), quote: Character("\""), comma: Character(","))
            #expect(byScalar.count == 4, "\(text.debugDescription) → \(row.debugDescription)")
            #expect(byGrapheme.count == 4, "\(text.debugDescription) → \(row.debugDescription)")
            #expect(String(String.UnicodeScalarView(byScalar[1])) == String(byGrapheme[1]))
        }
    }

    @Test func noCellStartsAFormulaUnprefixed() {
        for text in Self.hostile {
            let row = ["a", AuditText.csvField(text)].joined(separator: ",")
            let cell = Self.cells(Array(row.unicodeScalars), quote: Unicode.Scalar("\""), comma: Unicode.Scalar(","))[1]
            let lead = cell.first { $0 != " " }
            #expect(
                lead.map { !Self.formulaStarts.contains($0) } ?? true,
                "\(text.debugDescription) → \(row.debugDescription)")
        }
    }

    @Test func aCombiningMarkAfterAQuoteOrCommaGetsItsOwnBase() {
        #expect(AuditText.csvField("\u{301}") == "\u{25CC}\u{301}")
        #expect(AuditText.csvField("a,\u{301}b") == "\"a,\u{25CC}\u{301}b\"")
        #expect(AuditText.csvField("a\"\u{301}") == "\"a\"\"\u{25CC}\u{301}\"")
        #expect(AuditText.csvField("x\u{600}") == "x\u{600}\u{25CC}")
        #expect(AuditText.csvField("\u{301}=1+1") == "\u{25CC}\u{301}=1+1")
        #expect(AuditText.csvField("e\u{301}") == "e\u{301}")
        #expect(AuditText.csvField("山田 健二") == "山田 健二")
    }

    @Test func aRecordWithHostileTextIsOneRowOfTenCells() {
        for text in Self.hostile {
            let record = Record(
                seq: 7, at: Timestamp(millisecondsSinceEpoch: 0), actor: "qa.anna", host: "h",
                kind: RecordKind.batchCommented,
                body: ["batch": .string("B-\u{301}1"), "reason": .string(text)], prev: Record.zeroHash)
            let row = AuditText.csvRow(record)
            #expect(row.hasSuffix("\r\n"))
            let line = String(row.unicodeScalars.dropLast(2))
            #expect(
                Self.cells(Array(line.unicodeScalars), quote: Unicode.Scalar("\""), comma: Unicode.Scalar(",")).count
                    == AuditText.csvColumns.count)
            #expect(
                Self.cells(Array(line), quote: Character("\""), comma: Character(",")).count
                    == AuditText.csvColumns.count)
        }
    }
}
