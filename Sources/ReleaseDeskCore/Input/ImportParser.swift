import CanonicalJSON

/// A problem with an import file, naming file, line and field.
public struct ImportProblem: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var field: String
    public var message: String

    public init(file: String, line: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        DisplayText.sanitize("\(file):\(line): \(field.isEmpty ? "" : "field \(field): ")\(message)")
    }
}

/// Every problem found in import files.
public struct ImportProblems: Error, Equatable {
    public var problems: [ImportProblem]

    public init(_ problems: [ImportProblem]) {
        self.problems = problems
    }
}

func failed(_ problems: [ImportProblem]) -> Result<ParsedImport, ImportProblems> { .failure(ImportProblems(problems)) }

/// One thing an import file brings.
public enum ImportItem: Sendable, Hashable {
    case product(Product)
    case site(Site)
    case batch(Batch)
    case qcResult(batch: String, result: QCResult, correctionReason: String?)
    case custodyEvent(batch: String, event: CustodyEvent)
}

/// An item with the place in its file it came from.
public struct LocatedItem: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var path: String
    public var item: ImportItem

    public init(file: String, line: Int, path: String, item: ImportItem) {
        self.file = file
        self.line = line
        self.path = path
        self.item = item
    }
}

/// An import file, read and decoded.
public struct ParsedImport: Sendable {
    public var file: String
    public var sha256: String
    /// `master-data`, `batch-records`, `qc-results`, `custody-events`.
    public var format: String
    public var items: [LocatedItem]
    public init(file: String, sha256: String, format: String, items: [LocatedItem], lines: [String: Int] = [:]) {
        self.file = file
        self.sha256 = sha256
        self.format = format
        self.items = items
        self.lines = lines
    }

    /// For JSON files: the line of every value, by path.
    public var lines: [String: Int] = [:]

    /// Set when the bytes imported were made from another file (the demo's time-shifted copies of the
    /// sample files): that file, the SHA-256 of its bytes, and what was done to them. `sha256` is always the
    /// SHA-256 of the bytes actually imported.
    public var derivation: Derivation?

    /// Where imported bytes came from when they are not a file's own bytes.
    public struct Derivation: Sendable, Equatable {
        /// The file the bytes were made from, as a short relative name (`SampleData/batches.json`).
        public var from: String
        /// SHA-256 (hex) of that file's bytes.
        public var sha256: String
        /// What was done to them, in words (`times shifted by +27648000000 ms`).
        public var transformation: String

        public init(from: String, sha256: String, transformation: String) {
            self.from = from
            self.sha256 = sha256
            self.transformation = transformation
        }
    }

    /// The line of `path`, or of its nearest enclosing value.
    public func line(of path: String, fallback: Int) -> Int {
        var p = path
        while !p.isEmpty {
            if let l = lines[p] { return l }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            p = String(p[..<cut])
        }
        return fallback
    }
}

