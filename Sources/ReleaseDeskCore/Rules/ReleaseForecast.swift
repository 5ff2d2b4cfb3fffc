/// The release forecast of a batch: its pending tests with the time each result is expected, and the earliest
/// moment it could be certified, against its patient's planned infusion. A pure function of the folded state
/// and the time passed in (`docs/oversight.md`, "Release forecast").
public struct ReleaseForecast: Sendable, Hashable {
    /// Hours a certification must come before the planned infusion: time to ship the product and prepare it.
    /// A batch whose earliest certification leaves less than this is at risk.
    public static let marginHours: Int64 = 48

    /// One test registered and not yet reported.
    public struct PendingTest: Sendable, Hashable {
        /// The LIMS result id.
        public var result: String
        public var attribute: String
        public var attributeName: String
        public var method: String
        /// When the test was registered (the pending result's `tested_at`).
        public var registeredAt: Timestamp
        /// The method's turnaround from the product's master data (`turnaround_hours`); nil when it does not say.
        public var turnaroundHours: Int64?
        /// Whether the result may follow certification (staged certification): it does not hold it back.
        public var mayFollowRelease: Bool

        /// Registration plus turnaround; nil when the turnaround is unknown.
        public var expectedAt: Timestamp? {
            turnaroundHours.map { registeredAt.adding(milliseconds: $0 * 3_600_000) }
        }

        /// Late: the expected time has passed and the result is not in.
        public func isLate(at now: Timestamp) -> Bool { expectedAt.map { now > $0 } ?? false }
    }

    /// How the forecast stands against the planned infusion.
    public enum Standing: String, Sendable, Hashable {
        /// Earliest certification plus the margin is no later than the planned infusion.
        case onTrack = "on-track"
        /// Earliest certification plus the margin is later than the planned infusion.
        case atRisk = "at-risk"
        /// A test that holds certification back has no turnaround in the master data.
        case unknown
        /// The batch has no planned infusion to compare with.
        case noInfusion = "no-infusion"
    }

    public var batch: String
    public var product: String
    public var site: String
    /// Every pending test of the batch, the ones that hold certification back first, then by expected time
    /// (unknown last), then by result id.
    public var tests: [PendingTest]
    /// Whether manufacture has ended; while it has not, `earliestCertification` is a lower bound only.
    public var manufactureEnded: Bool
    /// The latest of `now` and the expected time of every pending test that must precede certification; nil
    /// when one of those has no turnaround.
    public var earliestCertification: Timestamp?
    public var plannedInfusion: Timestamp?
    public var standing: Standing

    /// The tests that must be in before certification.
    public var blockingTests: [PendingTest] { tests.filter { !$0.mayFollowRelease } }

    /// The tests that hold certification back and have no turnaround.
    public var unknownTests: [PendingTest] { blockingTests.filter { $0.turnaroundHours == nil } }

    public var isAtRisk: Bool { standing == .atRisk }

    /// Hours from the earliest certification to the planned infusion (negative when certification would come
    /// after it); nil when either is unknown.
    public var slackHours: Int64? {
        guard let earliestCertification, let plannedInfusion else { return nil }
        return Self.hours(from: earliestCertification, to: plannedInfusion)
    }

    /// Whole hours from `a` to `b`, rounded towards minus infinity (so 30 minutes late is −1 h, not 0).
    public static func hours(from a: Timestamp, to b: Timestamp) -> Int64 {
        let ms = b.millisecondsSinceEpoch - a.millisecondsSinceEpoch
        return ms >= 0 ? ms / 3_600_000 : -((-ms + 3_599_999) / 3_600_000)
    }

    /// The forecast of `batchID` at `now`; nil for a batch that no longer waits for a certification (a QP
    /// decided it, or it was infused) or that the journal does not hold.
    public static func forecast(_ state: DeskState, batch batchID: String, now: Timestamp) -> ReleaseForecast? {
        guard let record = state.batches[batchID], state.release.decisions[batchID] == nil,
            record.batch.priorRelease == nil, !record.batch.custody.contains(where: { $0.event == "infused" })
        else { return nil }
        let batch = record.batch
        let product = state.products[batch.product]
        var tests: [PendingTest] = []
        for result in batch.qc where result.status == "pending" {
            let attribute = product?.attribute(result.attribute)
            tests.append(
                PendingTest(
                    result: result.id, attribute: result.attribute, attributeName: attribute?.name ?? result.attribute,
                    method: attribute?.method ?? "", registeredAt: result.testedAt,
                    turnaroundHours: attribute?.turnaroundHours, mayFollowRelease: attribute?.mayFollowRelease ?? false)
            )
        }
        tests.sort { a, b in
            if a.mayFollowRelease != b.mayFollowRelease { return !a.mayFollowRelease }
            switch (a.expectedAt, b.expectedAt) {
            case (let x?, let y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.result < b.result
            }
        }
        var earliest: Timestamp? = now
        for test in tests where !test.mayFollowRelease {
            guard let expected = test.expectedAt else {
                earliest = nil
                break
            }
            earliest = max(earliest!, expected)
        }
        let standing: Standing
        if let earliest, let infusion = batch.plannedInfusion {
            standing = earliest.adding(milliseconds: marginHours * 3_600_000) > infusion ? .atRisk : .onTrack
        } else if batch.plannedInfusion == nil {
            standing = .noInfusion
        } else {
            standing = .unknown
        }
        return ReleaseForecast(
            batch: batch.id, product: batch.product, site: batch.site, tests: tests,
            manufactureEnded: batch.manufactureEnd != nil, earliestCertification: earliest,
            plannedInfusion: batch.plannedInfusion, standing: standing)
    }

    /// The forecast of every batch still waiting for certification, those at risk first, then by planned
    /// infusion (none last), then by batch id.
    public static func all(_ state: DeskState, now: Timestamp) -> [ReleaseForecast] {
        state.batches.keys.compactMap { forecast(state, batch: $0, now: now) }.sorted { a, b in
            if a.isAtRisk != b.isAtRisk { return a.isAtRisk }
            switch (a.plannedInfusion, b.plannedInfusion) {
            case (let x?, let y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.batch < b.batch
            }
        }
    }
}
