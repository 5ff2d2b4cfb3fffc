import Foundation
import ReleaseDeskCore
import ReleaseDeskJournal
import Testing

@testable import ReleaseDeskServices

/// Segregation of duties in a journal written before the rule: `verify` names the account, and it signs nothing.
@Suite("Segregation of duties in an existing journal")
struct DutyConflictTests {
    @Test func anExistingAccountHoldingAdminAndAGMPRoleIsReportedAndRefused() throws {
        let path = NSTemporaryDirectory() + "releasedesk-duty-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = path + "/journal.jsonl"
        let locations = Locations(
            journal: journal, credentials: CredentialStore.path(forJournal: journal), stateDirectory: path + "/state")
        let desk = try Desk.create(locations, administrator: "dana", name: "Dana Whitfield", password: nil)
        #expect(try DutyConflicts.accounts(in: journal).isEmpty)
        // As an older version would have written it: no rule stood in the way.
        _ = try desk.journal.append { _ in
            [
                RecordDraft(
                    kind: RecordKind.userEnrolled, actor: "dana",
                    body: ["user": "it.qa", "name": "Mixed Account", "roles": ["admin", "qa"]])
            ]
        }
        let found = try DutyConflicts.accounts(in: journal)
        #expect(found.map(\.id) == ["it.qa"])
        #expect(DutyConflicts.warning(found[0]).contains("segregation of duties"))
        let reopened = try Desk.open(locations)
        let refusal = #expect(throws: ActionRefusal.self) {
            _ = try reopened.state.requireUser("it.qa", anyOf: [.qa], toDo: "disposition exceptions")
        }
        #expect(refusal?.gate == "segregation-of-duties")
    }
}
