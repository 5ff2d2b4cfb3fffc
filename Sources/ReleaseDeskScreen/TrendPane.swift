import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The trend view over the panes: a header, one or two individuals charts side by side, the signals of the
/// product's rules below and the keys in the last row.
enum TrendOverlay {
    static func draw(_ view: TrendView, state: WorkstationState, into buffer: inout CellBuffer, box: BoxChars) {
        let layout = TrendLayout(size: state.size)
        buffer.fill(layout.box, .text)
        let name = view.charts.first?.attribute.name ?? view.attribute
        Screen.drawBox(
            layout.box, focused: true,
            title: [("Trends · \(view.product) · \(name)", .title), (" (Esc back)", .dim)], box: box, into: &buffer)
        let inner = layout.inner
        var y = inner.y
        // Header: the attribute, its specification, the rule set and the rules.
        if let chart = view.charts.first {
            let unit = chart.attribute.unit.isEmpty ? "" : " (\(chart.attribute.unit))"
            let rules =
                chart.rules.isEmpty
                ? "no rules" : "rules " + chart.rules.map { String($0.rawValue) }.joined(separator: ", ")
            let spec = chart.attribute.limit.isNumeric ? " · spec \(chart.attribute.limit.description)" : ""
            let marked = view.batch.map { " · ▲ \($0)" } ?? ""
            buffer.putFitted(
                "\(chart.attribute.id)\(unit)\(spec) · \(TrendRuleSet.id): \(rules)\(marked)", x: inner.x, y: y,
                columns: inner.width, .heading)
        }
        y += 1
        // Charts side by side.
        let chartHeight = layout.plotRows + 3
        let count = max(1, view.charts.count)
        let gap = 2
        let width = (inner.width - gap * (count - 1)) / count
        for (i, chart) in view.charts.enumerated() {
            let rect = Rect(x: inner.x + i * (width + gap), y: y, width: width, height: chartHeight)
            TrendChartView.draw(chart, batch: view.batch, in: rect, into: &buffer)
        }
        y += chartHeight
        // Signals.
        let total = view.charts.reduce(0) { $0 + $1.signals.count }
        var heading = "Signals (\(total))"
        if let batch = view.batch, let chart = view.charts.first, let index = chart.index(of: batch) {
            let point = chart.points[index]
            let rules = chart.signals(at: index).map { String($0.rule.rawValue) }
            heading +=
                " · \(batch): \(point.text)\(chart.attribute.unit.isEmpty ? "" : " " + chart.attribute.unit), "
                + (rules.isEmpty ? "in no signal" : "in rule " + rules.joined(separator: ", "))
        }
        buffer.putFitted(heading, x: inner.x, y: y, columns: inner.width, .heading)
        y += 1
        let lines = view.signalLines(width: inner.width, unicode: buffer.unicode)
        let offset = max(0, min(view.offset, layout.maxOffset(lines.count)))
        for row in 0..<layout.signalRows {
            let index = offset + row
            guard index < lines.count else { break }
            var x = inner.x
            for segment in lines[index].segments {
                x += buffer.put(
                    segment.text, x: x, y: y + row, maxWidth: inner.x + inner.width - x, StyleRole.of(segment.style))
            }
        }
        let footerY = inner.y + inner.height - 1
        var footer = "← → attribute · Tab other site · j/k signals · Esc back"
        if lines.count > layout.signalRows {
            footer += " · \(offset + 1)–\(min(lines.count, offset + layout.signalRows)) of \(lines.count)"
        }
        buffer.putFitted(footer, x: inner.x, y: footerY, columns: inner.width, .dim)
        buffer.cursor = CellPoint(x: inner.x, y: inner.y)
    }
}

/// One individuals chart in `rect`: a title row (site, batches, preliminary), a limits row, the plot with a
/// gutter naming its lines, and a marker row (▲ the marked batch, ! points in a signal). In UTF-8 the plot is
/// braille (two points across and four levels down per cell, the points joined); otherwise one character per
/// point: `o` a point, `!` a point in a signal, `@` the marked batch, `-` the centre line, `=` the control
/// limits and `#` the specification limits.
enum TrendChartView {
    /// What a dot of the plot shows, highest priority last.
    enum Mark: Int, Comparable {
        case none = 0, centre, control, spec, trace, point, signal, marked

        static func < (a: Mark, b: Mark) -> Bool { a.rawValue < b.rawValue }

        var role: StyleRole {
            switch self {
            case .none, .centre: return .dim
            case .control: return .minor
            case .spec: return .major
            case .trace, .point: return .text
            case .signal: return .critical
            case .marked: return .selection
            }
        }

        var ascii: String {
            switch self {
            case .none, .trace: return " "
            case .centre: return "-"
            case .control: return "="
            case .spec: return "#"
            case .point: return "o"
            case .signal: return "!"
            case .marked: return "@"
            }
        }
    }

    static let gutter = 5

