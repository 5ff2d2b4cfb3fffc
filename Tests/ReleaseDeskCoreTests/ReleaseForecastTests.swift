import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

/// The release forecast on small hand-made states with a fixed clock (docs/oversight.md, "Release forecast").
@Suite("Release forecast")
struct ReleaseForecastTests {
    static let now = Timestamp(iso8601: "2026-05-01T12:00:00Z")!
    static let hour: Int64 = 3_600_000

    static func at(_ hours: Int64) -> Timestamp { now.adding(milliseconds: hours * hour) }

    static func attribute(_ id: String, turnaround: Int64?, mayFollow: Bool = false) -> SpecAttribute {
        SpecAttribute(
            id: id, name: id + " test", unit: "", method: id + " method", limit: .notDetected, releaseCritical: true,
            mayFollowRelease: mayFollow, oosSeverity: .major, trended: false, turnaroundHours: turnaround)
    }

    /// Product P: endotoxin 24 h, sterility 336 h (14 days), mycoplasma without a turnaround that may follow
    /// release, vcn without a turnaround that may not.
    static func state() -> DeskState {
        var state = DeskState()
        state.products["P"] = Product(
            id: "P", name: "P", modality: "autologous", specVersion: "1",
            attributes: [
                attribute("endotoxin", turnaround: 24), attribute("sterility", turnaround: 336),
                attribute("mycoplasma", turnaround: nil, mayFollow: true), attribute("vcn", turnaround: nil),
            ], parameters: [], dose: nil, storageMaxC: nil, storageMinC: nil)
        return state
    }

    /// Adds batch `id` with pending tests registered `hours` from now (negative: in the past).
    static func add(
        _ id: String, pending: [(String, Int64)], final: [String] = [], infusion: Int64?, ended: Bool = true,
        to state: inout DeskState
    ) {
        var qc: [QCResult] = pending.enumerated().map { i, p in
            QCResult(id: "\(id)-R\(i)", attribute: p.0, value: "", unit: "", testedAt: at(p.1), status: "pending")
        }
        for attribute in final {
            qc.append(
                QCResult(
                    id: "\(id)-F-\(attribute)", attribute: attribute, value: "not detected", unit: "",
                    testedAt: at(-48), status: "final"))
        }
        let batch = Batch(
            id: id, product: "P", site: "S", coi: nil, patientWeightKg: nil, apheresisAt: nil,
            manufactureStart: at(-240), manufactureEnd: ended ? at(-24) : nil, expiry: at(2000),
            plannedInfusion: infusion.map(at), steps: [], readings: [], qc: qc, custody: [], environment: [],
            labels: [], deviations: [])
        state.batches[id] = BatchRecord(batch: batch, firstSeq: 1, firstAt: now, lastDataSeq: 1, recordSeqs: [1])
    }

    @Test func expectedTimeIsRegistrationPlusTheMethodsTurnaround() throws {
        var state = Self.state()
        Self.add("B-1", pending: [("sterility", -24), ("endotoxin", -2)], infusion: 1000, to: &state)
        let f = try #require(ReleaseForecast.forecast(state, batch: "B-1", now: Self.now))
        #expect(f.tests.map(\.attribute) == ["endotoxin", "sterility"])
        #expect(f.tests.map(\.expectedAt) == [Self.at(22), Self.at(312)])
        #expect(f.tests[1].method == "sterility method")
        // The latest expected time of the tests that hold certification back.
        #expect(f.earliestCertification == Self.at(312))
        #expect(f.slackHours == Int64(1000 - 312))
        #expect(f.standing == .onTrack)
    }

    @Test func atRiskWhenCertificationPlusTheMarginIsAfterTheInfusion() throws {
        var state = Self.state()
        // Earliest certification at +312 h; the margin is 48 h, so +360 h is exactly on the edge.
        Self.add("EDGE", pending: [("sterility", -24)], infusion: 312 + ReleaseForecast.marginHours, to: &state)
        Self.add("LATE", pending: [("sterility", -24)], infusion: 312 + ReleaseForecast.marginHours - 1, to: &state)
        Self.add("PAST", pending: [("sterility", -24)], infusion: 200, to: &state)
        #expect(ReleaseForecast.forecast(state, batch: "EDGE", now: Self.now)?.standing == .onTrack)
        #expect(ReleaseForecast.forecast(state, batch: "LATE", now: Self.now)?.standing == .atRisk)
        let past = try #require(ReleaseForecast.forecast(state, batch: "PAST", now: Self.now))
        #expect(past.isAtRisk)
        #expect(past.slackHours == -112)
    }

    @Test func withoutPendingTestsTheEarliestCertificationIsNowSoOnlyANearInfusionIsAtRisk() throws {
        var state = Self.state()
        Self.add("NEAR", pending: [], final: ["sterility"], infusion: 47, to: &state)
        Self.add("FAR", pending: [], infusion: 48, to: &state)
        let near = try #require(ReleaseForecast.forecast(state, batch: "NEAR", now: Self.now))
        #expect(near.tests.isEmpty)
        #expect(near.earliestCertification == Self.now)
        #expect(near.isAtRisk)
        #expect(ReleaseForecast.forecast(state, batch: "FAR", now: Self.now)?.standing == .onTrack)
    }

