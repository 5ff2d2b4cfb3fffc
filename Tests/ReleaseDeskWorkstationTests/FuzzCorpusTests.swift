import Foundation
import ReleaseDeskCore
import Testing

/// Replays the committed libFuzzer corpus of `sanitizer` (Tests/FuzzCorpus) through the property the fuzzer
/// asserts (`SanitizerProperty`, shared with Fuzz/), and shows that the property sees what it must forbid.
@Suite("Fuzz corpus: the sanitiser and the cell buffer")
struct SanitizerCorpusTests {
    @Test func everyCommittedInputLeavesNothingHiddenOrControlling() throws {
        let inputs = try FuzzCorpus.inputs("sanitizer")
        #expect(inputs.count >= 10)
        for (name, bytes) in inputs {
            #expect(SanitizerProperty.violations(bytes) == [], "\(name)")
        }
    }

    @Test func thePropertyForbidsWhatTheSanitiserPromisesToRemove() {
        for v: UInt32 in [0x00, 0x07, 0x1B, 0x7F, 0x85, 0x9B, 0x202E, 0x2066, 0x200B, 0xFEFF, 0x2028, 0xE0041, 0x1BCA0]
        {
            #expect(SanitizerProperty.isForbidden(Unicode.Scalar(v)!), "U+\(String(v, radix: 16))")
        }
        #expect(SanitizerProperty.isForbidden("\n") && !SanitizerProperty.isForbidden("\n", multiline: true))
        for v: UInt32 in [0x41, 0xE9, 0x301, 0x4E2D, 0x1F600, 0x0600, 0x241B] {
            #expect(!SanitizerProperty.isForbidden(Unicode.Scalar(v)!), "U+\(String(v, radix: 16))")
        }
    }
}
