import ReleaseDeskCore

/// The journal format this code writes and reads, and the document that describes it. Every citation of
/// the format (comments, messages, documents) names `document`; its sections are cited as "§N of
/// docs/journal-format.md".
public enum JournalFormat {
    /// The normative description of the file, in the repository.
    public static let document = "docs/journal-format.md"
    /// The revision of `document` this code implements.
    public static let revision = 3
    /// The format version every record carries as `v` (the single constant is `Record.formatVersion`).
    public static var version: Int64 { Record.formatVersion }
    /// The `format` named by record 1 (`journal.created`).
    public static let name = "releasedesk-journal/\(Record.formatVersion)"
}
