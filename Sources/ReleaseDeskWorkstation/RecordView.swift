import CanonicalJSON
import ReleaseDeskCore

/// One audit record in full, for the record view: who, what, when (with zone), which object, old → new
/// values, reason and signature manifestation in words, then the raw canonical line. Pure; texts are
/// sanitised and fit `width`.
public enum RecordView {
    /// The record with `seq`, or why it cannot be shown.
    public static func read(_ state: WorkstationState, seq: Int64) -> Result<Record, RecordArchiveError> {
        state.records.read(Int(clamping: seq) - 1)
    }

    /// The record with `seq`, when it can be read.
    public static func record(_ state: WorkstationState, seq: Int64) -> Record? {
        if case .success(let record) = read(state, seq: seq) { return record }
        return nil
    }

    /// Every line of the view at `width`. The view itself draws a page at a time (`page`), since a raw record
    /// may be megabytes long.
    public static func lines(_ state: WorkstationState, seq: Int64, width: Int) -> [StyledLine] {
        let page = page(state, seq: seq, width: width, offset: 0, rows: Int.max)
        return page.lines
    }

    /// `rows` lines of the view from line `offset` (kept inside the text), and how many lines there are. The
    /// raw line is wrapped only as far as the page needs, so a key press costs the same for a one-megabyte
    /// record as for a short one.
    public static func page(_ state: WorkstationState, seq: Int64, width: Int, offset: Int, rows: Int) -> RecordPage {
        let record: Record
        switch read(state, seq: seq) {
        case .success(let read): record = read
        case .failure(let problem):
            let lines = Wrap.lines(DisplayText.sanitize(problem.description), width: max(1, width)).map {
                StyledLine([(.dim, $0)])
            }
            return RecordPage(lines: Array(lines.prefix(max(1, rows))), first: 0, total: lines.count)
        }
        let width = max(1, width)
        let head = headLines(state, record: record, width: width)
        let text = state.recordText?.seq == seq ? state.recordText! : Self.text(of: record)
        let raw = text.line
        let total = head.count + Wrap.hardCount(raw, width: width, ascii: text.ascii)
        let rows = max(1, rows)
        let first = max(0, min(offset, total - min(rows, total)))
        let last = first + min(rows, total - first)
        var out: [StyledLine] = []
        if first < head.count { out += head[first..<min(last, head.count)] }
        if last > head.count {
            let from = max(first, head.count) - head.count
            for line in Wrap.hard(raw, width: width, from: from, count: last - head.count - from, ascii: text.ascii) {
                out.append(StyledLine([(.plain, line)]))
            }
        }
        return RecordPage(lines: out, first: first, total: total)
    }

    /// The raw line of `record` as the view shows it; with `asciiOnly` (a terminal outside UTF-8) every
    /// character outside ASCII is written as its JSON escape (`\u5c71`; a surrogate pair beyond U+FFFF), so
    /// the line is still the record's JSON and nothing in it becomes a question mark.
    public static func text(of record: Record, asciiOnly: Bool = false) -> RecordText {
        var line = AuditText.safeJSONLine(record)
        if asciiOnly && !Wrap.isASCII(line) { line = jsonEscapingNonASCII(line) }
        return RecordText(seq: record.seq, line: line, ascii: Wrap.isASCII(line))
    }

    /// `line` with every scalar outside ASCII as a JSON `\u` escape.
    public static func jsonEscapingNonASCII(_ line: String) -> String {
        var out = String.UnicodeScalarView()
        func hex(_ unit: UInt16) {
            let digits = String(unit, radix: 16)
            for scalar in ("\\u" + String(repeating: "0", count: 4 - digits.count) + digits).unicodeScalars {
                out.append(scalar)
            }
        }
        for scalar in line.unicodeScalars {
            if scalar.isASCII {
                out.append(scalar)
            } else {
                for unit in String(scalar).utf16 { hex(unit) }
            }
        }
        return String(out)
    }

