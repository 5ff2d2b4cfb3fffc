/// Batches of each product and site in manufacture order, so that a review finds the earlier batches it
/// trends against by binary search instead of a scan.
public struct TrendIndex: Sendable {
    struct Series: Sendable {
        /// Batches in manufacture order.
        var batches: [Batch]
        /// For each trended attribute, the value of its last final result in each batch (aligned with `batches`).
        var values: [String: [Double?]]
    }

    private var series: [String: Series] = [:]

    /// Indexes every batch of `state`, with the values of every trended attribute.
    public init(state: DeskState) {
        for (key, ids) in state.seriesIndex {
            let batches = ids.compactMap { state.batches[$0]?.batch }.sorted(by: Self.precedes)
            var values: [String: [Double?]] = [:]
            if let product = batches.first.flatMap({ state.products[$0.product] }) {
                for attribute in product.attributes where attribute.trended {
                    values[attribute.id] = batches.map { ReviewEngine.latestValue($0, attribute.id) }
                }
            }
            series[key] = Series(batches: batches, values: values)
        }
    }

    static func precedes(_ a: Batch, _ b: Batch) -> Bool {
        a.manufactureStart != b.manufactureStart ? a.manufactureStart < b.manufactureStart : a.id < b.id
    }

    /// Position of `batch` in its series: the number of batches that started before it.
    private func position(of batch: Batch, in list: [Batch]) -> Int {
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if Self.precedes(list[mid], batch) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Up to `limit` batches of the same product and site that started before `batch`, oldest first.
    public func earlier(than batch: Batch, limit: Int = 20) -> [Batch] {
        guard let list = series[batch.product + "|" + batch.site]?.batches else { return [] }
        let low = position(of: batch, in: list)
        return Array(list[max(0, low - limit)..<low])
    }

    /// For each trended attribute, its values in up to `limit` batches of the same product and site that
    /// started before `batch`, oldest first — what `ReviewEngine.Context.history` holds.
    public func history(before batch: Batch, limit: Int = 20) -> [String: [Double]] {
        guard let s = series[batch.product + "|" + batch.site] else { return [:] }
        let low = position(of: batch, in: s.batches)
        return s.values.mapValues { $0[max(0, low - limit)..<low].compactMap { $0 } }
    }
}

extension DeskState {
    /// Reviews `batchID` using `index` for its trend history.
    public func review(_ batchID: String, now: Timestamp, quietPerMille: Int = 100, index: TrendIndex) -> Review? {
        guard let record = batches[batchID], let product = products[record.batch.product],
            let site = sites[record.batch.site]
        else { return nil }
        let decision = release.decisions[batchID]
        let certifiedAt = decision.flatMap { $0.kind == .rejected ? nil : $0.at }
        let context = ReviewEngine.Context(
            product: product, site: site, history: index.history(before: record.batch), now: now,
            quietPerMille: quietPerMille,
            invalidatedResults: release.invalidatedResults(of: batchID), certifiedAt: certifiedAt)
        var review = ReviewEngine.review(record.batch, in: context)
        escalateLateResults(batchID, &review)
        return review
    }

    /// Staged certification (EU GMP Part IV): when a batch was certified with results still pending and one of
    /// those results now fails, its exception is raised as critical and marked escalated, and the queue shows
    /// the batch as escalated after release.
    func escalateLateResults(_ batchID: String, _ review: inout Review) {
        guard let decision = release.decisions[batchID], decision.kind == .certified, !decision.pendingTests.isEmpty
        else { return }
        let marker = "-PENDING-"
        let attributes = decision.pendingTests.compactMap { id -> String? in
            guard let range = id.firstRange(of: marker) else { return nil }
            return String(id[range.upperBound...])
        }
        for i in review.exceptions.indices where review.exceptions[i].rule != "PENDING" {
            let exception = review.exceptions[i]
            guard attributes.contains(where: { exception.id.hasSuffix("-" + $0) }) else { continue }
            review.exceptions[i].severity = .critical
            review.exceptions[i].escalated = true
            review.exceptions[i].title = "AFTER RELEASE: " + exception.title
            review.exceptions[i].why =
                exception.why
                + " This result was pending when \(batchID) was certified by \(decision.by) on \(decision.at): escalate at once"
                + " (notify the QP and the treating physician, assess recall)."
        }
    }
}

extension DeskState {
    /// Reviews each batch of `ids` with `index` for the trend history, the batches shared out over the
    /// processors: each review is a pure function of this state, so the results are those of one thread, in
    /// the order of `ids` (nil where `review` gives nil).
    public func reviews(of ids: [String], now: Timestamp, quietPerMille: Int = 100, index: TrendIndex) -> [Review?] {
        Parallel.map(ids.count, chunk: 256) { review(ids[$0], now: now, quietPerMille: quietPerMille, index: index) }
    }
}