/// Reads import files: batch records (JSON), products and sites (JSON), QC results (CSV), custody events (CSV
/// or JSON). Pure: the caller reads the bytes. Formats are documented in `docs/import-formats.md`.
public enum ImportParser {
    /// Parses one file; every problem found is returned (not only the first).
    public static func parse(file: String, sha256: String, bytes: [UInt8]) -> Result<ParsedImport, ImportProblems> {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            return failed([
                ImportProblem(file: file, line: 1, field: "", message: "the file is UTF-16; save it as UTF-8")
            ])
        }
        if let order = utf16WithoutBOM(bytes) {
            return failed([
                ImportProblem(
                    file: file, line: 1, field: "",
                    message: "the file is UTF-16 (\(order), without a byte-order mark); save it as UTF-8")
            ])
        }
        if bytes.isEmpty {
            return failed([ImportProblem(file: file, line: 1, field: "", message: "the file is empty")])
        }
        let lower = file.lowercased()
        if lower.hasSuffix(".csv") { return parseCSV(file: file, sha256: sha256, bytes: bytes) }
        if lower.hasSuffix(".json") { return parseJSON(file: file, sha256: sha256, bytes: bytes) }
        return failed([
            ImportProblem(file: file, line: 1, field: "", message: "unknown file type: imports are .json or .csv")
        ])
    }

    /// `little-endian` or `big-endian` when `bytes` look like UTF-16 without a byte-order mark: a NUL in every
    /// other byte of the first ones (text in UTF-8 has no NUL bytes at all), else `nil`.
    static func utf16WithoutBOM(_ bytes: [UInt8]) -> String? {
        let sample = bytes.prefix(256)
        guard sample.count >= 4 else { return nil }
        var evenNUL = 0
        var oddNUL = 0
        for (offset, byte) in sample.enumerated() where byte == 0 {
            if offset % 2 == 0 { evenNUL += 1 } else { oddNUL += 1 }
        }
        let pairs = sample.count / 2
        // Mostly ASCII text in UTF-16 has a NUL in (nearly) every high byte and none in the low ones.
        if oddNUL * 4 >= pairs * 3 && evenNUL == 0 { return "little-endian" }
        if evenNUL * 4 >= pairs * 3 && oddNUL == 0 { return "big-endian" }
        return nil
    }

    // MARK: - JSON

    static func parseJSON(file: String, sha256: String, bytes: [UInt8]) -> Result<ParsedImport, ImportProblems> {
        let root: InputNode
        do {
            root = try InputJSONReader.parse(bytes)
        } catch {
            return failed([
                ImportProblem(
                    file: file, line: error.line, field: error.path, message: "\(error.reason) (column \(error.column))"
                )
            ])
        }
        var lines: [String: Int] = [:]
        let value: JSONValue
        do {
            value = try convert(root, path: "", lines: &lines)
        } catch {
            return failed([
                ImportProblem(
                    file: file, line: lines[error.path] ?? root.line, field: error.path, message: error.message)
            ])
        }
        guard case .object(let top) = value else {
            return failed([
                ImportProblem(file: file, line: root.line, field: "", message: "the file must hold a JSON object")
            ])
        }
        func line(_ path: String) -> Int {
            var p = path
            while !p.isEmpty {
                if let l = lines[p] { return l }
                if let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) { p = String(p[..<cut]) } else { break }
            }
            return root.line
        }
        var items: [LocatedItem] = []
        var problems: [ImportProblem] = []
        func fail(_ error: FieldError) {
            problems.append(
                ImportProblem(file: file, line: line(error.path), field: error.path, message: error.message))
        }
        var format = ""
        for key in top.keys.sorted() {
            switch key {
            case "products", "sites":
                format = "master-data"
                guard case .array(let entries) = top[key]! else {
                    fail(FieldError(key, "must be an array"))
                    continue
                }
                for (index, entry) in entries.enumerated() {
                    let path = "\(key)[\(index)]"
                    do {
                        let item: ImportItem =
                            key == "products"
                            ? .product(try Product.decode(entry, path: path))
                            : .site(try Site.decode(entry, path: path))
                        items.append(LocatedItem(file: file, line: line(path), path: path, item: item))
                    } catch {
                        fail(error)
                    }
                }
            case "batches":
                format = "batch-records"
                guard case .array(let entries) = top[key]! else {
                    fail(FieldError(key, "must be an array"))
                    continue
                }
                for (index, entry) in entries.enumerated() {
                    let path = "batches[\(index)]"
                    do {
                        items.append(
                            LocatedItem(
                                file: file, line: line(path), path: path,
                                item: .batch(try Batch.decode(entry, path: path))))
                    } catch {
                        fail(error)
                    }
                }
            case "custody":
                format = "custody-events"
                guard case .array(let entries) = top[key]! else {
                    fail(FieldError(key, "must be an array"))
                    continue
                }
                for (index, entry) in entries.enumerated() {
                    let path = "custody[\(index)]"
                    do {
                        var f = try Fields(entry, path: path)
                        let batch = try f.identifier("batch")
                        var rest = entry.objectValue ?? [:]
                        rest["batch"] = nil
                        var eventFields = try Fields(.object(rest), path: path)
                        _ = f
                        let event = try CustodyEvent.decode(&eventFields)
                        items.append(
                            LocatedItem(
                                file: file, line: line(path), path: path,
                                item: .custodyEvent(batch: batch, event: event)))
                    } catch {
                        fail(error)
                    }
                }
            case "about":
                continue  // free text describing the file
            default:
                fail(FieldError(key, "is not a known section (products, sites, batches, custody)"))
            }
        }
        if format.isEmpty && problems.isEmpty {
            problems.append(
                ImportProblem(
                    file: file, line: root.line, field: "",
                    message: "the file has no products, sites, batches or custody"))
        }
        return problems.isEmpty
            ? .success(ParsedImport(file: file, sha256: sha256, format: format, items: items, lines: lines))
            : failed(problems)
    }

    /// Converts an input node to a journal value (decimals become strings, exactly as written), recording the
    /// line of every path.
    static func convert(_ node: InputNode, path: String, lines: inout [String: Int]) throws(FieldError) -> JSONValue {
        lines[path] = node.line
        switch node.value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .integer(let i): return .int(i)
        case .decimal(let text): return Fields.decimal(text)
        case .string(let s): return .string(s)
        case .array(let elements):
            var out: [JSONValue] = []
            for (index, element) in elements.enumerated() {
                out.append(try convert(element, path: "\(path)[\(index)]", lines: &lines))
            }
            return .array(out)
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, child) in members {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard CanonicalJSON.isValidKey(key) else {
                    lines[childPath] = child.line
                    throw FieldError(childPath, "field names are lower-case a-z, 0-9 and _")
                }
                out[key] = try convert(child, path: childPath, lines: &lines)
            }
            return .object(out)
        }
    }

    // MARK: - CSV

    static let qcColumns = ["batch", "result_id", "attribute", "value", "unit", "tested_at"]
    static let qcOptional = ["status", "correction_reason"]
    static let custodyColumns = ["batch", "event_id", "event", "at", "location", "holder"]
    static let custodyOptional = ["temperature_c", "coi"]

    static func parseCSV(file: String, sha256: String, bytes: [UInt8]) -> Result<ParsedImport, ImportProblems> {
        let rows: [CSVReader.Row]
        do {
            rows = try CSVReader.parse(bytes)
        } catch {
            return failed([ImportProblem(file: file, line: error.line, field: error.field, message: error.message)])
        }
        guard let header = rows.first else {
            return failed([ImportProblem(file: file, line: 1, field: "", message: "the file has no header row")])
        }
        let names = header.cells.map { $0.trimmingSpaces }
        let format: String
        let required: [String]
        let optional: [String]
        if Set(qcColumns).isSubset(of: names) {
            (format, required, optional) = ("qc-results", qcColumns, qcOptional)
        } else if Set(custodyColumns).isSubset(of: names) {
            (format, required, optional) = ("custody-events", custodyColumns, custodyOptional)
        } else {
            return failed([
                ImportProblem(
                    file: file, line: header.line, field: "",
                    message:
                        "the header is neither QC results (\(qcColumns.joined(separator: ","))) nor custody events "
                        + "(\(custodyColumns.joined(separator: ",")))")
            ])
        }
        var problems: [ImportProblem] = []
        for name in names where !required.contains(name) && !optional.contains(name) {
            problems.append(ImportProblem(file: file, line: header.line, field: name, message: "is not a known column"))
        }
        var seen: Set<String> = []
        for name in names where !seen.insert(name).inserted {
            problems.append(
                ImportProblem(file: file, line: header.line, field: name, message: "the column appears twice"))
        }
        guard problems.isEmpty else { return failed(problems) }
        var items: [LocatedItem] = []
        for row in rows.dropFirst() {
            if row.cells.count == 1 && row.cells[0].isEmpty { continue }  // blank line
            guard row.cells.count == names.count else {
                // Name the first column that is missing, or the first one too many.
                let field = row.cells.count < names.count ? names[row.cells.count] : "column \(names.count + 1)"
                problems.append(
                    ImportProblem(
                        file: file, line: row.line, field: field,
                        message: "has \(row.cells.count) cells where the header has \(names.count)"))
                continue
            }
            var object: [String: JSONValue] = [:]
            for (name, cell) in zip(names, row.cells) where !cell.isEmpty { object[name] = .string(cell) }
            let path = "row \(row.line)"
            do {
                var f = try Fields(.object(object), path: "")
                let batch = try f.identifier("batch")
                if format == "qc-results" {
                    let reason = try f.optionalReason("correction_reason")
                    var rest = object
                    rest["batch"] = nil
                    rest["correction_reason"] = nil
                    var rf = try Fields(.object(rest), path: "")
                    let result = try QCResult.decode(&rf)
                    items.append(
                        LocatedItem(
                            file: file, line: row.line, path: path,
                            item: .qcResult(batch: batch, result: result, correctionReason: reason)))
                } else {
                    var rest = object
                    rest["batch"] = nil
                    var rf = try Fields(.object(rest), path: "")
                    let event = try CustodyEvent.decode(&rf)
                    items.append(
                        LocatedItem(
                            file: file, line: row.line, path: path, item: .custodyEvent(batch: batch, event: event)))
                }
            } catch {
                problems.append(ImportProblem(file: file, line: row.line, field: error.path, message: error.message))
            }
        }
        return problems.isEmpty
            ? .success(ParsedImport(file: file, sha256: sha256, format: format, items: items)) : failed(problems)
    }
}

