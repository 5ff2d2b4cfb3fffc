import Foundation
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskScreen
import ReleaseDeskServices
import ReleaseDeskWorkstation
import Testing

@testable import ReleaseDeskRuntime

/// The sample site of the repository.
private let sampleData: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path + "/SampleData"
}()

/// The workstation's whole loop — keys, reducer, effects, the real journal, frames — driven a key at a time
/// against the in-memory terminal, with the screen read after each key, as a person at the terminal would.
/// (The tmux stories in `scripts/` drive the real binary; this drives the same runtime without a terminal.)
@Suite("Headless workstation story")
@MainActor
struct HeadlessStoryTests {
    /// A demo site in a fresh directory, and the runtime on it at 120×40.
    @MainActor
    final class Story {
        let directory: String
        let runtime: WorkstationRuntime<MemoryTerminal>
        var log: [String] = []

        init() throws {
            directory = NSTemporaryDirectory() + "releasedesk-story-" + UUID().uuidString.lowercased()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let journal = directory + "/journal.jsonl"
            let locations = Locations(
                journal: journal, credentials: CredentialStore.path(forJournal: journal),
                stateDirectory: directory + "/state")
            _ = try DemoSite.build(sampleData: sampleData, at: locations, now: SystemEnvironment.clock())
            // As the workstation opens: records read again through the journal's index of lines.
            var records = JournalRecords()
            let desk = try Desk.open(
                locations, observe: { records.append($0) },
                keepingPlaces: { archive in
                    if let archive { records = JournalRecords(archive: archive) }
                })
            #expect(records.isArchived)
            let lines = LogLines()
            runtime = WorkstationRuntime(
                desk: desk, records: records, terminal: MemoryTerminal(size: Size(width: 120, height: 40)),
                authenticator: LocalAuthenticator(store: CredentialStore(path: locations.credentials)),
                journalName: journal,
                signIn: SignInForm(user: "", demoUsers: []), readOnly: false,
                environment: RuntimeEnvironment(
                    clock: SystemEnvironment.clock, monotonic: { Date().timeIntervalSinceReferenceDate },
                    log: { lines.append($0) },
                    describe: { "\($0)" }, keyTimeoutMilliseconds: 0))
            self.lines = lines
        }

        let lines: LogLines

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        var screen: String { runtime.terminal.screen.joined(separator: "\n") }
        var state: WorkstationState { runtime.state }

        /// Presses `key`: one turn of the loop, then one more so the frame after the key is on the screen.
        func press(_ key: Key) {
            runtime.terminal.keys.append(key)
            runtime.step()
            runtime.step()
        }

        func type(_ text: String) {
            for character in text { press(.char(character)) }
        }

        /// Turns the loop until `done` holds (at most `seconds`), as the idle workstation does.
        func wait(seconds: Double = 120, until done: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while !done() {
                if Date() > deadline { return false }
                runtime.step()
                usleep(20_000)
            }
            runtime.step()
            return true
        }
    }

    final class LogLines: @unchecked Sendable {
        var lines: [String] = []
        func append(_ line: String) { lines.append(line) }
    }

    @Test func signInTriageJustifyWithASignatureAndQuit() throws {
        let story = try Story()
        story.runtime.step()
        #expect(story.screen.contains("User id"), "the sign-in form comes first")
        #expect(!story.screen.contains("CART-26-0021"), "no journal data before sign-in")

        // Sign in: a wrong password first, then the right one.
        story.type("qa.anna")
        story.press(.enter)
        story.type("wrong-password")
        story.press(.enter)
        #expect(story.state.user == nil)
        #expect(story.screen.contains("wrong"), "the refusal is on the screen")
        story.type("demo-qa-anna")
        story.press(.enter)
        #expect(story.state.user?.id == "qa.anna")
        #expect(story.screen.contains("CART-26-0021"), "the queue is drawn after sign-in")

        // Until every signature in the journal has been checked, nothing is signed; wait for it as a user would.
        #expect(story.wait { story.state.chain.signaturesVerified }, "the deep check of the signatures passes")

        // Triage: find the batch, open its exceptions, choose the trend exception below the OOS one.
        story.press(.char("/"))
        story.type("0021")
        story.press(.enter)
        #expect(story.state.selectedBatchID == "CART-26-0021")
        story.press(.enter)
        story.press(.char("j"))
        let exception = try #require(story.state.selectedException)
        #expect(exception.rule != "OOS", "the OOS exception is settled by an investigation, not a justification")
        #expect(story.screen.contains(exception.title.prefix(20)))

        // A justification: the dialog, a reason, the signature with both components, saved.
        let before = story.runtime.desk.journal.head.seq
        story.press(.char("J"))
        #expect(story.screen.contains("Justify"))
        story.press(.tab)
        story.press(.tab)
        story.type("trend reviewed against the last 20 batches; within the validated range")
        story.press(.enter)
        story.press(.enter)
        #expect(
            story.screen.contains("signed-in user") || story.screen.contains("User id"),
            "the first signature asks for the user id")
        story.type("qa.anna")
        story.press(.enter)
        story.type("demo-qa-anna")
        story.press(.enter)
        #expect(story.state.message?.hasPrefix("Signed (meaning: reviewed)") == true, "\(story.state.message ?? "-")")
        #expect(story.screen.contains("Signed (meaning: reviewed)"))
        let head = story.runtime.desk.journal.head.seq
        #expect(head > before)
        let disposition = story.runtime.desk.state.release.disposition(of: exception.id)
        #expect(disposition?.kind == .justified)
        #expect(disposition?.by == "qa.anna")
        #expect(story.lines.lines.contains { $0.hasPrefix("signed exception.disposition as qa.anna") })

        // Quit: the loop ends and the witness is saved.
        story.press(.char("q"))
        #expect(story.runtime.finished)
        story.runtime.run()  // returns at once: finished; saves the witness
        #expect(try Verifier.verify(path: story.directory + "/journal.jsonl").corruption == nil)
    }

    @Test func onlyTheRowsThatChangedAreSent() throws {
        let story = try Story()
        story.runtime.step()
        let first = story.runtime.terminal.cellsSent.last ?? 0
        #expect(first == 120 * 40, "the first frame is sent whole")
        story.runtime.step()
        #expect(story.runtime.terminal.cellsSent.last == 0, "a frame that changed nothing sends nothing")
        story.type("q")
        #expect((story.runtime.terminal.cellsSent.last ?? 0) < 120 * 40 / 2, "typing one letter sends only its rows")
    }
}