    static func draw(_ chart: TrendChart, batch: String?, in rect: Rect, into buffer: inout CellBuffer) {
        guard rect.width > gutter + 2, rect.height >= 4 else { return }
        let unicode = buffer.unicode
        var title = "\(chart.site) · \(chart.points.count) batch\(chart.points.count == 1 ? "" : "es")"
        if chart.preliminary { title += " · preliminary" }
        buffer.putFitted(title, x: rect.x, y: rect.y, columns: rect.width, chart.preliminary ? .major : .label)
        guard let limits = chart.limits else {
            buffer.putFitted(
                chart.points.isEmpty ? "no batch with a result" : "no limits: one batch", x: rect.x, y: rect.y + 1,
                columns: rect.width, .dim)
            return
        }
        let f = Trends.format
        let values = "CL \(f(limits.centre))  UCL \(f(limits.upper))  LCL \(f(limits.lower))"
        let withSigma = values + TrendView.plain("  σ̂ \(f(limits.sigma))", unicode: unicode)
        buffer.putFitted(
            buffer.width(of: withSigma) <= rect.width ? withSigma : values, x: rect.x, y: rect.y + 1,
            columns: rect.width, .text)
        let rows = rect.height - 3
        let plotX = rect.x + gutter
        let columns = rect.width - gutter
        let dotsAcross = unicode ? 2 : 1
        let dotsDown = unicode ? 4 : 1
        let width = columns * dotsAcross
        let height = rows * dotsDown
        let n = chart.points.count
        // Few points are spread out (at most six dots or three cells apart); many share a cell two by two.
        let spacing = max(1, min(width / max(1, n), unicode ? 6 : 3))
        let capacity = max(1, width / spacing)
        let marked = batch.flatMap { chart.index(of: $0) }
        var start = max(0, n - capacity)
        if let marked, marked < start { start = max(0, marked - capacity / 2) }
        let end = min(n, start + capacity)
        let shown = start..<end
        // The value range: the points shown, the control limits and the specification limits.
        var low = limits.lower
        var high = limits.upper
        for i in shown {
            low = min(low, chart.points[i].value)
            high = max(high, chart.points[i].value)
        }
        for spec in [chart.specLow, chart.specHigh].compactMap({ $0 }) {
            low = min(low, spec)
            high = max(high, spec)
        }
        if high - low <= 0 {
            let pad = low == 0 ? 1 : abs(low) * 0.05
            low -= pad
            high += pad
        }
        func dotY(_ value: Double) -> Int {
            let t = (high - value) / (high - low)
            return max(0, min(height - 1, Int((t * Double(height - 1)).rounded())))
        }
        var grid = [Mark](repeating: .none, count: width * height)
        func mark(_ x: Int, _ y: Int, _ m: Mark) {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            if grid[y * width + x] < m { grid[y * width + x] = m }
        }
        // Lines, with the gutter's label on their row: the first named keeps a row two lines share.
        var labels: [Int: String] = [:]
        var lines: [(Double, Mark, String)] = [
            (limits.upper, .control, "UCL"), (limits.lower, .control, "LCL"), (limits.centre, .centre, "CL"),
        ]
        if let s = chart.specHigh { lines.append((s, .spec, "USL")) }
        if let s = chart.specLow { lines.append((s, .spec, "LSL")) }
        for (value, kind, label) in lines {
            let y = dotY(value)
            for x in 0..<width where kind != .control || !unicode || x % 2 == 0 { mark(x, y, kind) }
            if labels[y / dotsDown] == nil { labels[y / dotsDown] = label }
        }
        // The points, joined in braille by a trace through the dots between them.
        let signalled = Set(chart.signals.flatMap(\.flagged))
        var previous: (x: Int, y: Int)? = nil
        for (k, i) in shown.enumerated() {
            let x = k * spacing
            let y = dotY(chart.points[i].value)
            if unicode, let p = previous, x > p.x {
                // Each dot column between the two points covers the stretch of the line over it.
                for tx in (p.x + 1)...x {
                    let a = Double(p.y) + Double(y - p.y) * Double(tx - 1 - p.x) / Double(x - p.x)
                    let b = Double(p.y) + Double(y - p.y) * Double(tx - p.x) / Double(x - p.x)
                    for yy in Int(min(a, b).rounded())...Int(max(a, b).rounded()) { mark(tx, yy, .trace) }
                }
            }
            mark(x, y, i == marked ? .marked : signalled.contains(i) ? .signal : .point)
            previous = (x, y)
        }
        // Cells.
        for row in 0..<rows {
            let y = rect.y + 2 + row
            if let label = labels[row] { buffer.put(label, x: rect.x, y: y, maxWidth: gutter - 1, .dim) }
            for column in 0..<columns {
                var best = Mark.none
                var bits: UInt32 = 0
                for dy in 0..<dotsDown {
                    for dx in 0..<dotsAcross {
                        let m = grid[(row * dotsDown + dy) * width + column * dotsAcross + dx]
                        if m != .none { bits |= brailleBit(dx, dy) }
                        best = max(best, m)
                    }
                }
                guard best != .none else { continue }
                let text: String
                if unicode {
                    text = String(Character(Unicode.Scalar(0x2800 + bits)!))
                } else {
                    text = best.ascii
                }
                buffer.put(text, x: plotX + column, y: y, best.role)
            }
        }
        // Marker row: the marked batch and the points in a signal.
        let markerY = rect.y + rect.height - 1
        for (k, i) in shown.enumerated() where signalled.contains(i) {
            buffer.put("!", x: plotX + k * spacing / dotsAcross, y: markerY, .critical)
        }
        if let marked, shown.contains(marked) {
            buffer.put(unicode ? "▲" : "^", x: plotX + (marked - start) * spacing / dotsAcross, y: markerY, .selection)
        }
        if start > 0 || end < n {
            let range = "\(start + 1)–\(end) of \(n)"
            let w = buffer.width(of: range)
            if w < columns / 2 {
                buffer.put(range, x: rect.x + rect.width - w, y: markerY, .dim)
            }
        }
    }

    /// The bit of the braille dot in column `dx` (0–1) and row `dy` (0–3) of a cell.
    static func brailleBit(_ dx: Int, _ dy: Int) -> UInt32 {
        switch (dx, dy) {
        case (0, 0): return 0x01
        case (0, 1): return 0x02
        case (0, 2): return 0x04
        case (1, 0): return 0x08
        case (1, 1): return 0x10
        case (1, 2): return 0x20
        case (0, 3): return 0x40
        default: return 0x80
        }
    }
}
