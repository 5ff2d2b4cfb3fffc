import Testing

@testable import ReleaseDeskWorkstation

@Suite("Search index")
struct SearchIndexTests {
    let index = SearchIndex(["cart-26-0021 kym-19", "cart-26-0022 ona-9", "aav-lot-7 ona-9", "x"])

    @Test func findsTheFirstRowAtOrAfterTheStartAndNeverAcrossRows() {
        #expect(index.firstRow(containing: Array("ona".utf8), from: 0, to: 4) == 1)
        #expect(index.firstRow(containing: Array("ona".utf8), from: 2, to: 4) == 2)
        #expect(index.firstRow(containing: Array("ona".utf8), from: 3, to: 4) == nil)
        #expect(index.firstRow(containing: Array("19cart".utf8), from: 0, to: 4) == nil)
        #expect(index.firstRow(containing: Array("x".utf8), from: 0, to: 4) == 3)
        #expect(index.firstRow(containing: Array("0022 ona-9".utf8), from: 0, to: 4) == 1)
    }

    @Test func rowContainsAndTextRoundTrip() {
        #expect(index.row(2, contains: Array("lot".utf8)))
        #expect(!index.row(1, contains: Array("lot".utf8)))
        #expect(index.text(0) == "cart-26-0021 kym-19")
        #expect(index.count == 4)
    }
}
