import Dispatch

/// Pure work shared out over the processors: each index is computed once, by one thread, and the results come
/// back in index order, so the answer is the one a single thread gives.
enum Parallel {
    /// `body(i)` for every `i` in `0..<count`, in chunks of `chunk` indices.
    static func map<T>(_ count: Int, chunk: Int = 1, _ body: (Int) -> T) -> [T] {
        let chunks = (count + chunk - 1) / max(1, chunk)
        guard chunks > 1 else { return (0..<count).map(body) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let slots = Slots(buffer.baseAddress!)
            withoutActuallyEscaping(body) { body in
                let work = Work(body)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for i in (c * chunk)..<min(count, (c + 1) * chunk) { (slots.base + i).initialize(to: work.body(i)) }
                }
            }
            initialized = count
        }
    }

    /// Where results go: each slot is written by exactly one chunk and read only after all have ended.
    private struct Slots<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
        init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    }

    /// The work, called from several threads: it reads shared values only.
    private struct Work<T>: @unchecked Sendable {
        let body: (Int) -> T
        init(_ body: @escaping (Int) -> T) { self.body = body }
    }
}
