import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore

/// The one output option of the commands that list things (`queue`, `audit`, `deviation list`, `user list`,
/// `register`): a table for people, one JSON document, JSON Lines (one object per line) or CSV. An empty list
/// is still a document: the table's header, `[]`, nothing in JSON Lines, the CSV header.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv

    static let help = ArgumentHelp(
        "table, json (one document), jsonl (one object per line) or csv.", valueName: "format")

    /// `--format`, or a command's older `--json` flag, which means JSON Lines; both given must agree.
    static func resolve(_ format: ListFormat?, json: Bool) throws -> ListFormat {
        guard json else { return format ?? .table }
        if let format, format != .jsonl {
            throw Failure(.usage, "--json is the same as --format jsonl; give one of them")
        }
        return .jsonl
    }
}

/// A list ready for any `ListFormat`: the column names (the table's header; in CSV, `csvColumns`), and each
/// row's cells and JSON object.
struct ListOutput {
    var columns: [String]
    var csvColumns: [String]
    var rows: [(cells: [String], object: JSONValue)] = []
    /// A last line under a table (a count), never in the machine formats.
    var tableFooter: String?

    init(columns: [String], csvColumns: [String]? = nil) {
        self.columns = columns
        self.csvColumns = csvColumns ?? columns.map { $0.lowercased().replacingSpaces() }
    }

    mutating func append(_ cells: [String], _ object: JSONValue) { rows.append((cells, object)) }

    func render(_ format: ListFormat) -> String {
        switch format {
        case .table:
            return Table.render(header: columns, rows: rows.map(\.cells)) + (tableFooter.map { $0 + "\n" } ?? "")
        case .json:
            return AuditText.safeJSON(.array(rows.map(\.object))) + "\n"
        case .jsonl:
            return rows.map { AuditText.safeJSON($0.object) + "\n" }.joined()
        case .csv:
            return ([csvColumns] + rows.map(\.cells)).map { cells in
                cells.map(AuditText.csvField).joined(separator: ",") + "\r\n"
            }.joined()
        }
    }
}

extension String {
    fileprivate func replacingSpaces() -> String {
        String(map { $0 == " " || $0 == "." ? "_" : $0 }).trimmingCharacters(in: "_")
    }

    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
