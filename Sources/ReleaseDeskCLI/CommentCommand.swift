import ArgumentParser
import ReleaseDeskCore

/// `comment BATCH --text "…"`: a note on a batch for its audit trail (QA, QP or supervisor). Not signed: it
/// decides nothing, but it is a record about the batch, so it reopens the batch's audit-trail review.
struct CommentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment", abstract: "Add a comment to a batch's audit trail (QA, QP or supervisor; not signed).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Option(help: "The comment (required).") var text: String

    func run() throws {
        try Failure.guarded {
            try UnsignedAction.run(global, action: "batch.comment", about: .batch(batch)) {
                state, actor throws(ActionRefusal) in
                try ReleaseRules.comment(batch: batch, text: text, by: actor, in: state)
            }
        }
    }
}
