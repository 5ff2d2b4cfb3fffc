#if canImport(Glibc)
    import Glibc
#endif

/// Lower-cased search texts of many rows in one contiguous buffer, so that finding the next row containing a
/// text is one scan of the buffer instead of a string comparison per row: a key press costs the same
/// at 10 or 100 000 batches.
struct SearchIndex: Sendable {
    /// Every row's text followed by a newline (which no text contains).
    private var blob: [UInt8] = []
    /// Where each row starts in `blob`; one more entry at the end.
    private var starts: [Int] = [0]

    init() {}

    init(_ texts: [String]) {
        blob.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count + 1 })
        starts.reserveCapacity(texts.count + 1)
        for text in texts {
            blob.append(contentsOf: text.utf8.lazy.map { $0 == 0x0A ? 0x20 : $0 })
            blob.append(0x0A)
            starts.append(blob.count)
        }
    }

    var count: Int { starts.count - 1 }

    /// The text of row `index`.
    func text(_ index: Int) -> String {
        String(decoding: blob[starts[index]..<(starts[index + 1] - 1)], as: UTF8.self)
    }

    /// Whether row `index` contains `needle` (lower-cased UTF-8).
    func row(_ index: Int, contains needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        return find(needle, from: starts[index], to: starts[index + 1]) != nil
    }

    /// The first row in `from..<to` (row indices) containing `needle`.
    func firstRow(containing needle: [UInt8], from: Int, to: Int) -> Int? {
        guard from < to, !needle.isEmpty else { return nil }
        guard let offset = find(needle, from: starts[from], to: starts[to]) else { return nil }
        // The row whose span holds the offset: the last start not after it.
        var low = from
        var high = to
        while low + 1 < high {
            let mid = (low + high) / 2
            if starts[mid] <= offset { low = mid } else { high = mid }
        }
        return low
    }

    /// Offset of the first `needle` in `blob[from..<to]`: `memchr` to the next candidate first byte, then
    /// `memcmp` of the rest (what `memmem` does; that one is a GNU extension Swift does not see).
    private func find(_ needle: [UInt8], from: Int, to: Int) -> Int? {
        guard to - from >= needle.count else { return nil }
        return blob.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { n -> Int? in
                let base = hay.baseAddress!
                let first = Int32(n[0])
                let last = to - n.count  // the last offset where the needle still fits
                var offset = from
                while offset <= last {
                    guard let hit = memchr(base + offset, first, last - offset + 1) else { return nil }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if n.count == 1 || memcmp(base + at + 1, n.baseAddress! + 1, n.count - 1) == 0 { return at }
                    offset = at + 1
                }
                return nil
            }
        }
    }
}
