import ReleaseDeskCore

/// Plain-text tables for terminal and pipe output; cells are sanitised and aligned by display width.
enum Table {
    static func render(header: [String], rows: [[String]], maxWidths: [Int]? = nil) -> String {
        let clean = rows.map { $0.map { DisplayText.sanitize($0, layout: .singleLine) } }
        var widths = header.map { DisplayWidth.of($0) }
        for row in clean {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], DisplayWidth.of(cell))
            }
        }
        if let maxWidths {
            for i in widths.indices where i < maxWidths.count && maxWidths[i] > 0 {
                widths[i] = min(widths[i], maxWidths[i])
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                parts.append(
                    i == cells.count - 1
                        ? DisplayWidth.truncate(cell, to: max(widths[i], 1)) : DisplayWidth.pad(cell, to: widths[i]))
            }
            return parts.joined(separator: "  ") + "\n"
        }
        return line(header) + clean.map(line).joined()
    }
}
