import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

@Suite("Display sanitiser and widths")
struct DisplayTextTests {
    static let hostile: [(String, String)] = [
        ("\u{1B}[2J\u{1B}[31mred", "␛[2J␛[31mred"),
        ("\u{1B}]52;c;ZXZpbA==\u{7}", "␛]52;c;ZXZpbA==␇"),  // OSC 52 clipboard
        ("\u{1B}]8;;http://evil\u{1B}\\link\u{1B}]8;;\u{1B}\\", "␛]8;;http://evil␛\\link␛]8;;␛\\"),  // OSC 8
        ("\u{1B}]0;title\u{7}", "␛]0;title␇"),
        ("a\u{9B}31mb", "a⟨U+009B⟩31mb"),  // C1 CSI
        ("\u{85}next", "⟨U+0085⟩next"),
        ("admin\u{202E}nimda", "admin⟨U+202E⟩nimda"),
        ("\u{2066}iso\u{2069}", "⟨U+2066⟩iso⟨U+2069⟩"),
        ("zero\u{200B}width\u{FEFF}", "zero⟨U+200B⟩width⟨U+FEFF⟩"),
        ("del\u{7F}", "del␡"),
        ("nul\u{0}bell\u{7}", "nul␀bell␇"),
        ("line\nbreak\ttab", "line␤break␉tab"),
        ("\u{E0041}tag", "⟨U+E0041⟩tag"),
    ]

    @Test func hostileTextBecomesVisiblePlaceholders() {
        for (input, expected) in Self.hostile {
            let shown = DisplayText.sanitize(input)
            #expect(shown == expected, "\(input.debugDescription)")
            #expect(!shown.unicodeScalars.contains { DisplayText.isHidden($0) })
        }
    }

    @Test func multilineLayoutKeepsNewlinesAndTabsOnly() {
        #expect(DisplayText.sanitize("a\nb\tc\r\u{1B}", layout: .multiline) == "a\nb\tc␍␛")
    }

    @Test func ordinaryTextIsUnchanged() {
        for text in ["José Fernández", "山田太郎", "e\u{301}", "76.5 %", "≥ 80 %", "‼ critical", "🧬"] {
            #expect(DisplayText.sanitize(text) == text)
        }
    }

    @Test func invalidUTF8BytesAreShownAsTheirValues() {
        #expect(DisplayText.sanitize(bytes: [0x61, 0xFF, 0x62, 0xC3]) == "a⟨0xFF⟩b⟨0xC3⟩")
        #expect(DisplayText.sanitize(bytes: Array("é\u{1B}".utf8)) == "é␛")
    }

    @Test func asciiFallbackNamesWhatItHides() {
        #expect(DisplayText.asciiFallback("José \u{1B}x") == "Jos? <ESC>x")
    }

    @Test func widthsCountDisplayColumns() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("山田太郎") == 8)
        #expect(DisplayWidth.of("José") == 4)
        #expect(DisplayWidth.of("Jose\u{301}") == 4)
        #expect(DisplayWidth.truncate("山田太郎", to: 5) == "山田…")
        #expect(DisplayWidth.pad("山", to: 4) == "山  ")
    }

    @Test func csvCellsAreNeutralisedAndQuoted() {
        #expect(AuditText.csvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(AuditText.csvField("+1") == "'+1")
        #expect(AuditText.csvField("-1") == "'-1")
        #expect(AuditText.csvField("@SUM(A1)") == "'@SUM(A1)")
        #expect(AuditText.csvField("a,b") == "\"a,b\"")
        #expect(AuditText.csvField("plain") == "plain")
        #expect(AuditText.csvField("\u{1B}[1m") == "␛[1m")
    }

    @Test func safeJSONEscapesWhatCouldControlATerminalAndParsesToTheSameValue() throws {
        let value: JSONValue = ["text": .string("a\u{9B}b\u{202E}c\u{1B}d")]
        let line = AuditText.safeJSON(value)
        #expect(line == #"{"text":"a\u009bb\u202ec\u001bd"}"#)
        #expect(!line.unicodeScalars.contains { DisplayText.isHidden($0) })
    }
}