    /// The readable part of the view, down to the heading of the raw line.
    static func headLines(_ state: WorkstationState, record: Record, width: Int) -> [StyledLine] {
        var out: [StyledLine] = []
        func field(_ label: String, _ value: String, _ style: TextStyle = .plain) {
            out += StyledLine.field(label, value, style, width: width, labelWidth: 12)
        }
        let b = record.body
        out.append(StyledLine([(.heading, DisplayText.sanitize("Record #\(record.seq) · \(record.kind)"))]))
        field("When", "\(Clock.format(record.at)) (journal time \(record.at), UTC)")
        let name = state.desk.users[record.actor]?.name
        field("Who", name.map { "\($0) (\(record.actor))" } ?? record.actor)
        field("Host", record.host, .dim)
        field("What", AuditText.summary(record))
        var objects: [String] = []
        for key in ["batch", "batch_id", "exception", "deviation", "user", "import_id"] {
            if let value = b[key]?.stringValue {
                objects.append("\(key == "batch_id" ? "batch" : key == "import_id" ? "import" : key) \(value)")
            }
        }
        if let batch = b["batch"]?.objectValue?["id"]?.stringValue { objects.append("batch \(batch)") }
        if !objects.isEmpty { field("Object", objects.joined(separator: " · ")) }
        // Values this record changed, as the fold recorded them (old → new).
        let batchID = b["batch"]?.stringValue ?? b["batch"]?.objectValue?["id"]?.stringValue
        if let batchID, let changes = state.desk.batches[batchID]?.changes.filter({ $0.seq == record.seq }),
            !changes.isEmpty
        {
            for (i, change) in changes.enumerated() {
                field(i == 0 ? "Changed" : "", "\(change.field): \(change.old) → \(change.new)", .soon)
            }
        }
        if let reason = b["reason"]?.stringValue { field("Reason", reason) }
        if let signature = Signature.decode(b["signature"]) {
            field("Signature", signature.manifestation(at: record.at))
            field("", "subject \(signature.subject) · sha256 \(signature.subjectSHA256)", .dim)
        }
        field("Previous", "sha256 \(record.prev) (hash of record #\(record.seq - 1)'s line)", .dim)
        out.append(StyledLine([]))
        out.append(StyledLine([(.heading, "Raw canonical record")]))
        out.append(StyledLine([(.dim, "As stored; hidden characters are shown as \\u escapes.")]))
        return out
    }

    /// The rows the view has for its text (the terminal less the frame and the footer).
    public static func visibleRows(_ state: WorkstationState) -> Int { max(1, state.size.height - 5) }

    public static func maxOffset(_ state: WorkstationState, seq: Int64) -> Int {
        let page = page(state, seq: seq, width: max(1, state.size.width - 6), offset: 0, rows: 1)
        return max(0, page.total - visibleRows(state))
    }
}

/// A page of the record view: its lines, the index of the first, and how many the whole view has.
public struct RecordPage: Sendable {
    public var lines: [StyledLine]
    public var first: Int
    public var total: Int
}

extension Wrap {
    /// Cuts `text` into lines of exactly `width` columns (the last may be shorter), without looking for spaces:
    /// for raw records, whose bytes matter. Only the `count` lines from line `first` are made.
    public static func hard(
        _ text: String, width: Int, from first: Int = 0, count: Int = Int.max, ascii: Bool? = nil
    ) -> [String] {
        guard width > 0, count > 0 else { return [] }
        if ascii ?? isASCII(text) {
            // One column a byte: line k is bytes k·width ..< (k+1)·width, found without walking the text.
            let utf8 = text.utf8
            let lines = max(1, (utf8.count + width - 1) / width)
            guard first < lines else { return [] }
            var out: [String] = []
            var line = first
            while line < lines && out.count < count {
                let start = utf8.index(utf8.startIndex, offsetBy: line * width)
                let end = utf8.index(start, offsetBy: min(width, utf8.count - line * width))
                out.append(String(text[start..<end]))
                line += 1
            }
            return out
        }
        var out: [String] = []
        var index = 0
        var line = ""
        var used = 0
        for ch in text {
            let w = ch.isASCII ? 1 : DisplayWidth.of(String(ch))
            if used + w > width && used > 0 {
                if index >= first { out.append(line) }
                if out.count == count { return out }
                index += 1
                line = ""
                used = 0
            }
            line.append(ch)
            used += w
        }
        if (!line.isEmpty || index == 0) && index >= first { out.append(line) }
        return out
    }

    /// How many lines `hard(text, width:)` makes.
    public static func hardCount(_ text: String, width: Int, ascii: Bool? = nil) -> Int {
        guard width > 0 else { return 0 }
        if ascii ?? isASCII(text) { return max(1, (text.utf8.count + width - 1) / width) }
        var lines = 1
        var used = 0
        for ch in text {
            let w = ch.isASCII ? 1 : DisplayWidth.of(String(ch))
            if used + w > width && used > 0 {
                lines += 1
                used = 0
            }
            used += w
        }
        return lines
    }

    public static func isASCII(_ text: String) -> Bool {
        var ascii = true
        text.utf8.withContiguousStorageIfAvailable { bytes in ascii = !bytes.contains { $0 >= 0x80 } }
            ?? {
                ascii = !text.utf8.contains { $0 >= 0x80 }
            }()
        return ascii
    }
}
