import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// Problems that stop a file from being read at all (truncation, encoding, duplicates, cell counts) still
/// name the field they were found in, so a hostile file is answered with file, line and field.
@Suite("Import problems name the field")
struct ImportFieldNamingTests {
    func problems(_ name: String, _ bytes: [UInt8]) -> [ImportProblem] {
        if case .failure(let found) = ImportParser.parse(file: name, sha256: "0", bytes: bytes) {
            return found.problems
        }
        return []
    }

    func problems(_ name: String, _ text: String) -> [ImportProblem] { problems(name, Array(text.utf8)) }

    @Test func truncatedJSONNamesTheValueItEndsIn() {
        let found = problems("b.json", "{\"batches\": [\n {\"id\": \"B-1\"},\n {\"id\": \"B-2\", \"coi\": \"CO")
        #expect(found.map(\.field) == ["batches[1].coi"])
        #expect(found.first?.line == 3)
        #expect(
            found.first?.description.hasPrefix("b.json:3: field batches[1].coi: the file ends inside a string") == true)
    }

    @Test func invalidUTF8InAJSONStringNamesItsField() {
        let bytes = Array("{\"sites\": [{\"id\": \"S\",\n \"name\": \"".utf8) + [0xFF, 0xFE] + Array("\"}]}".utf8)
        let found = problems("s.json", bytes)
        #expect(found.map(\.field) == ["sites[0].name"])
        #expect(found.first?.line == 2)
    }

    @Test func duplicateJSONKeyNamesTheKeyWithItsPath() {
        let found = problems("b.json", "{\"batches\": [{\"id\": \"X\",\n \"id\": \"Y\"}]}")
        #expect(found.map(\.field) == ["batches[0].id"])
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("duplicate key") == true)
    }

    @Test func invalidUTF8InACSVCellNamesItsColumn() {
        let bytes =
            Array("batch,event_id,event,at,location,holder\nB-1,E1,received,2026-03-01,".utf8) + [0xC3, 0x28]
            + Array(",qc\n".utf8)
        let found = problems("c.csv", bytes)
        #expect(found.map(\.field) == ["location"])
        #expect(found.first?.line == 2)
    }

    @Test func csvRowWithTooFewCellsNamesTheFirstMissingColumn() {
        let found = problems("c.csv", "batch,event_id,event,at,location,holder\nB-1,E1,received\n")
        #expect(found.map(\.field) == ["at"])
        #expect(found.first?.line == 2)
    }

    @Test func csvColumnGivenTwiceIsNamed() {
        let found = problems("q.csv", "batch,result_id,attribute,value,unit,tested_at,value\n")
        #expect(found.map(\.field) == ["value"])
        #expect(found.first?.line == 1)
    }

    /// A custody CSV row with an impossible temperature was reported as field `.temperature_c` (the path of a
    /// CSV row is empty). Found while writing the hostile-import line of scripts/torture.
    @Test func custodyCSVTemperatureProblemNamesTheColumnWithoutALeadingDot() {
        let found = problems(
            "c.csv", "batch,event_id,event,at,location,holder,temperature_c\nB-1,E1,received,2026-03-01,QC,qc,-300\n")
        #expect(found.map(\.field) == ["temperature_c"])
        #expect(found.first?.description.hasPrefix("c.csv:2: field temperature_c: ") == true)
    }

    /// A product's storage temperatures were not checked: -500 °C, or a minimum above the maximum, became the
    /// specification. Found while writing the hostile-import line of scripts/torture.
    @Test func productStorageTemperatureOutsidePhysicalRangeIsRefusedWithItsField() {
        func product(_ storage: String) -> String {
            "{\"products\": [{\"id\": \"P\", \"name\": \"p\", \"modality\": \"autologous\", \"spec_version\": \"v1\",\n"
                + storage + ", \"attributes\": []}]}"
        }
        let cold = problems("p.json", product("\"storage_max_c\": \"-500\""))
        #expect(cold.map(\.field) == ["products[0].storage_max_c"])
        #expect(cold.first?.line == 2)
        let crossed = problems("p.json", product("\"storage_max_c\": \"-196\", \"storage_min_c\": \"-150\""))
        #expect(crossed.map(\.field) == ["products[0].storage_min_c"])
        #expect(problems("p.json", product("\"storage_max_c\": \"-150\", \"storage_min_c\": \"-196\"")).isEmpty)
    }
}
