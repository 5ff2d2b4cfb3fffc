import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a journal and enrol its first administrator.",
        discussion: "The administrator's password is asked twice at the terminal, or read from the first line of "
            + "standard input with --password-stdin. It is stored as a scrypt hash in the credential file beside "
            + "the journal, never in the journal. With PAM authentication no password is asked and no credential "
            + "file is written: --admin must be the administrator's operating-system account name."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "User id of the first administrator.")
    var admin: String

    @Option(name: .long, help: "Printed full name of the first administrator.")
    var name: String

    func validate() throws {
        if let problem = UserIdentity.problem(withID: admin) { throw ValidationError("--admin: \(problem)") }
        if let problem = UserIdentity.problem(withName: name) { throw ValidationError("--name: \(problem)") }
        if global.demo { throw ValidationError("--demo builds its own journal; init takes --journal") }
    }

    func run() throws {
        try Failure.guarded {
            let locations = try global.locations()
            try global.access.refuse("init")
            let setsPassword = try global.authentication().managesPasswords
            if locations.store == nil, FileBytes.exists(locations.journal) {
                throw Failure(.cannotCreate, "\(locations.journal) already exists; a journal is never overwritten")
            }
            if setsPassword, FileBytes.exists(locations.credentials) {
                throw Failure(
                    .cannotCreate, "\(locations.credentials) already exists; remove it only if it belongs to no journal"
                )
            }
            let password = setsPassword ? try global.passwords().readNew(prompt: "New password for \(admin): ") : nil
            do {
                try FileBytes.makeDirectories(Journal.parentDirectory(of: locations.journal))
            } catch {
                throw Failure(.cannotCreate, "cannot create the directory of \(locations.journal): \(error)")
            }
            let desk: Desk
            do {
                desk = try Desk.create(locations, administrator: admin, name: name, password: password)
            } catch let error as JournalError {
                if case .io(let call) = error, call.alreadyExists {
                    throw Failure(.cannotCreate, "\(locations.journal) already exists; a journal is never overwritten")
                }
                if case .io = error { throw Failure(.cannotCreate, error.description) }
                throw error
            }
            var out = StandardOutput()
            out.write("created journal \(StoreSelection.describe(locations))\n")
            out.write(
                "journal id \(desk.journal.journalID); administrator \(admin); head seq \(desk.journal.head.seq) \(desk.journal.head.hash)\n"
            )
            out.flush()
        }
    }
}
