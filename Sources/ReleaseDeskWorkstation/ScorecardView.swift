import ReleaseDeskCore

/// The scorecard view (`o`, `:oversight`): the sites side by side over the twelve months ending now, with
/// month-by-month sparklines; Enter (or `t`) opens the trend charts of the selected site's drifting attribute.
/// The figures are computed when the view opens and when the journal changes, never while drawing.
public struct ScorecardView: Equatable, Sendable {
    public var card: Scorecard
    /// The site whose column is selected.
    public var selected: Int = 0
    /// First line of the figures shown.
    public var offset: Int = 0

    /// The scorecards of every site over the twelve calendar months ending at `now`.
    public static func open(_ desk: DeskState, now: Timestamp) -> ScorecardView {
        let card =
            (try? Scorecards.compute(desk, period: OversightPeriod.lastTwelveMonths(at: now), now: now))
            ?? Scorecard(period: OversightPeriod(since: now, until: now), now: now, months: [], sites: [])
        return ScorecardView(card: card)
    }

    /// The same view on a new state or a later time, keeping the selected site and the scroll.
    public func refreshed(_ desk: DeskState, now: Timestamp) -> ScorecardView {
        var next = Self.open(desk, now: now)
        let site = selectedSite?.site
        next.selected = site.flatMap { id in next.card.sites.firstIndex { $0.site == id } } ?? 0
        next.offset = offset
        return next
    }

    public var selectedSite: SiteScorecard? {
        card.sites.indices.contains(selected) ? card.sites[selected] : nil
    }

    /// The lines of the figures: a section heading before each section (a blank line between sections), then
    /// the rows.
    public func lines(unicode: Bool = true) -> [(label: String, cells: [String], heading: Bool)] {
        var out: [(String, [String], Bool)] = []
        for row in card.rows(unicode: unicode) {
            if let section = row.section {
                if !out.isEmpty { out.append(("", [], false)) }
                out.append((section, [], true))
            }
            out.append((row.label, row.cells, false))
        }
        return out
    }

    /// The trend view of the selected site's drifting attribute, to come back to this view.
    public func trendView(_ desk: DeskState) throws(TrendError) -> TrendView {
        guard let site = selectedSite else { throw TrendError("site", "no site in this journal") }
        guard let drift = site.drift else {
            throw TrendError("attribute", "no trended attribute of \(site.site) drifts in this period")
        }
        var view = try TrendView.open(
            desk, product: drift.product, site: site.site, attribute: drift.attribute, batch: nil)
        view.back = self
        return view
    }
}

/// Where the parts of the scorecard view go on a terminal of `size`; the reducer and the screen use the same
/// numbers.
public struct ScorecardLayout: Equatable, Sendable {
    public var box: Rect
    public var inner: Rect
    /// Rows of figures shown (below the header and the site names, above the footer).
    public var rows: Int
    /// Columns of the figure names.
    public var labelWidth: Int

    public init(size: Size) {
        box = Rect(x: 0, y: 0, width: size.width, height: max(4, size.height - 1))
        inner = Rect(x: 2, y: 1, width: max(1, box.width - 4), height: max(1, box.height - 2))
        rows = max(1, inner.height - 3)
        labelWidth = min(28, max(8, inner.width / 3))
    }

    public func maxOffset(_ lineCount: Int) -> Int { max(0, lineCount - rows) }
}
