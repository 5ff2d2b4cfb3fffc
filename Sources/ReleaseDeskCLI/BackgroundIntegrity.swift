import Dispatch
import ReleaseDeskJournal
import Synchronization

/// Verifies the whole journal on another thread whenever the file's stamp moves (an append by anyone, or a
/// change behind the program's back), one verification at a time; the loop collects the verdict.
final class BackgroundIntegrity: Sendable {
    private let path: String
    private let state = Mutex<(running: Bool, verdict: String??, lastStamp: JournalStamp?)>((false, nil, nil))

    init(path: String) {
        self.path = path
        state.withLock { $0.lastStamp = JournalStamp.of(path) }
    }

    /// Starts a verification when the file changed since the last one started and none is running.
    func poll(head: JournalHead) {
        let stamp = JournalStamp.of(path)
        let start = state.withLock { s -> Bool in
            guard !s.running, stamp != s.lastStamp else { return false }
            s.running = true
            s.lastStamp = stamp
            return true
        }
        guard start else { return }
        let path = self.path
        DispatchQueue.global(qos: .utility).async { [self] in
            let verdict = IntegrityCheck.run(path: path, head: head)
            state.withLock {
                $0.running = false
                $0.verdict = .some(verdict)
            }
        }
    }

    /// The alarm found by the last finished verification, once; nil when none finished or it found nothing.
    func takeAlarm() -> String? {
        state.withLock { s -> String? in
            defer { s.verdict = nil }
            return s.verdict ?? nil
        }
    }
}
