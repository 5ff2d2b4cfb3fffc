import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

/// `oos-supply request|evaluate|accept|notify|supply BATCH`: supply of an out-of-specification batch at a
/// treating physician's request (EU GMP Part IV §11.5). Every step is signed and linked to the request.
struct OOSSupplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oos-supply",
        abstract:
            "Supply an out-of-specification batch at a physician's request: request, risk evaluation, acceptance, notifications, supply.",
        discussion: """
            In order: 'request' (QP or QA records the physician's request), 'evaluate' (the QP's risk evaluation), \
            'accept' (the same physician's acceptance), 'notify' (one per notification sent), then 'supply' (QP). \
            Every other certification gate still applies; only the OOS exceptions and their deviations may stay open.
            """,
        subcommands: [Request.self, Evaluate.self, Accept.self, Notify.self, Supply.self]
    )

    static func step(_ global: GlobalOptions, _ batch: String, _ step: ReleaseRules.OOSStep, reason: String) throws {
        try SignedCommand.run(global, .oosSupplyStep(batch: batch, step: step, reason: reason))
    }

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the treating physician's request (QP or QA). Signed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "The requesting physician's name.") var physician: String
        @Option(help: "Reference of the request document.") var reference: String
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try Failure.guarded {
                try OOSSupplyCommand.step(
                    global, batch, .request(physician: physician, reference: reference), reason: reason)
            }
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the QP's risk evaluation. Signed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "The risk evaluation.") var evaluation: String
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try Failure.guarded {
                try OOSSupplyCommand.step(global, batch, .riskEvaluation(evaluation), reason: reason)
            }
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the physician's acceptance of the risk (QP or QA). Signed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "The physician (the one who asked).") var physician: String
        @Option(help: "Reference of the signed acceptance.") var reference: String
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try Failure.guarded {
                try OOSSupplyCommand.step(
                    global, batch, .acceptance(physician: physician, reference: reference), reason: reason)
            }
        }
    }

    struct Notify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a notification sent (QP or QA). Signed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "Who was notified (e.g. competent authority, marketing authorisation holder).") var recipient:
            String
        @Option(help: "Reference of the notification.") var reference: String
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try Failure.guarded {
                try OOSSupplyCommand.step(
                    global, batch, .notification(recipient: recipient, reference: reference), reason: reason)
            }
        }
    }

    struct Supply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Supply the batch out of specification (QP). Signed; final.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try Failure.guarded {
                try SignedCommand.run(global, .supplyOOS(batch: batch, reason: reason))
            }
        }
    }
}
