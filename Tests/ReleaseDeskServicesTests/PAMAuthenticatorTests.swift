import Foundation
import ReleaseDeskCore
import ReleaseDeskJournal
import Testing

@testable import ReleaseDeskServices

/// A throw-away directory with PAM service files of the tests' own (pam_start_confdir), and a journal.
struct PAMScratch {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "releasedesk-pam-" + UUID().uuidString.lowercased()
        try! FileManager.default.createDirectory(atPath: path + "/pam.d", withIntermediateDirectories: true)
        service("permit", "auth required pam_permit.so\naccount required pam_permit.so\n")
        service("deny", "auth required pam_deny.so\naccount required pam_deny.so\n")
        service("expired", "auth required pam_permit.so\naccount required pam_deny.so\n")
    }

    var configDirectory: String { path + "/pam.d" }

    func service(_ name: String, _ text: String) {
        try! text.write(toFile: configDirectory + "/" + name, atomically: true, encoding: .utf8)
    }

    func authenticator(_ service: String) -> PAMAuthenticator {
        PAMAuthenticator(service: service, configDirectory: configDirectory)
    }

    var locations: Locations {
        let journal = path + "/journal.jsonl"
        return Locations(
            journal: journal, credentials: CredentialStore.path(forJournal: journal), stateDirectory: path + "/state")
    }

    /// A journal whose administrator is `dana` and QA user `anna`, with no credential file (PAM keeps passwords).
    func desk() throws -> Desk {
        let desk = try Desk.create(locations, administrator: "dana", name: "Dana Whitfield", password: nil)
        try desk.enrol("anna", name: "Anna Kowalczyk", roles: [.qa], password: nil, reason: nil, by: "dana")
        return desk
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("PAM authenticator")
struct PAMAuthenticatorTests {
    @Test func permitAcceptsAndDenyRejects() throws {
        let scratch = PAMScratch()
        defer { scratch.remove() }
        #expect(try scratch.authenticator("permit").verify(user: "anna", password: "anything-at-all"))
        #expect(try !scratch.authenticator("deny").verify(user: "anna", password: "anything-at-all"))
        // pam_acct_mgmt refusing (an expired account) is a failed sign-in too.
        #expect(try !scratch.authenticator("expired").verify(user: "anna", password: "anything-at-all"))
    }

    @Test func emptyUserOrNULNeverReachPAM() throws {
        let scratch = PAMScratch()
        defer { scratch.remove() }
        #expect(try !scratch.authenticator("permit").verify(user: "", password: "x"))
        #expect(try !scratch.authenticator("permit").verify(user: "anna", password: "a\u{0}b"))
    }

    @Test func aServiceFileThatLoadsNoModuleIsAnErrorNotAWrongPassword() throws {
        let scratch = PAMScratch()
        defer { scratch.remove() }
        scratch.service("broken", "auth required pam_no_such_module_here.so\naccount required pam_permit.so\n")
        #expect(throws: PAMError.self) { try scratch.authenticator("broken").verify(user: "anna", password: "x") }
    }

    @Test func serviceNamesThatCouldNameAPathAreRefused() throws {
        for bad in ["", "../permit", "a/b", ".hidden", "sp ace"] {
            #expect(!PAMAuthenticator.isValidService(bad))
            #expect(throws: PAMError.invalidService(bad)) {
                try PAMAuthenticator(service: bad, configDirectory: "/nonexistent").verify(user: "anna", password: "x")
            }
        }
        #expect(PAMAuthenticator.isValidService("releasedesk"))
        #expect(PAMAuthenticator.isValidService("release-desk_2.test"))
    }

    @Test func signInThroughPAMSucceedsForAnEnrolledUserOnly() throws {
        let scratch = PAMScratch()
        defer { scratch.remove() }
        let desk = try scratch.desk()
        let account = try desk.signIn(
            user: "anna", password: "whatever-pam-says", with: scratch.authenticator("permit"), channel: "test")
        #expect(account.id == "anna")
        // PAM says yes to anyone here, but a user who is not enrolled in the journal is still refused.
        let before = desk.journal.head.seq
        #expect(throws: ActionRefusal.self) {
            try desk.signIn(user: "mallory", password: "x", with: scratch.authenticator("permit"), channel: "test")
        }
        #expect(desk.journal.head.seq == before + 1)
        #expect(desk.state.users["mallory"] == nil)
    }

    @Test func failuresThroughPAMAreJournaledAndFiveLockTheAccount() throws {
        let scratch = PAMScratch()
        defer { scratch.remove() }
        let desk = try scratch.desk()
        let deny = scratch.authenticator("deny")
        var kinds: [String] = []
        desk.onRecord = { kinds.append($0.kind) }
        for attempt in 1...5 {
            #expect(throws: ActionRefusal.self) {
                try desk.signIn(user: "anna", password: "wrong-\(attempt)", with: deny, channel: "test")
            }
            if attempt < 5 {
                #expect(desk.state.users["anna"]?.consecutiveFailures == attempt)
                #expect(desk.state.users["anna"]?.isLocked == false)
            }
        }
        #expect(kinds.filter { $0 == RecordKind.signInFailed }.count == 5)
        #expect(kinds.contains(RecordKind.userLocked))
        #expect(desk.state.users["anna"]?.isLocked == true)
        // Locked: even a password PAM accepts is refused, and the attempt is journaled.
        #expect(throws: ActionRefusal.self) {
            try desk.signIn(user: "anna", password: "right-now", with: scratch.authenticator("permit"), channel: "test")
        }
        #expect(kinds.filter { $0 == RecordKind.signInFailed }.count == 6)
        // Nothing a user typed is in the journal.
        let text = try String(contentsOfFile: scratch.locations.journal, encoding: .utf8)
        #expect(!text.contains("wrong-") && !text.contains("right-now"))
    }

    @Test func aSuccessClearsEarlierFailures() throws {
        let scratch = PAMScratch()
        defer { scratch.remove() }
        let desk = try scratch.desk()
        for _ in 1...3 {
            _ = try? desk.signIn(user: "anna", password: "x", with: scratch.authenticator("deny"), channel: "test")
        }
        #expect(desk.state.users["anna"]?.consecutiveFailures == 3)
        _ = try desk.signIn(user: "anna", password: "x", with: scratch.authenticator("permit"), channel: "test")
        #expect(desk.state.users["anna"]?.consecutiveFailures == 0)
    }

    @Test func aPAMErrorIsNotCountedAsAFailedSignIn() throws {
        let scratch = PAMScratch()
        defer { scratch.remove() }
        scratch.service("broken", "auth required pam_no_such_module_here.so\n")
        let desk = try scratch.desk()
        let before = desk.journal.head.seq
        #expect(throws: PAMError.self) {
            try desk.signIn(user: "anna", password: "x", with: scratch.authenticator("broken"), channel: "test")
        }
        #expect(desk.journal.head.seq == before)
        #expect(desk.state.users["anna"]?.consecutiveFailures == 0)
    }
}

