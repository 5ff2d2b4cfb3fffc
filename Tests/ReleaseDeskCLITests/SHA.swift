import ReleaseDeskJournal

enum SHA {
    static func hex(of line: String) -> String { Digest.sha256(Array(line.utf8)).hex }
}
