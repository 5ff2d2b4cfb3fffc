import CanonicalJSON
import ReleaseDeskCore

/// One audit record in full, for the record view: who, what, when (with zone), which object, old → new
/// values, reason and signature manifestation in words, then the raw canonical line. Pure; texts are
/// sanitised and fit `width`.
public enum RecordView {
    /// The record with `seq`, when it has been read.
    public static func record(_ state: WorkstationState, seq: Int64) -> Record? {
        let index = Int(seq) - 1
        return index >= 0 && index < state.records.count ? state.records[index] : nil
    }

    public static func lines(_ state: WorkstationState, seq: Int64, width: Int) -> [StyledLine] {
        guard let record = record(state, seq: seq) else { return [StyledLine([(.dim, "Record #\(seq) has not been read.")])] }
        let width = max(1, width)
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
            if let value = b[key]?.stringValue { objects.append("\(key == "batch_id" ? "batch" : key == "import_id" ? "import" : key) \(value)") }
        }
        if let batch = b["batch"]?.objectValue?["id"]?.stringValue { objects.append("batch \(batch)") }
        if !objects.isEmpty { field("Object", objects.joined(separator: " · ")) }
        // Values this record changed, as the fold recorded them (old → new).
        let batchID = b["batch"]?.stringValue ?? b["batch"]?.objectValue?["id"]?.stringValue
        if let batchID, let changes = state.desk.batches[batchID]?.changes.filter({ $0.seq == record.seq }), !changes.isEmpty {
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
        for line in Wrap.hard(AuditText.safeJSONLine(record), width: width) {
            out.append(StyledLine([(.plain, line)]))
        }
        return out
    }

    /// The rows the view has for its text (the terminal less the frame and the footer).
    public static func visibleRows(_ state: WorkstationState) -> Int { max(1, state.size.height - 5) }

    public static func maxOffset(_ state: WorkstationState, seq: Int64) -> Int {
        max(0, lines(state, seq: seq, width: max(1, state.size.width - 6)).count - visibleRows(state))
    }
}

extension Wrap {
    /// Cuts `text` into lines of exactly `width` columns (the last may be shorter), without looking for spaces:
    /// for raw records, whose bytes matter.
    public static func hard(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var out: [String] = []
        var line = ""
        var used = 0
        for ch in text {
            let w = DisplayWidth.of(String(ch))
            if used + w > width && used > 0 {
                out.append(line)
                line = ""
                used = 0
            }
            line.append(ch)
            used += w
        }
        if !line.isEmpty || out.isEmpty { out.append(line) }
        return out
    }
}