/// An operating-system account made for one test and removed after it.
@Suite("PAM with pam_unix and a real account", .serialized)
struct PAMUnixTests {
    static let canManageAccounts: Bool = {
        geteuid() == 0
            && ["/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/sbin/chpasswd"].allSatisfy {
                FileManager.default.isExecutableFile(atPath: $0)
            }
    }()

    static func run(_ tool: String, _ arguments: [String], input: String? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(
        .enabled(
            if: canManageAccounts,
            "needs root and useradd, chpasswd and userdel to make and remove a throw-away operating-system account"))
    func theRightOperatingSystemPasswordSignsInAndAWrongOneCounts() throws {
        let scratch = PAMScratch()
        defer { scratch.remove() }
        scratch.service("unix", "auth required pam_unix.so nodelay\naccount required pam_unix.so\n")
        let account = "rdpam" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
        let password = "Pam-test-" + UUID().uuidString
        guard try Self.run("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", account]) == 0
        else {
            try Test.cancel("useradd could not create a throw-away account here")
        }
        defer { _ = try? Self.run("/usr/sbin/userdel", [account]) }
        guard try Self.run("/usr/sbin/chpasswd", [], input: "\(account):\(password)\n") == 0 else {
            try Test.cancel("chpasswd could not set the throw-away account's password here")
        }
        let unix = scratch.authenticator("unix")
        #expect(try unix.verify(user: account, password: password))
        #expect(try !unix.verify(user: account, password: password + "x"))
        #expect(try !unix.verify(user: account + "nobody", password: password))

        let desk = try Desk.create(scratch.locations, administrator: account, name: "PAM Test Account", password: nil)
        #expect(throws: ActionRefusal.self) {
            try desk.signIn(user: account, password: "wrong", with: unix, channel: "test")
        }
        #expect(desk.state.users[account]?.consecutiveFailures == 1)
        let signedIn = try desk.signIn(user: account, password: password, with: unix, channel: "test")
        #expect(signedIn.id == account)
        #expect(desk.state.users[account]?.consecutiveFailures == 0)
    }
}
