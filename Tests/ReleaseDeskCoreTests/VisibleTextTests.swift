import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// A reason must say something: white space and invisible characters alone are refused wherever a reason is
/// asked, and what is given is stored exactly, surrounding spaces included.
@Suite("Reasons carry visible text")
struct VisibleTextTests {
    static let invisible: [String] = [
        "", " ", "\t\n\r", "\u{A0}\u{2002}\u{3000}", "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}", "\u{202E}\u{2066}",
        "\u{2028}\u{2029}", "\u{85}\u{7}\u{1B}", "\u{301}\u{302}", "\u{FE0F}\u{FE00}\u{E0100}", "\u{2800}", "\u{3164}",
        "\u{115F}\u{1160}", "\u{FFA0}", "\u{AD}", "\u{180E}", "\u{E0041}\u{E007F}", "\u{E000}", "\u{1D173}",
        " \u{200B} \u{2800} \u{3164} ",
    ]

    static let visible: [String] = [
        "ok", " x ", "é", "e\u{301}", "山", "🧬", "-", "0", "\u{200B}a", "\u{2801}", "\u{0600}1",
    ]

    @Test func invisibleTextAloneHasNoVisibleText() {
        for text in Self.invisible {
            #expect(!DisplayText.hasVisibleText(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        for text in Self.visible { #expect(DisplayText.hasVisibleText(text), "\(text.debugDescription)") }
    }

    @Test func anInvisibleReasonIsRefusedAtGateReason() {
        for text in Self.invisible {
            #expect(throws: ActionRefusal(.rule, gate: "reason", "a reason is required and must hold visible text")) {
                try UserAdministration.requireReason(text)
            }
            #expect(throws: ActionRefusal(.rule, gate: "reason", "a reason is required and must hold visible text")) {
                try ReleaseRules.requireReason(text)
            }
            #expect(throws: ActionRefusal(.rule, gate: "comment", "comment is required and must hold visible text")) {
                try ReleaseRules.requireText(text, "comment")
            }
        }
    }

    @Test func aReasonIsStoredExactlyAsGiven() throws {
        #expect(try UserAdministration.requireReason("  two spaces\tand a tab\t") == "  two spaces\tand a tab\t")
        #expect(try ReleaseRules.requireText(" title ", "title") == " title ")
    }
}
