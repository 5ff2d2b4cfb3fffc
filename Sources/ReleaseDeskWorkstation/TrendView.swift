import ReleaseDeskCore

/// The trend view (`t` on a batch, `:trends`): individuals charts of one trended attribute of one product,
/// the batch's site and another site side by side, with the signals of the product's Nelson rules below. The
/// charts are computed when the view opens and again when the journal changes, never while drawing.
public struct TrendView: Equatable, Sendable {
    public var product: String
    public var attribute: String
    /// Sites shown side by side: one or two, the marked batch's first.
    public var sites: [String]
    /// The batch marked on the charts.
    public var batch: String?
    /// One chart per site, in the order of `sites`.
    public var charts: [TrendChart]
    /// First line of the signal list shown.
    public var offset: Int = 0
    /// The scorecard view this one was opened from: Esc goes back to it.
    public var back: ScorecardView? = nil

    /// The view of `attribute` of `product` at `site` and the next site of the product (by number of batches).
    public static func open(
        _ desk: DeskState, product: String, site: String, attribute: String, batch: String?, otherSite: String? = nil
    ) throws(TrendError) -> TrendView {
        let first = try Trends.chart(desk, product: product, site: site, attribute: attribute)
        var sites = [site]
        var charts = [first]
        let other = otherSite ?? Trends.sites(of: product, in: desk).first { $0 != site }
        if let other, other != site {
            sites.append(other)
            charts.append(try Trends.chart(desk, product: product, site: other, attribute: attribute))
        }
        return TrendView(product: product, attribute: attribute, sites: sites, batch: batch, charts: charts)
    }

    /// The view for the batch selected in the queue: the attribute of the selected exception when it is a
    /// trended one (an OOT or OOS exception names its attribute), else the first trended attribute with a
    /// numeric result in the batch, else the product's first trended attribute.
    public static func forSelection(_ state: WorkstationState) throws(TrendError) -> TrendView {
        guard let batchID = state.selectedBatchID, let batch = state.desk.batches[batchID]?.batch else {
            throw TrendError("batch", "select a batch first (or :trends PRODUCT SITE ATTRIBUTE)")
        }
        guard let product = state.desk.products[batch.product] else {
            throw TrendError("product", "no product \(batch.product) in this journal")
        }
        let trended = Trends.trendedAttributes(of: product)
        guard !trended.isEmpty else { throw TrendError("attribute", "\(product.id) has no trended attribute") }
        var attribute: String? = nil
        if state.focus != .queue, let exception = state.selectedException,
            ["OOT", "OOS", "PENDING"].contains(exception.rule)
        {
            attribute =
                trended.first { exception.id.hasSuffix("-" + $0.id) || exception.id.hasSuffix("-\($0.id)-run") }?
                .id
        }
        if attribute == nil {
            attribute =
                trended.first { a in
                    batch.qc.contains { $0.attribute == a.id && $0.status == "final" && $0.quantity != nil }
                }?
                .id
        }
        return try open(
            state.desk, product: product.id, site: batch.site, attribute: attribute ?? trended[0].id, batch: batchID)
    }

    /// The same view on a new state (the journal changed).
    public func refreshed(_ desk: DeskState) -> TrendView {
        guard
            var next = try? TrendView.open(
                desk, product: product, site: sites[0], attribute: attribute, batch: batch,
                otherSite: sites.count > 1 ? sites[1] : nil)
        else { return self }
        next.offset = offset
        next.back = back
        return next
    }

    /// `text` with σ̂ written "sigma" outside UTF-8.
    public static func plain(_ text: String, unicode: Bool) -> String {
        unicode ? text : text.replacing("σ̂", with: "sigma")
    }

    /// The view of the next (`by` 1) or previous (-1) trended attribute of the product.
    public func nextAttribute(_ desk: DeskState, by step: Int) -> TrendView {
        guard let product = desk.products[product] else { return self }
        let ids = Trends.trendedAttributes(of: product).map(\.id)
        guard let at = ids.firstIndex(of: attribute), ids.count > 1 else { return self }
        let next = ids[((at + step) % ids.count + ids.count) % ids.count]
        return
            (try? TrendView.open(
                desk, product: self.product, site: sites[0], attribute: next, batch: batch,
                otherSite: sites.count > 1 ? sites[1] : nil)) ?? self
    }

    /// The view with the next other site of the product beside the first (nil when there is none).
    public func nextSite(_ desk: DeskState) -> TrendView? {
        let others = Trends.sites(of: product, in: desk).filter { $0 != sites[0] }
        guard others.count > 1 else { return nil }
        let current = sites.count > 1 ? others.firstIndex(of: sites[1]) ?? -1 : -1
        let next = others[(current + 1) % others.count]
        return try? TrendView.open(
            desk, product: product, site: sites[0], attribute: attribute, batch: batch, otherSite: next)
    }

    /// The signal list: for each chart its signals, newest window first, each wrapped to `width` columns; a line
    /// that says so when there are none. Outside UTF-8 σ̂ is written "sigma".
    public func signalLines(width: Int, unicode: Bool = true) -> [StyledLine] {
        var out: [StyledLine] = []
        for chart in charts {
            for signal in chart.signals.reversed() {
                let text = Self.plain("\(chart.site): " + signal.explanation, unicode: unicode)
                for (i, line) in Wrap.lines(DisplayText.sanitize(text), width: max(1, width - 2)).enumerated() {
                    out.append(StyledLine([(i == 0 ? .severity(.minor) : .plain, (i == 0 ? "! " : "  ") + line)]))
                }
            }
        }
        if out.isEmpty {
            let rules = charts.first.map { $0.rules.map { String($0.rawValue) }.joined(separator: ", ") } ?? ""
            out.append(
                StyledLine([
                    (
                        .dim,
                        charts.first?.rules.isEmpty == true
                            ? "No rules enabled for this product." : "No signal of rules \(rules)."
                    )
                ]))
        }
        return out
    }
}

/// Where the parts of the trend view go on a terminal of `size`; the reducer and the screen use the same
/// numbers.
public struct TrendLayout: Equatable, Sendable {
    /// The box over the panes (the status line stays visible).
    public var box: Rect
    /// Inside the border.
    public var inner: Rect
    /// Rows of each plot.
    public var plotRows: Int
    /// Rows of the signal list.
    public var signalRows: Int

    public init(size: Size) {
        box = Rect(x: 0, y: 0, width: size.width, height: max(4, size.height - 1))
        inner = Rect(x: 2, y: 1, width: max(1, box.width - 4), height: max(1, box.height - 2))
        // Header, chart title, limits and marker rows, the signals heading and the footer take six rows.
        let free = max(2, inner.height - 6)
        plotRows = max(1, free * 3 / 5)
        signalRows = max(1, free - plotRows)
    }

    /// The largest offset of the signal list.
    public func maxOffset(_ lineCount: Int) -> Int { max(0, lineCount - signalRows) }
}
