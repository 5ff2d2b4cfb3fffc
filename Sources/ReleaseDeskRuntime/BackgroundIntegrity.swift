import Dispatch
import ReleaseDeskCore
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

    /// Whether the whole store has been verified since opening (at opening itself, unless the desk was
    /// opened warm from a snapshot; then by the first verification here).
    private let fileVerified: Mutex<Bool>

    /// Watches `store` through its thread-safe closures (the store itself stays with its thread).
    /// `verifiedAtOpen` false (a warm open: the lines before the snapshot were not read): the first poll
    /// verifies the whole store whatever its change token says.
    public init(store: any JournalStore, verifiedAtOpen: Bool = true) {
        changeToken = store.changeToken
        integrityCheck = store.integrityCheck
        makeReader = store.makeReader
        fileVerified = Mutex(verifiedAtOpen)
        let token = verifiedAtOpen ? changeToken() : nil
        state.withLock { $0.lastStamp = token }
    }

    /// Whether both checks a signature waits for have passed: the whole store verified since opening, and
    /// the deep check (with, after a warm open, the snapshot's state confirmed by the replay).
    public var signaturesMayBeAccepted: Bool { deepCheckPassed && fileVerified.withLock { $0 } }

    /// Starts a verification when the store changed since the last one started and none is running.
    public func poll(head: JournalHead) {
        let stamp = changeToken()
        let start = state.withLock { s -> Bool in
            guard !s.running, stamp != s.lastStamp || s.lastStamp == nil else { return false }
            s.running = true
            s.lastStamp = stamp
            return true
        }
        guard start else { return }
        let check = integrityCheck
        DispatchQueue.global(qos: .utility).async { [self] in
            let verdict = check(head)
            if verdict == nil { fileVerified.withLock { $0 = true } }
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

    /// Starts the deep check of the journal's signatures on another thread (once, after opening). After a
    /// warm open, `expected` is the desk's state: the replay must give it at its `lastSeq`.
    public func startDeepCheck(expecting expected: DeskState? = nil) {
        let makeReader = self.makeReader
        DispatchQueue.global(qos: .utility).async { [self] in
            let verdict: String?
            do {
                let report = try DeepVerification.run(reading: makeReader(), expecting: expected)
                if let problem = report.stateProblem {
                    verdict = problem
                } else if let first = report.findings.first {
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
