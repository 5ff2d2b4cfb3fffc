import CanonicalJSON
import Testing

@testable import ReleaseDeskCore

@Suite("User administration rules")
final class UserAdministrationTests {
    /// Every record applied so far, in order.
    var applied: [Record] = []

    /// Applies drafts as the journal would: numbered, timed, chained (hashes are not the core's concern).
    func apply(_ drafts: [RecordDraft], to state: inout DeskState) {
        for draft in drafts {
            let seq = state.lastSeq + 1
            let record = Record(
                seq: seq, at: Timestamp(millisecondsSinceEpoch: 1_772_323_200_000 + seq * 1000), actor: draft.actor,
                host: "h", kind: draft.kind, body: draft.body, prev: Record.zeroHash)
            state.apply(record)
            applied.append(record)
        }
    }

    func site() throws -> DeskState {
        var state = DeskState()
        apply(
            [
                RecordDraft(
                    kind: RecordKind.journalCreated, actor: "dana",
                    body: ["journal_id": "x", "format": "releasedesk-journal/1"])
            ],
            to: &state)
        apply([try UserAdministration.enrolFirstAdministrator("dana", name: "Dana Whitfield")], to: &state)
        apply(
            try UserAdministration.enrol("qa.anna", name: "Anna K", roles: [.qa], reason: nil, by: "dana", in: state),
            to: &state)
        return state
    }

    @Test func administratorEnrolsAUserWithRoles() throws {
        let state = try site()
        #expect(state.users["qa.anna"]?.roles == [.qa])
        #expect(state.users["qa.anna"]?.enrolledBy == "dana")
        #expect(state.users["qa.anna"]?.enrolledSeq == 3)
    }

    @Test func onlyAnAdministratorMayEnrol() throws {
        let state = try site()
        #expect(throws: ActionRefusal.self) {
            try UserAdministration.enrol("qp.x", name: "X", roles: [.qp], reason: nil, by: "qa.anna", in: state)
        }
        do {
            _ = try UserAdministration.enrol("qp.x", name: "X", roles: [.qp], reason: nil, by: "qa.anna", in: state)
        } catch {
            #expect(error.category == .permission)
            #expect(error.gate == "role")
        }
    }

    @Test func userIDsAreNeverReused() throws {
        var state = try site()
        apply(try UserAdministration.lock("qa.anna", reason: "left the company", by: "dana", in: state), to: &state)
        #expect(
            throws: ActionRefusal(
                .rule, gate: "user-exists", "user id qa.anna is already enrolled; ids are never reused")
        ) {
            try UserAdministration.enrol("qa.anna", name: "New Anna", roles: [.qa], reason: nil, by: "dana", in: state)
        }
    }

    @Test(arguments: ["A", "x", "9lives", "has space", "system", String(repeating: "a", count: 33), "ünï"])
    func malformedUserIDsAreRefused(id: String) throws {
        let state = try site()
        #expect(throws: ActionRefusal.self) {
            try UserAdministration.enrol(id, name: "Someone", roles: [.qa], reason: nil, by: "dana", in: state)
        }
    }

    @Test func namesWithControlOrInvisibleCharactersAreRefused() throws {
        let state = try site()
        for name in ["", "  ", "Eve\u{1B}[2J", "Eve\u{202E}evE", "Zero\u{200B}Width", " padded"] {
            #expect(throws: ActionRefusal.self, "\(name.debugDescription)") {
                try UserAdministration.enrol("qa.eve", name: name, roles: [.qa], reason: nil, by: "dana", in: state)
            }
        }
        #expect(throws: Never.self) {
            try UserAdministration.enrol(
                "qa.eve", name: "山田 健二 José e\u{301}", roles: [.qa], reason: nil, by: "dana", in: state)
        }
    }

    @Test func emptyReasonIsRefused() throws {
        let state = try site()
        #expect(throws: ActionRefusal(.rule, gate: "reason", "a reason is required and must hold visible text")) {
            try UserAdministration.lock("qa.anna", reason: "  \t", by: "dana", in: state)
        }
    }

    @Test func consecutiveFailuresLockTheAccountAtThePolicyCount() throws {
        var state = try site()
        for attempt in 1...4 {
            let drafts = UserAdministration.signInFailed("qa.anna", channel: "test", in: state)
            #expect(drafts.count == 1, "attempt \(attempt)")
            apply(drafts, to: &state)
        }
        let fifth = UserAdministration.signInFailed("qa.anna", channel: "test", in: state)
        #expect(fifth.map(\.kind) == [RecordKind.signInFailed, RecordKind.userLocked])
        #expect(fifth.last?.actor == "system")
        apply(fifth, to: &state)
        #expect(state.users["qa.anna"]?.isLocked == true)
        #expect(throws: ActionRefusal.self) {
            try state.requireUser("qa.anna", anyOf: [.qa], toDo: "work")
        }
    }

    @Test func successAfterFailuresClearsTheCountAndIsJournaledOnlyThen() throws {
        var state = try site()
        #expect(UserAdministration.signInSucceeded("qa.anna", channel: "t", in: state).isEmpty)
        apply(UserAdministration.signInFailed("qa.anna", channel: "t", in: state), to: &state)
        apply(UserAdministration.signInFailed("qa.anna", channel: "t", in: state), to: &state)
        let success = UserAdministration.signInSucceeded("qa.anna", channel: "t", in: state)
        #expect(success.first?.body["failures_cleared"] == .int(2))
        apply(success, to: &state)
        #expect(state.users["qa.anna"]?.consecutiveFailures == 0)
    }

    @Test func replayingEqualsApplyingOneByOne() throws {
        var state = try site()
        apply(UserAdministration.signInFailed("qa.anna", channel: "t", in: state), to: &state)
        apply(try UserAdministration.lock("qa.anna", reason: "r", by: "dana", in: state), to: &state)
        apply(try UserAdministration.unlock("qa.anna", reason: "r", by: "dana", in: state), to: &state)
        apply(try UserAdministration.credentialChanged("qa.anna", reason: "reset", by: "dana", in: state), to: &state)
        apply(UserAdministration.signInFailed("qa.anna", channel: "t", in: state), to: &state)
        #expect(applied.count == Int(state.lastSeq))
        let replayed = DeskState.replay(applied)
        #expect(replayed == state)
        #expect(replayed.users["qa.anna"]?.consecutiveFailures == 1)
        #expect(replayed.recordCounts[RecordKind.userEnrolled] == 2)
    }
}
