import Testing

@testable import ReleaseDeskCore

#if canImport(Glibc)
    import Glibc
#endif

/// `DisplayWidth` measured against the C library's `wcwidth()`, which is what the terminal uses to place
/// what it draws.
@Suite("Display widths against wcwidth")
struct DisplayWidthGlibcTests {
    /// The widths the product gives on purpose where `wcwidth()` gives -1 ("not printable"):
    /// - C0 controls, DEL and C1 controls measure 0: they never reach the terminal (the sanitiser replaces
    ///   them with a visible placeholder, which is measured on its own);
    /// - every other code point `wcwidth()` calls unprintable (unassigned, noncharacters) measures 1, the
    ///   replacement glyph a terminal draws for it.
    static func allowedDifference(_ v: UInt32, product: Int, glibc: Int32) -> Bool {
        guard glibc == -1 else { return false }
        let control = v < 0x20 || (0x7F...0x9F).contains(v)
        return control ? product == 0 : product == 1
    }

    #if canImport(Glibc)
        /// The C library's `wcwidth()` (not exported by the Glibc module's headers, so looked up by name).
        static let wcwidth: @convention(c) (Int32) -> Int32 = {
            let symbol = dlsym(dlopen(nil, RTLD_NOW), "wcwidth")!
            return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
        }()

        @Test func everyCodePointMeasuresWhatWcwidthSays() throws {
            try #require(setlocale(LC_ALL, "C.UTF-8") != nil, "the C.UTF-8 locale is needed")
            var differences: [String] = []
            var checked = 0
            for v in UInt32(0)...0x10FFFF {
                guard let scalar = Unicode.Scalar(v) else { continue }  // surrogates are not scalars
                checked += 1
                let product = DisplayWidth.of(scalar)
                let glibc = Self.wcwidth(Int32(bitPattern: v))
                if Int(glibc) == product || Self.allowedDifference(v, product: product, glibc: glibc) { continue }
                if differences.count < 20 {
                    differences.append("U+\(String(v, radix: 16, uppercase: true)): \(product) vs \(glibc)")
                }
            }
            #expect(checked == 0x110000 - 0x800)
            #expect(
                differences.isEmpty, "DisplayWidth differs from wcwidth() (\(DisplayWidth.tableSource)): \(differences)"
            )
        }
    #endif

    @Test func charactersTheTerminalDrawsAreNeverMeasuredNarrower() {
        // Prepended concatenation marks and other characters found measured too narrow.
        for v: UInt32 in [0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F] {
            #expect(DisplayWidth.of(Unicode.Scalar(v)!) == 1, "U+\(String(v, radix: 16))")
        }
        for v: UInt32 in [0x4DC0, 0x18D00, 0x1AFF0, 0x1F260, 0x1F6DD, 0x1F7F0] {
            #expect(DisplayWidth.of(Unicode.Scalar(v)!) == 2, "U+\(String(v, radix: 16))")
        }
        #expect(DisplayWidth.of("\u{0600}\u{4DC0}\u{1F7F0}") == 5)
    }

    @Test func padAndTruncateKeepColumnsWithWideSymbols() {
        let cell = DisplayWidth.pad("\u{1F6DD}\u{1AFF0}ab", to: 8)
        #expect(DisplayWidth.of(cell) == 8)
        #expect(DisplayWidth.truncate("\u{4DC0}\u{4DC0}\u{4DC0}", to: 4) == "\u{4DC0}…")
    }

    @Test func theTablesAreSortedAndDoNotOverlap() {
        for table in [DisplayWidth.zeroWidthRanges, DisplayWidth.wideRanges] {
            for (a, b) in zip(table, table.dropFirst()) { #expect(a.upperBound < b.lowerBound) }
        }
        for range in DisplayWidth.zeroWidthRanges {
            #expect(!DisplayWidth.wideRanges.contains { $0.overlaps(range) })
        }
    }
}
