import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskServices

/// `audit-review BATCH`: the signed review of a batch's audit trail, a step certification depends on.
struct AuditReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-review",
        abstract: "Mark a batch's audit trail reviewed (supervisor or QA independent of its QA review). Signed.",
        discussion: """
            Reviews the trail through its last record unless --through names an earlier one. Records about the batch \
            added after the reviewed record reopen the review; certification needs a current one. Read the trail \
            first with 'audit --batch BATCH'.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Option(help: "The seq of the last record reviewed (default: the last record of the batch's trail).") var through:
        Int64?
    @Option(help: "What was reviewed and found (required).") var reason: String

    func run() throws {
        try Failure.guarded {
            try SignedCommand.run(global, .reviewAuditTrail(batch: batch, through: through, reason: reason))
        }
    }
}
