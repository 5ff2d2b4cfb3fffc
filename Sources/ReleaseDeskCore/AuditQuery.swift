/// A filter of the audit trail: by actor, kind, batch and time, plus free words. The workstation's audit
/// filter and the `audit` command use the same matching.
///
/// Text form (the workstation's filter line): `actor:ID kind:K batch:ID since:T until:T word…`, where a
/// kind ending `.*` (or `.`) matches a family and T is a day `YYYY-MM-DD` or a time `YYYY-MM-DDTHH:MM`,
/// `…:SS` or `…:SS.mmm`, with or without a final `Z` (UTC). `until` includes what it names: the whole day,
/// minute, second or millisecond.
public struct AuditQuery: Equatable, Sendable {
    public var actor: String?
    public var kind: String?
    public var batch: String?
    public var since: Timestamp?
    /// The first instant not included (`untilBound` of what was typed).
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

    public static let timeHelp =
        "use YYYY-MM-DD, YYYY-MM-DDTHH:MM, YYYY-MM-DDTHH:MM:SS or YYYY-MM-DDTHH:MM:SS.mmm (UTC)"

    /// A time given by a person — a day, a time to the minute, second or millisecond, all UTC, with or without
    /// a final `Z` — as the instant it starts and how long it lasts in milliseconds.
    public static func period(_ text: String) -> (start: Timestamp, milliseconds: Int64)? {
        let bare = text.hasSuffix("Z") || text.hasSuffix("z") ? String(text.dropLast()) : text
        let forms: [(count: Int, suffix: String, length: Int64)] = [
            (10, "T00:00:00.000Z", 86_400_000), (16, ":00.000Z", 60_000), (19, ".000Z", 1000), (23, "Z", 1),
        ]
        for form in forms where bare.utf8.count == form.count {
            let normal = bare.count > 10 ? String(bare.prefix(10)) + "T" + String(bare.dropFirst(11)) : bare
            guard bare.count <= 10 || bare.dropFirst(10).first == "T" || bare.dropFirst(10).first == "t" else {
                return nil
            }
            guard let start = Timestamp(journalForm: normal + form.suffix) else { return nil }
            return (start, form.length)
        }
        return nil
    }

    /// A time given by a person (`period`): the instant it starts.
    public static func time(_ text: String) -> Timestamp? { period(text)?.start }

    /// The end of a time given by a person, for `until`: the first instant after the whole day, minute,
    /// second or millisecond it names, so that `until:2026-03-01` includes the records of 1 March.
    public static func untilBound(_ text: String) -> Timestamp? {
        period(text).map { $0.start.adding(milliseconds: $0.milliseconds) }
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
                guard let t = untilBound(value) else {
                    return .failure(AuditQueryError(field: "until", message: timeHelp))
                }
                query.until = t
            default: query.words.append(token.lowercased())
            }
        }
        return .success(query)
    }

    /// Whether every record this query keeps is kept by `wider` too: each of its parts is this query's, and
    /// each of its words is inside one of this query's. (Typing on at the end of a filter usually narrows it,
    /// so the rows already found need only be filtered again.)
    public func narrows(_ wider: AuditQuery) -> Bool {
        if let actor = wider.actor, self.actor != actor { return false }
        if let kind = wider.kind, self.kind != kind { return false }
        if let batch = wider.batch, self.batch != batch { return false }
        if let since = wider.since, self.since.map({ $0 >= since }) != true { return false }
        if let until = wider.until, self.until.map({ $0 <= until }) != true { return false }
        return wider.words.allSatisfy { word in words.contains { $0.contains(word) } }
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
        return matchesWords(record)
    }

    /// Whether every word appears in `record`'s actor, kind or readable summary.
    public func matchesWords(_ record: Record) -> Bool {
        guard !words.isEmpty else { return true }
        let text = (record.actor + " " + record.kind + " " + AuditText.summary(record)).lowercased()
        for word in words where !text.contains(word) { return false }
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
        seqs.contains(record.seq) || record.namedBatch == batch
    }
}

extension Record {
    /// The batch the record's body names (`batch_id`, else `batch`), if any.
    public var namedBatch: String? { (body["batch_id"] ?? body["batch"])?.stringValue }
}
