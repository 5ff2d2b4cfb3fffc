/// Where one exception of a batch stands, as the exception pane, the queue and the report show it.
public enum ExceptionState: Sendable, Hashable {
    /// Nobody has dispositioned it yet: it needs judgement.
    case open
    /// A result the specification allows to follow release is not in yet (staged certification).
    case pending
    /// QA justified it (no impact), with a reason.
    case justified
    /// QA asked for a re-test; the batch waits for the new result.
    case retestRequested
    /// A deviation was opened for it; `closed` once the deviation is approved and closed.
    case deviation(String, closed: Bool)
    /// Every OOS result behind it was invalidated by a signed laboratory investigation.
    case invalidated
    /// An OOS result behind it was confirmed: the batch cannot be certified by the ordinary route.
    case confirmed

    /// A short label: a glyph and words, so neither colour nor glyph carries the meaning alone.
    public var label: String {
        switch self {
        case .open: return "● open"
        case .pending: return "… pending"
        case .justified: return "✓ justified"
        case .retestRequested: return "↻ re-test requested"
        case .deviation(let id, let closed): return closed ? "✓ \(id) closed" : "⚠ \(id) open"
        case .invalidated: return "⊘ invalidated"
        case .confirmed: return "✘ OOS confirmed"
        }
    }

    /// A stable word for machine-readable output.
    public var word: String {
        switch self {
        case .open: return "open"
        case .pending: return "pending"
        case .justified: return "justified"
        case .retestRequested: return "retest-requested"
        case .deviation(_, let closed): return closed ? "deviation-closed" : "deviation"
        case .invalidated: return "invalidated"
        case .confirmed: return "confirmed"
        }
    }

    /// Whether it no longer stands between the batch and certification.
    public var isResolved: Bool {
        switch self {
        case .justified, .invalidated: return true
        case .deviation(_, let closed): return closed
        case .open, .pending, .retestRequested, .confirmed: return false
        }
    }
}

extension DeskState {
    /// The state of `exception` of batch `batchID`. An OOS exception is settled only by the laboratory
    /// investigations of its results; a disposition cannot settle it (a deviation opened for it is shown, but the
    /// certification gate `oos` still looks at the results themselves).
    public func exceptionState(_ exception: ReviewException, of batchID: String) -> ExceptionState {
        if let standing = oosStanding(of: exception, in: batchID) {
            if !standing.confirmed.isEmpty { return .confirmed }
            if standing.allInvalidated { return .invalidated }
        }
        guard let disposition = release.disposition(of: exception.id) else {
            return exception.rule == "PENDING" ? .pending : .open
        }
        switch disposition.kind {
        case .justified: return .justified
        case .retestRequested: return .retestRequested
        case .deviationOpened:
            let id = disposition.deviation ?? "?"
            return .deviation(id, closed: release.deviations[id].map { !$0.isOpen } ?? false)
        }
    }
}
