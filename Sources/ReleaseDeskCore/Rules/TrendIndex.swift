/// Batches of each product and site in manufacture order, so that a review finds the earlier batches it
/// trends against by binary search instead of a scan.
public struct TrendIndex: Sendable {
    private var series: [String: [Batch]] = [:]

    /// Indexes every batch of `state`.
    public init(state: DeskState) {
        for (key, ids) in state.seriesIndex {
            series[key] = ids.compactMap { state.batches[$0]?.batch }.sorted(by: Self.precedes)
        }
    }

    static func precedes(_ a: Batch, _ b: Batch) -> Bool {
        a.manufactureStart != b.manufactureStart ? a.manufactureStart < b.manufactureStart : a.id < b.id
    }

    /// Up to `limit` batches of the same product and site that started before `batch`, oldest first.
    public func earlier(than batch: Batch, limit: Int = 20) -> [Batch] {
        guard let list = series[batch.product + "|" + batch.site] else { return [] }
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if Self.precedes(list[mid], batch) { low = mid + 1 } else { high = mid }
        }
        return Array(list[max(0, low - limit)..<low])
    }
}

extension DeskState {
    /// Reviews `batchID` using `index` for its trend history.
    public func review(_ batchID: String, now: Timestamp, quietPerMille: Int = 100, index: TrendIndex) -> Review? {
        guard let record = batches[batchID], let product = products[record.batch.product], let site = sites[record.batch.site]
        else { return nil }
        let context = ReviewEngine.Context(
            product: product, site: site, earlier: index.earlier(than: record.batch), now: now, quietPerMille: quietPerMille)
        return ReviewEngine.review(record.batch, in: context)
    }
}
