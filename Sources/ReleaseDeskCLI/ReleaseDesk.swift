import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskWorkstation

@main
struct ReleaseDesk: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "releasedesk",
        abstract: "Quality review and batch release for cell and gene therapy manufacturing.",
        discussion: """
            Every fact lives in one append-only, hash-chained journal file (JSON Lines). Without a \
            subcommand, ReleaseDesk opens the workstation.

            Exit codes: 0 success; 1 corruption found or action refused by a rule; 64 usage; 65 bad input \
            data; 66 input missing; 69 unavailable; 73 cannot create; 74 I/O error; 77 not permitted; \
            78 configuration error.
            """,
        version: version,
        subcommands: [
            InitCommand.self, UserCommand.self, ImportCommand.self, QueueCommand.self, ReviewCommand.self,
            ReportCommand.self,
            DispositionCommand.self, OOSInvestigationCommand.self, FullReviewCommand.self, DeviationCommand.self,
            CertifyCommand.self, RejectCommand.self, HoldCommand.self,
            UnholdCommand.self, RegisterCommand.self, AuditReviewCommand.self, CommentCommand.self,
            OOSSupplyCommand.self, AssignCommand.self, UnassignCommand.self, SiteCommand.self, TrendsCommand.self,
            ForecastCommand.self,
            OversightCommand.self,
            VerifyCommand.self, AuditCommand.self, InfoCommand.self, IntegrityCommand.self,
            SampleCommand.self, DiagnosticsCommand.self, StoreCommand.self, ExportCommand.self,
        ]
    )

    /// Parses the command line (with option values that start with a combining mark kept whole:
    /// `OptionValues`) and runs the command.
    static func main() {
        main(OptionValues.separated(Array(CommandLine.arguments.dropFirst())))
    }

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .long,
        help:
            "Theme of the workstation: default, high-contrast, colorblind, monochrome, a theme in a themes folder, or a theme file (a path containing / or ending in .toml)."
    )
    var theme = "default"

    @Option(name: .long, help: "Colour: auto (off when NO_COLOR is set), always or never.")
    var color = "auto"

    @Flag(name: .long, help: "Plain workstation for screen readers: no box drawing, one pane at a time (Tab switches).")
    var plain = false

    func run() throws {
        try Failure.guarded {
            do {
                try MainActor.assumeIsolated {
                    try WorkstationRunner(
                        global: global, themeName: theme, color: color, readOnly: global.readonly, plain: plain
                    )
                    .run()
                }
            } catch ExitCodeFailure.signal(let signal) {
                throw ExitCode(128 + signal)
            }
        }
    }
}
