import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskServices

struct OOSInvestigationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oos-investigation",
        abstract: "Sign the outcome of the laboratory investigation of an OOS result (QA). Signed.",
        discussion:
            "An out-of-specification result is never justified as no impact. Its laboratory investigation either "
            + "finds an assignable laboratory cause (--invalidate --cause \"…\"): the result is invalidated, stays in the "
            + "record marked, and a re-test result imported afterwards counts; or finds none (--confirm): the OOS stands, "
            + "and the batch is rejected or supplied through the OOS supply path. Each result is investigated once."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Argument(help: "The QC result id of the OOS result (see 'review BATCH').") var result: String
    @Flag(help: "An assignable laboratory cause was found: invalidate the result.") var invalidate = false
    @Flag(help: "No assignable laboratory cause: the OOS is confirmed.") var confirm = false
    @Option(help: "The assignable laboratory cause (required with --invalidate).") var cause: String?
    @Option(help: "Why (required).") var reason: String

    func validate() throws {
        guard invalidate != confirm else { throw ValidationError("give exactly one of --invalidate and --confirm") }
        if confirm && cause != nil { throw ValidationError("--cause goes with --invalidate") }
    }

    func run() throws {
        try Failure.guarded {
            let outcome: OOSOutcome = invalidate ? .invalidated : .confirmed
            try SignedCommand.run(
                global, .investigateOOS(batch: batch, result: result, outcome: outcome, cause: cause, reason: reason))
        }
    }
}

struct FullReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "full-review",
        abstract: "Sign the full QA review of a batch (QA). Signed.",
        discussion:
            "Quiet-batch sampling sends some exception-free batches to full review so the rules themselves stay "
            + "checked; such a batch is ready for the QP only after QA signs that its whole record was reviewed."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Option(help: "What was reviewed and found (required).") var reason: String

    func run() throws {
        try Failure.guarded {
            try SignedCommand.run(global, .fullReview(batch: batch, reason: reason))
        }
    }
}
