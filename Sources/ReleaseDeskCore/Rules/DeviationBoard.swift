/// The deviation board: every open deviation across batches, overdue first, and the signed-in QA user's own
/// work. A pure function of the folded state and the time passed in (`docs/oversight.md`, "Deviation board").
public enum DeviationBoard {
    /// One extension of a deviation's due date: asked for, and approved once another QA user signs it.
    public struct Extension: Sendable, Hashable {
        public var requestedBy: String
        public var requestedAt: Timestamp
        /// The due date asked for.
        public var due: Timestamp
        public var reason: String
        /// Who approved it and when; nil while it waits.
        public var approvedBy: String?
        public var approvedAt: Timestamp?

        public var isApproved: Bool { approvedBy != nil }
    }

    /// A step a deviation waits for.
    public enum Step: String, Sendable, Hashable, CaseIterable {
        /// The single QA approval that closes a minor deviation.
        case approval
        /// The approval of a major or critical deviation's classification.
        case classificationApproval = "classification-approval"
        /// Its investigation (root cause, impact, CAPA, effectiveness check).
        case investigation
        /// The final QA approval after the investigation.
        case finalApproval = "final-approval"
        /// The approval of a requested later due date.
        case extensionApproval = "extension-approval"

        /// Words for a table or a pane.
        public var words: String {
            switch self {
            case .approval: return "approval"
            case .classificationApproval: return "classification approval"
            case .investigation: return "investigation"
            case .finalApproval: return "final approval"
            case .extensionApproval: return "extension approval"
            }
        }
    }

    /// One row of the board.
    public struct Row: Sendable, Hashable {
        public var id: String
        public var title: String
        public var classification: Severity
        public var stage: DeviationStage
        /// Who opened it: the deviation's owner (a deviation has no assignment of its own).
        public var owner: String
        /// The batches it is linked to. A deviation is opened on one batch today, so this holds that one.
        public var batches: [String]
        public var site: String?
        public var product: String?
        /// The due date in force: from the quality agreement when opened, moved only by an approved extension.
        public var due: Timestamp
        /// Every extension, oldest first.
        public var extensions: [Extension]
        /// The steps it waits for, in the order they are taken.
        public var nextSteps: [Step]

        public var isOpen: Bool { stage != .closed }

        /// Milliseconds from `now` to the due date; negative once it has passed.
        public func remainingMilliseconds(at now: Timestamp) -> Int64 {
            due.millisecondsSinceEpoch - now.millisecondsSinceEpoch
        }

        /// Overdue: open, and `now` is later than the due date (at the due date itself it is not yet overdue).
        public func isOverdue(at now: Timestamp) -> Bool { isOpen && now > due }

        /// The extension waiting for approval, if any.
        public var pendingExtension: Extension? { extensions.last.flatMap { $0.isApproved ? nil : $0 } }
    }

    /// The due clock in words: `due in 3 d 4 h`, `due in 19 h`, `due in under 1 h`, `due now`, `overdue by
    /// 5 h` (a part of an hour overdue counts as an hour), `closed` once closed.
    public static func clockText(_ row: Row, at now: Timestamp) -> String {
        guard row.isOpen else { return "closed" }
        let ms = row.remainingMilliseconds(at: now)
        if ms == 0 { return "due now" }
        if ms > 0 {
            let hours = ms / 3_600_000
            return hours == 0 ? "due in under 1 h" : "due in " + duration(hours: hours)
        }
        return "overdue by " + duration(hours: (-ms + 3_599_999) / 3_600_000)
    }

    /// `3 d 4 h` from 48 hours up, else `19 h`.
    static func duration(hours: Int64) -> String {
        hours >= 48 ? "\(hours / 24) d \(hours % 24) h" : "\(hours) h"
    }

    /// The row of deviation `id`.
    public static func row(_ d: Deviation, in state: DeskState) -> Row {
        var extensions: [Extension] = []
        for event in d.history {
            switch event.kind {
            case RecordKind.deviationExtensionRequested:
                extensions.append(
                    Extension(
                        requestedBy: event.by, requestedAt: event.at, due: event.due ?? d.due,
                        reason: event.reason))
            case RecordKind.deviationExtensionApproved:
                if let last = extensions.indices.last, extensions[last].approvedBy == nil {
                    extensions[last].approvedBy = event.by
                    extensions[last].approvedAt = event.at
                }
            default:
                break
            }
        }
        let batch = state.batches[d.batch]?.batch
        return Row(
            id: d.id, title: d.title, classification: d.classification, stage: d.stage, owner: d.openedBy,
            batches: [d.batch], site: batch?.site, product: batch?.product, due: d.due, extensions: extensions,
            nextSteps: nextSteps(d))
    }

