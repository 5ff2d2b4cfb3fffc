import ReleaseDeskCore

/// Plain-text tables for terminal and pipe output; cells are sanitised and aligned by display width.
enum Table {
    static func render(header: [String], rows: [[String]], maxWidths: [Int]? = nil) -> String {
        let widths = self.widths(header: header, rows: rows, maxWidths: maxWidths)
        return line(header, widths: widths) + rows.map { line($0, widths: widths) }.joined()
    }

    /// The width of each column: the widest of its sanitised cells, at most `maxWidths` where given. Rows may be
    /// made one at a time (a table streamed in two passes: widths, then lines).
    static func widths(header: [String], rows: some Sequence<[String]>, maxWidths: [Int]? = nil) -> [Int] {
        var widths = header.map { DisplayWidth.of($0) }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], DisplayWidth.of(DisplayText.sanitize(cell, layout: .singleLine)))
            }
        }
        if let maxWidths {
            for i in widths.indices where i < maxWidths.count && maxWidths[i] > 0 {
                widths[i] = min(widths[i], maxWidths[i])
            }
        }
        return widths
    }

    /// One row, sanitised, padded to `widths`; the last cell is cut to its width.
    static func line(_ cells: [String], widths: [Int]) -> String {
        var parts: [String] = []
        for (i, raw) in cells.enumerated() {
            let cell = DisplayText.sanitize(raw, layout: .singleLine)
            parts.append(
                i == cells.count - 1
                    ? DisplayWidth.truncate(cell, to: max(widths[i], 1)) : DisplayWidth.pad(cell, to: widths[i]))
        }
        return parts.joined(separator: "  ") + "\n"
    }
}