    @Test func aTestThatMayFollowReleaseIsListedButDoesNotHoldCertificationBack() throws {
        var state = Self.state()
        Self.add("B-1", pending: [("mycoplasma", -1), ("endotoxin", -1)], infusion: 100, to: &state)
        let f = try #require(ReleaseForecast.forecast(state, batch: "B-1", now: Self.now))
        #expect(f.tests.map(\.attribute) == ["endotoxin", "mycoplasma"])
        #expect(f.tests[1].expectedAt == nil)
        #expect(f.blockingTests.map(\.attribute) == ["endotoxin"])
        #expect(f.earliestCertification == Self.at(23))
        #expect(f.standing == .onTrack)
    }

    @Test func aBlockingTestWithoutTurnaroundMakesTheForecastUnknown() throws {
        var state = Self.state()
        Self.add("B-1", pending: [("vcn", -1), ("endotoxin", -1)], infusion: 10, to: &state)
        Self.add("B-2", pending: [("vcn", -1)], infusion: nil, to: &state)
        let f = try #require(ReleaseForecast.forecast(state, batch: "B-1", now: Self.now))
        #expect(f.earliestCertification == nil)
        #expect(f.standing == .unknown)
        #expect(!f.isAtRisk)
        #expect(f.unknownTests.map(\.attribute) == ["vcn"])
        #expect(ReleaseForecast.forecast(state, batch: "B-2", now: Self.now)?.standing == .noInfusion)
    }

    @Test func aLateResultCannotMakeCertificationEarlierThanNow() throws {
        var state = Self.state()
        // Registered 30 h ago with a 24 h turnaround: expected 6 h ago, still not in.
        Self.add("B-1", pending: [("endotoxin", -30)], infusion: 100, to: &state)
        let f = try #require(ReleaseForecast.forecast(state, batch: "B-1", now: Self.now))
        #expect(f.tests[0].isLate(at: Self.now))
        #expect(!f.tests[0].isLate(at: Self.at(-6)))
        #expect(f.earliestCertification == Self.now)
    }

    @Test func decidedAndInfusedBatchesHaveNoForecastAndAtRiskComeFirst() throws {
        var state = Self.state()
        Self.add("A", pending: [], infusion: 500, to: &state)
        Self.add("B", pending: [("sterility", 0)], infusion: 300, to: &state)
        Self.add("C", pending: [], infusion: nil, to: &state)
        Self.add("D", pending: [], infusion: 100, to: &state)
        Self.add("E", pending: [], infusion: 100, to: &state)
        state.release.decisions["E"] = ReleaseDecision(
            batch: "E", kind: .certified, by: "qp.maria", at: Self.now, seq: 9, reason: "ok", signature: nil,
            pendingTests: [], checklist: [:])
        #expect(ReleaseForecast.forecast(state, batch: "E", now: Self.now) == nil)
        #expect(ReleaseForecast.forecast(state, batch: "NONE", now: Self.now) == nil)
        #expect(ReleaseForecast.all(state, now: Self.now).map(\.batch) == ["B", "D", "A", "C"])
        state.batches["D"]!.batch.custody.append(
            CustodyEvent(
                id: "C-1", event: "infused", at: Self.now, location: "ward", holder: "nurse", temperatureC: nil,
                coi: nil))
        #expect(ReleaseForecast.forecast(state, batch: "D", now: Self.now) == nil)
    }

    @Test func inManufactureTheEarliestCertificationIsALowerBound() throws {
        var state = Self.state()
        Self.add("B-1", pending: [("endotoxin", 0)], infusion: 100, ended: false, to: &state)
        let f = try #require(ReleaseForecast.forecast(state, batch: "B-1", now: Self.now))
        #expect(!f.manufactureEnded)
        #expect(f.earliestCertification == Self.at(24))
    }

    @Test func turnaroundIsReadFromTheMasterDataAndWrittenOnlyWhenSet() throws {
        func product(_ turnaround: JSONValue?) -> JSONValue {
            var attribute: [String: JSONValue] = [
                "id": "sterility", "name": "sterility", "unit": "", "method": "culture",
                "limit": ["kind": "not_detected"], "release_critical": true, "may_follow_release": false,
                "trended": false,
            ]
            if let turnaround { attribute["turnaround_hours"] = turnaround }
            return [
                "id": "P", "name": "P", "modality": "autologous", "spec_version": "1",
                "attributes": [.object(attribute)],
            ]
        }
        let with = try Product.decode(product(.int(336)), path: "products[0]")
        #expect(with.attributes[0].turnaroundHours == 336)
        #expect(with.json.objectValue?["attributes"]?.arrayValue?[0].objectValue?["turnaround_hours"] == .int(336))
        let without = try Product.decode(product(nil), path: "products[0]")
        #expect(without.attributes[0].turnaroundHours == nil)
        #expect(without.json.objectValue?["attributes"]?.arrayValue?[0].objectValue?["turnaround_hours"] == nil)
        let again = try Product.decode(without.json, path: "p").json
        #expect(try CanonicalJSON.encode(again) == (try CanonicalJSON.encode(without.json)))
        for bad: JSONValue in [.int(0), .int(2161), .string("14 days")] {
            do {
                _ = try Product.decode(product(bad), path: "products[0]")
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.path == "products[0].attributes[0].turnaround_hours", "\(error)")
            }
        }
    }
}
