import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// Import files from public hostile-input corpora: numbers where text belongs, problems that end early or sit
/// in a key, UTF-16 without a byte-order mark, a lone CR in a CSV cell, free text with surrounding spaces.
@Suite("Hostile import files")
struct HostileImportTests {
    func problems(_ name: String, _ bytes: [UInt8]) -> [ImportProblem] {
        if case .failure(let found) = ImportParser.parse(file: name, sha256: "0", bytes: bytes) {
            return found.problems
        }
        return []
    }

    func problems(_ name: String, _ text: String) -> [ImportProblem] { problems(name, Array(text.utf8)) }

    static let site =
        #"{"sites": [{"id": "S-1", "name": "Leiden", "kind": "in-house", "agreement": {"notify_critical_hours": 24, "notify_major_hours": 72, "notify_minor_hours": 240}}]}"#

    @Test func aJSONNumberWhereTextIsExpectedIsRefusedNamingTheField() {
        let description = problems(
            "b.json",
            #"{"batches": [{"id": "B-1", "product": "P", "site": "S", "manufacture_start": "2026-01-01T00:00:00Z", "expiry": "2027-01-01T00:00:00Z", "deviations": [{"id": "D-1", "class": "minor", "discovered_at": "2026-01-01T00:00:00Z", "reported_at": "2026-01-01T00:00:00Z", "description": -0.1}]}]}"#
        )
        #expect(description.map(\.field) == ["batches[0].deviations[0].description"])
        #expect(description.first?.message == "must be a string, not the number -0.1")

        let id = problems("s.json", Self.site.replacingOccurrences(#""id": "S-1""#, with: #""id": 26.5"#))
        #expect(id.map(\.field) == ["sites[0].id"])
        #expect(id.first?.message == "must be a string, not the number 26.5")

        let whole = problems("s.json", Self.site.replacingOccurrences(#""name": "Leiden""#, with: #""name": 7"#))
        #expect(whole.map(\.field) == ["sites[0].name"])
        #expect(whole.first?.message == "must be a string, not the number 7")
    }

    @Test func aJSONDecimalIsStillAQuantity() throws {
        let parsed = try ImportParser.parse(
            file: "b.json", sha256: "0",
            bytes: Array(
                #"{"batches": [{"id": "B-1", "product": "P", "site": "S", "patient_weight_kg": 72.5, "manufacture_start": "2026-01-01T00:00:00Z", "expiry": "2027-01-01T00:00:00Z", "steps": [{"id": "S1", "name": "fill", "entries": [{"field": "volume", "value": 1.5e2}]}]}]}"#
                    .utf8)
        ).get()
        guard case .batch(let batch) = parsed.items.first?.item else {
            Issue.record("no batch")
            return
        }
        #expect(batch.json.objectValue?["patient_weight_kg"] == .string("72.5"))
        #expect(batch.steps.first?.entries.first?.1 == "1.5e2")
    }

    @Test func jsonEndingAfterAKeyNamesTheKey() {
        let found = problems("b.json", "{\"batches\": [{\"id\": \"B-1\",\n \"coi\"")
        #expect(found.map(\.field) == ["batches[0].coi"])
        #expect(found.first?.line == 2)
        let colon = problems("b.json", "{\"batches\": [{\"id\": \"B-1\", \"coi\":")
        #expect(colon.map(\.field) == ["batches[0].coi"])
    }

    @Test func jsonEndingInsideAKeyNamesTheKeyAsFarAsItWasRead() {
        let found = problems("b.json", "{\"batches\": [{\"id\": \"B-1\", \"co")
        #expect(found.map(\.field) == ["batches[0].co"])
        #expect(found.first?.message.contains("ends inside a string") == true)
    }

    @Test func jsonEndingBetweenMembersNamesTheEnclosingValue() {
        let found = problems("b.json", "{\"batches\": [{\"id\": \"B-1\",")
        #expect(found.map(\.field) == ["batches[0].id"])
        #expect(found.first?.message.contains("where another key") == true)
        let array = problems("b.json", "{\"batches\": [{\"id\": \"B-1\"}, ")
        #expect(array.map(\.field) == ["batches[1]"])
        let afterElement = problems("b.json", "{\"batches\": [{\"id\": \"B-1\"}")
        #expect(afterElement.map(\.field) == ["batches[0]"])
    }

    @Test func invalidUTF8InAJSONKeyNamesTheKey() {
        let bytes = Array("{\"sites\": [{\"id\": \"S\",\n \"na".utf8) + [0xFF] + Array("me\": \"x\"}]}".utf8)
        let found = problems("s.json", bytes)
        #expect(found.map(\.field) == ["sites[0].na\u{FFFD}me"])
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("not valid UTF-8") == true)
    }

    @Test func utf16WithoutAByteOrderMarkIsNamedAsUTF16() {
        let text = #"{"batches": []}"#
        let little: [UInt8] = text.utf8.flatMap { [$0, 0] }
        let big: [UInt8] = text.utf8.flatMap { [0, $0] }
        let cases: [([UInt8], String)] = [(little, "little-endian"), (big, "big-endian")]
        for (bytes, order) in cases {
            let found = problems("b.json", bytes)
            #expect(found.count == 1)
            #expect(
                found.first?.message == "the file is UTF-16 (\(order), without a byte-order mark); save it as UTF-8")
            #expect(found.first?.line == 1)
        }
        let csv = problems("q.csv", "batch,result_id\n".utf8.flatMap { [$0, 0] as [UInt8] })
        #expect(csv.first?.message.contains("UTF-16") == true)
        // UTF-8 text with other scripts is not taken for UTF-16.
        #expect(ImportParser.utf16WithoutBOM(Array("{\"about\": \"山田 健二 José\"}".utf8)) == nil)
    }

    @Test func aLoneCarriageReturnInAnUnquotedCSVCellIsRefusedNamingLineAndColumn() {
        let found = problems(
            "c.csv", "batch,event_id,event,at,location,holder\nB-1,E1,received,2026-03-01T08:00:00Z,dock\r2,qc\n")
        #expect(found.map(\.field) == ["location"])
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("carriage return (CR) inside an unquoted cell (column 42)") == true)
    }

    @Test func crlfLineEndsAndQuotedCarriageReturnsAreKept() throws {
        let parsed = try ImportParser.parse(
            file: "c.csv", sha256: "0",
            bytes: Array(
                "batch,event_id,event,at,location,holder\r\nB-1,E1,received,2026-03-01T08:00:00Z,\"dock\r2\",qc\r\n"
                    .utf8)
        ).get()
        guard case .custodyEvent(_, let event) = parsed.items.first?.item else {
            Issue.record("no event")
            return
        }
        #expect(event.location == "dock\r2")
        #expect(event.holder == "qc")
    }

    @Test func freeTextIsKeptExactlyAsWritten() throws {
        let text = Self.site.replacingOccurrences(#""name": "Leiden""#, with: #""name": "  Leiden\t""#)
        let parsed = try ImportParser.parse(file: "s.json", sha256: "0", bytes: Array(text.utf8)).get()
        guard case .site(let site) = parsed.items.first?.item else {
            Issue.record("no site")
            return
        }
        #expect(site.name == "  Leiden\t")
    }

    @Test func textWithoutVisibleCharactersIsEmpty() {
        let found = problems(
            "s.json", Self.site.replacingOccurrences(#""name": "Leiden""#, with: #""name": "\u200b\u3164 ""#))
        #expect(found.map(\.field) == ["sites[0].name"])
        #expect(found.first?.message == "may not be empty (it holds no visible text)")
    }

    @Test func anInvisibleCorrectionReasonIsRefusedNamingTheColumn() {
        let found = problems(
            "q.csv",
            "batch,result_id,attribute,value,unit,tested_at,correction_reason\nB-1,R1,viability,90,%,2026-03-01T08:00:00Z,\u{200B}\u{2800} \n"
        )
        #expect(found.map(\.field) == ["correction_reason"])
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("visible text") == true)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
