import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The semantic style of a cell; themes say how each role looks. Raw values are the theme keys.
public enum StyleRole: String, CaseIterable, Sendable, Hashable {
    case text = "ui.text"
    case dim = "ui.text.dim"
    case heading = "ui.text.heading"
    case label = "ui.text.label"
    case border = "ui.pane.border"
    case borderFocused = "ui.pane.focused"
    case title = "ui.pane.title"
    case titleFocused = "ui.pane.title.focused"
    case header = "ui.table.header"
    case selection = "ui.selection"
    case selectionUnfocused = "ui.selection.unfocused"
    case statusLine = "ui.statusline"
    case statusKey = "ui.statusline.key"
    case statusUser = "ui.statusline.user"
    case message = "ui.message"
    case input = "ui.input"
    case dialog = "ui.dialog"
    case dialogTitle = "ui.dialog.title"
    case alarm = "ui.banner.alarm"
    case match = "ui.search.match"
    case flagged = "status.flagged"
    case fullReview = "status.full-review"
    case readyForQP = "status.ready-for-qp"
    case awaitingReview = "status.awaiting-review"
    case inManufacture = "status.in-manufacture"
    case infused = "status.infused"
    case released = "status.released"
    case rejected = "status.rejected"
    case onHold = "status.on-hold"
    case critical = "severity.critical"
    case major = "severity.major"
    case minor = "severity.minor"
    case chainOK = "chain.ok"
    case chainAlarm = "chain.alarm"
    case overdue = "clock.overdue"
    case soon = "clock.soon"

    public static func of(_ status: BatchStatus) -> StyleRole {
        switch status {
        case .flagged: return .flagged
        case .fullReview: return .fullReview
        case .resultsPending: return .awaitingReview
        case .deviationOpen: return .major
        case .oosConfirmed: return .critical
        case .readyForQP: return .readyForQP
        case .awaitingReview: return .awaitingReview
        case .inManufacture: return .inManufacture
        case .infused: return .infused
        case .released: return .released
        case .releasedPending: return .flagged
        case .escalated: return .critical
        case .suppliedOOS: return .major
        case .rejected: return .rejected
        case .onHold: return .onHold
        case .siteSuspended: return .onHold
        }
    }

    public static func of(_ severity: Severity) -> StyleRole {
        switch severity {
        case .critical: return .critical
        case .major: return .major
        case .minor: return .minor
        }
    }

    public static func of(_ style: TextStyle) -> StyleRole {
        switch style {
        case .plain: return .text
        case .heading: return .heading
        case .label: return .label
        case .dim: return .dim
        case .severity(let s): return of(s)
        case .status(let s): return of(s)
        case .overdue: return .overdue
        case .soon: return .soon
        }
    }
}
