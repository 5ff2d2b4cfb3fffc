import ArgumentParser
import ReleaseDeskCore

/// `assign BATCH --to USER`: who in QA reviews the batch (QA or supervisor; not signed).
struct AssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign", abstract: "Assign a batch to a QA user for review (QA or supervisor; not signed).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Option(help: "The QA user id.") var to: String

    func run() throws {
        try Failure.guarded {
            try UnsignedAction.run(global, action: "batch.assign", about: .batch(batch)) {
                state, actor throws(ActionRefusal) in
                try ReleaseRules.assign(batch: batch, to: to, by: actor, in: state)
            }
        }
    }
}

/// `unassign BATCH`: removes the batch's assignment (QA or supervisor; not signed; journaled).
struct UnassignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unassign", abstract: "Remove a batch's assignment (QA or supervisor; not signed).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String

    func run() throws {
        try Failure.guarded {
            try UnsignedAction.run(global, action: "batch.unassign", about: .batch(batch)) {
                state, actor throws(ActionRefusal) in
                try ReleaseRules.unassign(batch: batch, by: actor, in: state)
            }
        }
    }
}