/// RFC 4180 CSV with line numbers: quoted cells may hold commas, quotes (doubled) and line ends.
public enum CSVReader {
    public struct Row: Sendable {
        public var line: Int
        public var cells: [String]
    }

    public struct Problem: Error {
        public var line: Int
        public var message: String
        /// The column the problem is in: its header name when the header row is complete, else `column N`.
        public var field: String = ""
    }

    public static func parse(_ input: [UInt8]) throws(Problem) -> [Row] {
        var bytes = input
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var rows: [Row] = []
        var cells: [String] = []
        var cell: [UInt8] = []
        var line = 1
        var lineStart = 0
        var rowLine = 1
        var quoted = false
        var i = 0
        func problem(_ message: String) -> Problem {
            let index = cells.count
            let names = rows.first?.cells ?? []
            let field = index < names.count && !names[index].isEmpty ? names[index] : "column \(index + 1)"
            return Problem(line: line, message: message, field: field)
        }
        func finishCell() throws(Problem) {
            guard let text = String(validating: cell, as: UTF8.self) else {
                throw problem("a cell is not valid UTF-8 (imports are UTF-8)")
            }
            cells.append(text)
            cell.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                        cell.append(b)
                        i += 2
                        continue
                    }
                    quoted = false
                    i += 1
                    guard i >= bytes.count || [UInt8(ascii: ","), 0x0A, 0x0D].contains(bytes[i]) else {
                        throw problem("characters after a closing quote")
                    }
                    continue
                }
                if b == 0x0A {
                    line += 1
                    lineStart = i + 1
                }
                cell.append(b)
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                guard cell.isEmpty else { throw problem("a quote inside an unquoted cell") }
                quoted = true
            case UInt8(ascii: ","):
                try finishCell()
            case 0x0D:
                // CR LF ends a line; a CR on its own would be lost from the cell, so it is refused.
                guard i + 1 < bytes.count, bytes[i + 1] == 0x0A else {
                    throw problem(
                        "a carriage return (CR) inside an unquoted cell (column \(i - lineStart + 1)); "
                            + "quote the cell to keep it, or end lines with LF or CR LF")
                }
            case 0x0A:
                try finishCell()
                rows.append(Row(line: rowLine, cells: cells))
                cells = []
                line += 1
                rowLine = line
                lineStart = i + 1
            default:
                cell.append(b)
            }
            i += 1
        }
        if quoted { throw problem("the file ends inside a quoted cell") }
        if !cell.isEmpty || !cells.isEmpty {
            try finishCell()
            rows.append(Row(line: rowLine, cells: cells))
        }
        return rows
    }
}
