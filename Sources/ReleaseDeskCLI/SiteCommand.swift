import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskServices

struct SiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Suspend and reinstate manufacturing sites (supervisor; signed), and show their status.",
        discussion: "While a site is suspended none of its batches can be certified or supplied "
            + "(gate site-suspended); review, dispositions, deviations, holds and rejection go on.",
        subcommands: [Suspend.self, Reinstate.self, Status.self]
    )

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend a site (supervisor). Signed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The site id.") var site: String
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try Failure.guarded {
                try SignedCommand.run(global, .siteStatus(site: site, suspend: true, reason: reason))
            }
        }
    }

    struct Reinstate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reinstate a suspended site (supervisor). Signed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The site id.") var site: String
        @Option(help: "Why (required).") var reason: String
        func run() throws {
            try Failure.guarded {
                try SignedCommand.run(global, .siteStatus(site: site, suspend: false, reason: reason))
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every site with its status and the history of its suspensions.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this site.") var site: String?
        @Flag(help: "One JSON object a site.") var json = false

        func run() throws {
            try Failure.guarded {
                let (desk, _) = try global.signedIn(
                    try global.locations(), channel: "cli:site-status", for: .reading, passwords: global.passwords())
                let state = desk.state
                if let site, state.sites[site] == nil { throw Failure(.noInput, "no site \(site) in this journal") }
                var out = StandardOutput()
                for id in state.sites.keys.sorted() where site == nil || id == site {
                    let events = state.release.siteEvents[id] ?? []
                    let suspended = state.release.suspension(of: id) != nil
                    if json {
                        let history: [JSONValue] = events.map {
                            [
                                "kind": .string($0.kind), "by": .string($0.by), "at": .string($0.at.description),
                                "seq": .int($0.seq), "reason": .string($0.reason),
                            ]
                        }
                        let line: JSONValue = [
                            "site": .string(id), "name": .string(state.sites[id]?.name ?? ""),
                            "status": .string(suspended ? "suspended" : "active"), "history": .array(history),
                        ]
                        out.write(AuditText.safeJSON(line) + "\n")
                    } else {
                        out.write(
                            DisplayText.sanitize(
                                "\(id)  \(suspended ? "SUSPENDED" : "active")  \(state.sites[id]?.name ?? "")") + "\n")
                        for event in events {
                            let word = event.kind == RecordKind.siteSuspended ? "suspended" : "reinstated"
                            out.write(
                                DisplayText.sanitize(
                                    "  \(event.at)  \(word) by \(event.by) (seq \(event.seq)): \(event.reason)") + "\n")
                        }
                    }
                }
                out.flush()
            }
        }
    }
}