    /// The steps an open deviation waits for: the step of its stage, and the approval of a requested extension.
    public static func nextSteps(_ d: Deviation) -> [Step] {
        var steps: [Step] = []
        switch d.stage {
        case .open: steps.append(d.classification == .minor ? .approval : .classificationApproval)
        case .investigation: steps.append(.investigation)
        case .awaitingApproval: steps.append(.finalApproval)
        case .closed: return []
        }
        if d.requestedDue != nil { steps.append(.extensionApproval) }
        return steps
    }

    /// The board's order: open before closed; then by due date, earliest first, so every overdue deviation
    /// comes before every one that is not; on the same due date critical before major before minor; then by id.
    public static func precedes(_ a: Row, _ b: Row) -> Bool {
        if a.isOpen != b.isOpen { return a.isOpen }
        if a.due != b.due { return a.due < b.due }
        if a.classification != b.classification { return a.classification > b.classification }
        return a.id < b.id
    }

    /// Every deviation in board order (closed ones only when `includeClosed`).
    public static func rows(_ state: DeskState, includeClosed: Bool = false) -> [Row] {
        state.release.deviationOrder.compactMap { id -> Row? in
            guard let d = state.release.deviations[id], includeClosed || d.isOpen else { return nil }
            return row(d, in: state)
        }.sorted(by: precedes)
    }

    /// Whether `user` may take `step` of `d` now: the role the step needs, an active account, and neither
    /// four-eyes (they opened it or wrote its investigation; for an extension, they asked for it) nor the
    /// independence of duties on its batch stands in the way.
    public static func mayTake(_ step: Step, of d: Deviation, by user: String, in state: DeskState) -> Bool {
        let kind: SignedAction.Kind
        switch step {
        case .approval, .classificationApproval, .finalApproval: kind = .approveDeviation
        case .investigation: kind = .recordInvestigation
        case .extensionApproval: kind = .approveExtension
        }
        guard (try? state.requireUser(user, for: kind)) != nil else { return false }
        switch step {
        case .approval, .classificationApproval, .finalApproval:
            if ReleaseRules.fourEyesGate(d, approver: user) != nil { return false }
        case .extensionApproval:
            if d.history.last(where: { $0.kind == RecordKind.deviationExtensionRequested })?.by == user { return false }
        case .investigation:
            break
        }
        return ReleaseRules.independenceGate(d.batch, actor: user, doing: .qaReview, in: state) == nil
    }

    /// The steps of `d` that wait for `user`: those they may take (`mayTake`) on a batch assigned to them; on
    /// a batch assigned to nobody, every approval they may sign (any eligible QA user may pick it up) and, when
    /// they own the deviation, its investigation. A batch assigned to someone else is that person's work.
    public static func stepsWaiting(for user: String, _ d: Deviation, in state: DeskState) -> [Step] {
        guard d.isOpen else { return [] }
        let assignee = state.release.assignments[d.batch]?.by
        if let assignee, assignee != user { return [] }
        return nextSteps(d).filter { step in
            guard mayTake(step, of: d, by: user, in: state) else { return false }
            if assignee == user { return true }
            return step != .investigation || d.openedBy == user
        }
    }

    /// The signed-in user's own work.
    public struct Work: Sendable, Hashable {
        /// Open deviations waiting for a step of theirs, in board order, with the steps.
        public var deviations: [(row: Row, steps: [Step])]
        /// Batches assigned to them (latest `batch.assigned` names them), in queue order, without the batches
        /// that left the working queue (infused).
        public var batches: [QueueEntry]

        public static func == (a: Work, b: Work) -> Bool {
            a.batches == b.batches && a.deviations.map(\.row) == b.deviations.map(\.row)
                && a.deviations.map(\.steps) == b.deviations.map(\.steps)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(batches)
            for d in deviations {
                hasher.combine(d.row)
                hasher.combine(d.steps)
            }
        }
    }

    /// `user`'s work: the deviations waiting for them and the batches assigned to them.
    public static func work(for user: String, in state: DeskState) -> Work {
        var waiting: [(row: Row, steps: [Step])] = []
        for id in state.release.deviationOrder {
            guard let d = state.release.deviations[id] else { continue }
            let steps = stepsWaiting(for: user, d, in: state)
            if !steps.isEmpty { waiting.append((row(d, in: state), steps)) }
        }
        waiting.sort { precedes($0.row, $1.row) }
        var batches: [QueueEntry] = []
        for (batch, assignment) in state.release.assignments where assignment.by == user {
            guard let record = state.batches[batch] else { continue }
            let entry = state.queueEntry(record)
            if entry.status != .infused { batches.append(entry) }
        }
        batches.sort { (a: QueueEntry, b: QueueEntry) -> Bool in
            if a.deadline != b.deadline { return a.deadline < b.deadline }
            return a.id < b.id
        }
        return Work(deviations: waiting, batches: batches)
    }
}

extension DeviationBoard.Extension: Codable {}
