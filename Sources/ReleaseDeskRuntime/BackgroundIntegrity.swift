import Dispatch
import ReleaseDeskJournal
import ReleaseDeskServices
import Synchronization

/// Verifies the whole journal on another thread whenever the store's change token moves (an append by
/// anyone, or a change behind the program's back), one verification at a time; the loop collects the verdict.
public final class BackgroundIntegrity: Sendable {
    private let changeToken: @Sendable () -> ChangeToken?
    private let integrityCheck: @Sendable (JournalHead) -> String?
    private let makeReader: @Sendable () throws -> any JournalStore
    private let state = Mutex<(running: Bool, verdict: String??, lastStamp: ChangeToken?)>((false, nil, nil))

    /// Watches `store` through its thread-safe closures (the store itself stays with its thread).
    public init(store: any JournalStore) {
        changeToken = store.changeToken
        integrityCheck = store.integrityCheck
        makeReader = store.makeReader
        let token = changeToken()
        state.withLock { $0.lastStamp = token }
    }

    /// Starts a verification when the store changed since the last one started and none is running.
    public func poll(head: JournalHead) {
        let stamp = changeToken()
        let start = state.withLock { s -> Bool in
            guard !s.running, stamp != s.lastStamp else { return false }
            s.running = true
            s.lastStamp = stamp
            return true
        }
        guard start else { return }
        let check = integrityCheck
        DispatchQueue.global(qos: .utility).async { [self] in
            let verdict = check(head)
            state.withLock {
                $0.running = false
                $0.verdict = .some(verdict)
            }
        }
    }

    /// The alarm found by the last finished verification (or by the deep check), once; nil when none
    /// finished or it found nothing.
    public func takeAlarm() -> String? {
        if let alarm = deep.withLock({ s -> String? in
            defer { s.alarm = nil }
            return s.alarm
        }) {
            return alarm
        }
        return state.withLock { s -> String? in
            defer { s.verdict = nil }
            return s.verdict ?? nil
        }
    }

    private let deep = Mutex<(passed: Bool, alarm: String?)>((false, nil))

    /// Whether the deep check (every signature against what it signs) has passed.
    public var deepCheckPassed: Bool { deep.withLock { $0.passed } }

    /// Starts the deep check of the journal's signatures on another thread (once, after opening).
    public func startDeepCheck() {
        let makeReader = self.makeReader
        DispatchQueue.global(qos: .utility).async { [self] in
            let verdict: String?
            do {
                let report = try DeepVerification.run(reading: makeReader())
                if let first = report.findings.first {
                    verdict =
                        "a signature does not match what it signs at \(first) (\(report.findings.count) in all; run verify --deep)"
                } else if let corruption = report.corruption {
                    verdict = "the journal is corrupt at \(corruption)"
                } else {
                    verdict = nil
                }
            } catch {
                verdict = "the journal's signatures cannot be checked: \(error)"
            }
            deep.withLock {
                $0.passed = verdict == nil
                $0.alarm = verdict
            }
        }
    }
}
