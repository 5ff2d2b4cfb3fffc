import Foundation
import ReleaseDeskCore
import ReleaseDeskWorkstation

/// The sample site imported at a fixed time, as the workstation sees it.
enum Fixture {
    static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    static let now = Timestamp(iso8601: "2026-01-15T12:00:00Z")!

    static func read(_ path: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
    }

    /// Desk state and records of the sample data, imported by qa.anna at `now`.
    static let sample: (DeskState, [Record]) = {
        let files = ["master-data.json", "batches.json", "qc-results.csv", "custody-events.csv"].map { name in
            try! ImportParser.parse(file: name, sha256: "0", bytes: read(root + "/SampleData/" + name)).get()
        }
        var state = DeskState()
        let enrolment = Record(
            seq: 1, at: now, actor: "admin", host: "h", kind: RecordKind.userEnrolled,
            body: ["user": "qa.anna", "name": "Anna Kowalski", "roles": ["qa"]], prev: Record.zeroHash)
        state.apply(enrolment)
        let qp = Record(
            seq: 2, at: now, actor: "admin", host: "h", kind: RecordKind.userEnrolled,
            body: ["user": "qp.maria", "name": "María José Fernández", "roles": ["qp"]], prev: Record.zeroHash)
        state.apply(qp)
        var records = [enrolment, qp]
        let drafts = try! ImportPlanner.plan(
            files, importID: "imp-1", actor: "qa.anna", reason: nil, now: now, state: state
        ).get()
        for draft in drafts {
            let record = Record(
                seq: Int64(records.count + 1), at: now, actor: draft.actor, host: "h", kind: draft.kind,
                body: draft.body,
                prev: Record.zeroHash)
            records.append(record)
            state.apply(record)
        }
        return (state, records)
    }()

    static let chain = ChainStatus(seq: 999, headHash: "9f3a1c2d" + String(repeating: "0", count: 56), alarm: nil)

    /// The workstation before sign-in.
    static func signInState(size: Size = Size(width: 120, height: 40)) -> WorkstationState {
        let (desk, records) = sample
        return WorkstationState(
            size: size, now: now, desk: desk, records: records, chain: chain, journalName: "journal.jsonl",
            signIn: SignInForm(
                user: "qa.anna", demoUsers: [DemoUserHint(id: "qa.anna", roles: "qa", password: "demo-qa-anna")]))
    }

    /// The workstation signed in as `user` (qa.anna unless said).
    static func state(size: Size = Size(width: 120, height: 40), user: String = "qa.anna") -> WorkstationState {
        var state = signInState(size: size)
        let account = state.desk.users[user]!
        _ = Workstation.reduce(&state, .signInSucceeded(account))
        state.message = nil
        return state
    }

    /// Presses `keys` (a string of characters) one by one; returns the effects of the last.
    @discardableResult
    static func type(_ text: String, into state: inout WorkstationState) -> [Effect] {
        var effects: [Effect] = []
        for c in text { effects = Workstation.reduce(&state, .keyPressed(.char(c))) }
        return effects
    }
}
