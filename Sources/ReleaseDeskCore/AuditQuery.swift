/// A filter of the audit trail: by actor, kind, batch and time, plus free words. The workstation's audit
/// filter and the `audit` command use the same matching.
///
/// Text form (the workstation's filter line): `actor:ID kind:K batch:ID since:T until:T word…`, where a
/// kind ending `.*` (or `.`) matches a family and T is `YYYY-MM-DD` or a journal timestamp (UTC).
public struct AuditQuery: Equatable, Sendable {
    public var actor: String?
    public var kind: String?
    public var batch: String?
    public var since: Timestamp?
    public var until: Timestamp?
    /// Lower-cased words that must all appear in the record's actor, kind or readable summary.
    public var words: [String] = []

    public init(
        actor: String? = nil, kind: String? = nil, batch: String? = nil, since: Timestamp? = nil,
        until: Timestamp? = nil
    ) {
        self.actor = actor
        self.kind = kind
        self.batch = batch
        self.since = since
        self.until = until
    }

    public static let timeHelp = "use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.mmmZ (UTC)"

    /// A time given by a person: a day, a time to the second, or a journal timestamp, all UTC.
    public static func time(_ text: String) -> Timestamp? {
        if let full = Timestamp(journalForm: text) { return full }
        if text.utf8.count == 10, let day = Timestamp(journalForm: text + "T00:00:00.000Z") { return day }
        if text.utf8.count == 20, text.hasSuffix("Z"),
            let seconds = Timestamp(journalForm: String(text.dropLast()) + ".000Z")
        {
            return seconds
        }
        return nil
    }

    /// Parses the text form; a bad time is an error naming the field.
    public static func parse(_ text: String) -> Result<AuditQuery, AuditQueryError> {
        var query = AuditQuery()
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) {
            guard let colon = token.firstIndex(of: ":") else {
                query.words.append(token.lowercased())
                continue
            }
            let key = token[..<colon].lowercased()
            let value = String(token[token.index(after: colon)...])
            switch key {
            case "actor", "by": query.actor = value
            case "kind": query.kind = value
            case "batch": query.batch = value
            case "since", "from":
                guard let t = time(value) else { return .failure(AuditQueryError(field: "since", message: timeHelp)) }
                query.since = t
            case "until", "to":
                guard let t = time(value) else { return .failure(AuditQueryError(field: "until", message: timeHelp)) }
                query.until = t
            default: query.words.append(token.lowercased())
            }
        }
        return .success(query)
    }

    /// Whether nothing is filtered.
    public var isEmpty: Bool {
        actor == nil && kind == nil && batch == nil && since == nil && until == nil && words.isEmpty
    }

    /// Whether `kind` is the query's kind, or of its family (`deviation.*`).
    public func matchesKind(_ recordKind: String) -> Bool {
        guard let kind, !kind.isEmpty else { return true }
        if kind.hasSuffix(".*") { return recordKind.hasPrefix(kind.dropLast()) }
        if kind.hasSuffix(".") { return recordKind.hasPrefix(kind) }
        return recordKind == kind
    }

    /// Whether `record` passes every part but the batch (the caller knows which records are about a batch).
    public func matches(_ record: Record) -> Bool {
        if let actor, record.actor != actor { return false }
        if !matchesKind(record.kind) { return false }
        if let since, record.at < since { return false }
        if let until, record.at >= until { return false }
        if !words.isEmpty {
            let text = (record.actor + " " + record.kind + " " + AuditText.summary(record)).lowercased()
            for word in words where !text.contains(word) { return false }
        }
        return true
    }
}

/// A part of an audit filter that cannot be read.
public struct AuditQueryError: Error, Equatable, Sendable {
    public var field: String
    public var message: String
}

extension DeskState {
    /// Whether `record` is about `batch`: its data, reviews, dispositions, deviations and decisions.
    public func isRecord(_ record: Record, about batch: String, seqs: Set<Int64>) -> Bool {
        seqs.contains(record.seq) || (record.body["batch_id"] ?? record.body["batch"])?.stringValue == batch
    }
}
