import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

/// Runs a signed action from the command line: shows what will be signed, reads the password (user id and
/// password together are both components of the signature), then takes the action (`Desk.sign`), refused if
/// what was shown changed in between.
enum SignedCommand {
    /// Shows the signer what they are about to sign (21 CFR 11.50) on stderr; returns the digest of exactly
    /// that content. `details` are extra labelled lines (e.g. an acknowledgement's finding).
    static func announce(_ shown: SigningRequest, signer id: String, name: String, details: [(String, String)] = [])
        -> String
    {
        let digest = Signing.digest(shown.content)
        let extra = details.map { "  \($0.0.padding(toLength: 10, withPad: " ", startingAt: 0)) \($0.1)\n" }.joined()
        StandardError.write(
            DisplayText.sanitize(
                """
                You are about to sign:
                  subject    \(shown.subject)
                  decision   \(shown.decision)
                  meaning    \(shown.meaning.rawValue): \(shown.meaning.statement)
                \(extra)  signer     \(name) (\(id))
                  time zone  UTC (the time of signing is recorded in UTC)
                  digest     sha256 \(digest.prefix(16))… of exactly this content

                """, layout: .multiline))
        return digest
    }

    /// Shows what will be signed, reads the password and takes the action (`Desk.sign`); prints the records
    /// written with their signature manifestations.
    static func run(_ global: GlobalOptions, _ action: SignedAction) throws {
        let locations = try global.locations()
        let authenticator = try global.authenticator(for: locations)
        let desk = try Failure.opening(locations)
        defer { desk.checkpoint() }
        try desk.requireWritable(action.name)
        let id = global.userID
        var expected: String? = nil
        do throws(ActionRefusal) {
            let shown = try action.request(in: desk.state)
            expected = announce(shown, signer: id, name: desk.state.users[id]?.name ?? id)
        } catch {
            // Not signable as asked: the action refuses with the same gate, and that refusal is journaled.
        }
        let password = try global.passwords().read(prompt: "Password for \(DisplayText.sanitize(id)) (signature): ")
        let written = try desk.sign(
            action, as: id, password: password, with: authenticator, channel: "cli:\(action.name)", shown: expected,
            clock: SystemEnvironment.clock)
        var out = StandardOutput()
        for record in written {
            var line = "seq \(record.seq): \(AuditText.summary(record))"
            if let signature = Signature.decode(record.body["signature"]) {
                line += "\n  " + signature.manifestation(at: record.at)
            }
            out.write(line + "\n")
        }
        out.flush()
    }
}

struct DispositionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disposition",
        abstract: "Disposition an exception (QA): justify it, or request a re-test. Signed.",
        discussion:
            "To link exceptions to a deviation, use 'deviation open'. A later disposition supersedes an earlier "
            + "one; both stay in the journal and the report."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Argument(help: "The exception id (see 'review BATCH').") var exception: String
    @Flag(help: "Justify the exception (no impact).") var justify = false
    @Flag(help: "Request a re-test.") var retest = false
    @Option(help: "Why (required).") var reason: String

    func validate() throws {
        guard justify != retest else { throw ValidationError("give exactly one of --justify and --retest") }
    }

    func run() throws {
        try Failure.guarded {
            let kind: DispositionKind = justify ? .justified : .retestRequested
            try SignedCommand.run(global, .disposition(batch: batch, exception: exception, kind: kind, reason: reason))
        }
    }
}

struct DeviationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deviation",
        abstract: "Open, classify, investigate, approve and extend deviations (QA). Signed.",
        discussion: "Minor: open, then one approval closes it. Major and critical: open, approve-classification, "
            + "investigate, approve. Due dates move only by an approved extension.",
        subcommands: [
            Open.self, ApproveClassification.self, Investigate.self, Approve.self, Extend.self, ApproveExtension.self,
            List.self,
        ]
    )

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a deviation from one or more exceptions of a batch.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The batch id.") var batch: String
        @Option(name: .customLong("exception"), help: "An exception id (repeat for several).") var exceptions: [String]
        @Option(name: .customLong("class"), help: "minor, major or critical.") var classification: String
        @Option(help: "A short title.") var title: String
        @Option(help: "What happened.") var description: String
        @Option(help: "Why a deviation is opened.") var reason: String

        func run() throws {
            try Failure.guarded {
                guard let severity = Severity(rawValue: classification) else {
                    throw Failure(.usage, "--class must be minor, major or critical")
                }
                try SignedCommand.run(
                    global,
                    .openDeviation(
                        batch: batch, exceptions: exceptions, classification: severity, title: title,
                        description: description,
                        reason: reason))
            }
        }
    }

    struct ApproveClassification: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve-classification",
            abstract: "Approve the classification of a major or critical deviation.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The deviation id.") var deviation: String
        @Option(name: .customLong("class"), help: "Change the class on approval (major or critical).")
        var classification: String?
        @Option(help: "Why.") var reason: String

        func run() throws {
            try Failure.guarded {
                let severity = try classification.map { c in
                    guard let s = Severity(rawValue: c) else {
                        throw Failure(.usage, "--class must be major or critical")
                    }
                    return s
                }
                try SignedCommand.run(
                    global, .approveClassification(deviation: deviation, classification: severity, reason: reason))
            }
        }
    }

    struct Investigate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the investigation of a major or critical deviation.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The deviation id.") var deviation: String
        @Option(name: .customLong("root-cause"), help: "The root cause.") var rootCause: String
        @Option(help: "Impact and risk assessment.") var impact: String
        @Option(help: "A CAPA reference (repeat for several).") var capa: [String] = []
        @Option(name: .customLong("no-capa-because"), help: "Why no CAPA is needed (instead of --capa).") var noCapa:
            String?
        @Option(help: "How the CAPA's effectiveness will be checked.") var effectiveness: String
        @Option(help: "Why.") var reason: String

        func run() throws {
            try Failure.guarded {
                let investigation = ReleaseRules.Investigation(
                    rootCause: rootCause, impact: impact, capa: capa, capaRationale: noCapa,
                    effectivenessCheck: effectiveness)
                try SignedCommand.run(
                    global, .recordInvestigation(deviation: deviation, investigation: investigation, reason: reason))
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Approve and close a deviation (the single approval of a minor one, the final approval of others).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The deviation id.") var deviation: String
        @Option(help: "Why.") var reason: String

        func run() throws {
            try Failure.guarded {
                try SignedCommand.run(global, .approveDeviation(deviation: deviation, reason: reason))
            }
        }
    }

    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Request a later due date (another QA user approves it).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The deviation id.") var deviation: String
        @Option(help: "The new due date, ISO 8601 (e.g. 2026-12-31T17:00:00Z).") var due: String
        @Option(help: "Why.") var reason: String

        func run() throws {
            try Failure.guarded {
                guard let when = Timestamp(iso8601: due) else {
                    throw Failure(.usage, "--due must be ISO 8601 with a zone")
                }
                let locations = try global.locations()
                let (desk, actor) = try global.signedIn(
                    locations, channel: "cli:deviation-extend", for: .writing, passwords: global.passwords())
                defer { desk.checkpoint() }
                let written = try desk.perform("deviation.extend", by: actor.id, about: .deviation(deviation)) {
                    state throws(ActionRefusal) in
                    try ReleaseRules.requestExtension(deviation, due: when, reason: reason, by: actor.id, in: state)
                }
                var out = StandardOutput()
                for record in written { out.write("seq \(record.seq): \(AuditText.summary(record))\n") }
                out.flush()
            }
        }
    }

    struct ApproveExtension: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve-extension", abstract: "Approve the requested due date of a deviation.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The deviation id.") var deviation: String
        @Option(help: "Why.") var reason: String

        func run() throws {
            try Failure.guarded {
                try SignedCommand.run(global, .approveExtension(deviation: deviation, reason: reason))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List deviations in board order: open before closed, overdue first, then by due date.",
            discussion: """
                Order: open before closed; then by due date, earliest first (so every overdue deviation comes \
                first); on one due date critical, major, minor; then by id. Owner: who opened the deviation. \
                Overdue: open and past its due date. --mine lists the open deviations waiting for a step of the \
                signed-in user (docs/oversight.md, "Deviation board"). json, jsonl and csv carry the due clock \
                (remaining_hours, overdue) and every extension.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this batch.") var batch: String?
        @Flag(help: "Only open deviations.") var open = false
        @Flag(help: "Only overdue deviations (open and past their due date).") var overdue = false
        @Option(help: "Only deviations opened by this user (their owner).") var owner: String?
        @Option(name: .customLong("class"), help: "Only this class: minor, major or critical.") var classification:
            String?
        @Option(help: "Only deviations of batches made at this site.") var site: String?
        @Flag(help: "Only the open deviations waiting for a step of the signed-in user.") var mine = false
        @Option(name: .long, help: ListFormat.help) var format: ListFormat = .table

        func run() throws {
            try Failure.guarded {
                var severity: Severity? = nil
                if let classification {
                    guard let parsed = Severity(rawValue: classification) else {
                        throw Failure(
                            .usage,
                            "--class: \(DisplayText.sanitize(classification)) is not a class; use minor, major or critical"
                        )
                    }
                    severity = parsed
                }
                let (desk, actor) = try global.signedIn(
                    try global.locations(), channel: "cli:deviation-list", for: .reading, passwords: global.passwords())
                let state = desk.state
                let now = SystemEnvironment.clock()
                var mineSteps: [String: [DeviationBoard.Step]] = [:]
                if mine {
                    for item in DeviationBoard.work(for: actor.id, in: state).deviations {
                        mineSteps[item.row.id] = item.steps
                    }
                }
                let rows = DeviationBoard.rows(state, includeClosed: !(open || overdue || mine)).filter { row in
                    (batch == nil || row.batches.contains(batch!)) && (!overdue || row.isOverdue(at: now))
                        && (owner == nil || row.owner == owner) && (severity == nil || row.classification == severity)
                        && (site == nil || row.site == site) && (!mine || mineSteps[row.id] != nil)
                }
                var list = ListOutput(
                    columns: [
                        "DEVIATION", "BATCH", "CLASS", "STAGE", "OWNER", "DUE", "CLOCK", "EXTENSIONS", "NEXT", "TITLE",
                    ],
                    csvColumns: [
                        "deviation", "batch", "class", "stage", "owner", "due", "clock", "extensions", "next_steps",
                        "title",
                    ])
                for row in rows {
                    let steps = mineSteps[row.id] ?? row.nextSteps
                    list.append(
                        [
                            row.id, row.batches.joined(separator: " "), row.classification.rawValue, row.stage.rawValue,
                            row.owner, row.due.description, DeviationBoard.clockText(row, at: now),
                            Self.extensionCell(row), steps.map(\.words).joined(separator: "; "), row.title,
                        ], Self.json(row, steps: steps, now: now))
                }
                var out = StandardOutput()
                out.write(list.render(format))
                out.flush()
            }
        }

        /// `2 (1 waiting)`, or empty without extensions.
        static func extensionCell(_ row: DeviationBoard.Row) -> String {
            guard !row.extensions.isEmpty else { return "" }
            return "\(row.extensions.count)" + (row.pendingExtension != nil ? " (1 waiting)" : "")
        }

        static func json(_ row: DeviationBoard.Row, steps: [DeviationBoard.Step], now: Timestamp) -> JSONValue {
            var object: [String: JSONValue] = [
                "deviation": .string(row.id), "batch": .string(row.batches.first ?? ""),
                "batches": .array(row.batches.map { .string($0) }), "class": .string(row.classification.rawValue),
                "stage": .string(row.stage.rawValue), "open": .bool(row.isOpen), "due": .string(row.due.description),
                "title": .string(row.title), "owner": .string(row.owner),
                "clock": .string(DeviationBoard.clockText(row, at: now)),
                "overdue": .bool(row.isOverdue(at: now)),
                "remaining_hours": .int(ReleaseForecast.hours(from: now, to: row.due)),
                "next_steps": .array(steps.map { .string($0.rawValue) }),
                "extensions": .array(
                    row.extensions.map { e in
                        var o: [String: JSONValue] = [
                            "requested_by": .string(e.requestedBy), "requested_at": .string(e.requestedAt.description),
                            "due": .string(e.due.description), "reason": .string(e.reason),
                            "approved": .bool(e.isApproved),
                        ]
                        if let by = e.approvedBy { o["approved_by"] = .string(by) }
                        if let at = e.approvedAt { o["approved_at"] = .string(at.description) }
                        return .object(o)
                    }),
            ]
            if let site = row.site { object["site"] = .string(site) }
            if let product = row.product { object["product"] = .string(product) }
            return .object(object)
        }
    }
}

struct CertifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Certify a batch for release (QP). Signed over the compiled disposition record.",
        discussion: "Answer every Annex 16 checklist item with --answer ITEM=yes: "
            + ReleaseRules.checklist.map { "\($0.id) (\($0.question))" }.joined(separator: "; ")
            + ". Refused, naming the gate, while any gate is open; 'certify --gates' lists them without signing."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Option(name: .customLong("answer"), help: "A checklist answer, ITEM=yes or ITEM=no (repeat for every item).")
    var answers: [String] = []
    @Option(help: "Why (required).") var reason: String?
    @Flag(help: "Only list the open gates for the signed-in user; sign nothing.") var gates = false

    func run() throws {
        try Failure.guarded {
            if gates {
                let (desk, actor) = try global.signedIn(
                    try global.locations(), channel: "cli:certify-gates", for: .reading, passwords: global.passwords())
                let open = ReleaseRules.certificationGates(
                    batch, by: actor.id, now: SystemEnvironment.clock(), in: desk.state)
                var out = StandardOutput()
                if open.isEmpty { out.write("no gate is open: \(batch) can be certified by \(actor.id)\n") }
                for gate in open { out.write(DisplayText.sanitize("\(gate.gate): \(gate.message)") + "\n") }
                out.flush()
                if !open.isEmpty { throw Failure(.refused, "\(open.count) gate(s) open") }
                return
            }
            guard let reason else { throw Failure(.usage, "--reason is required") }
            var parsed: [String: Bool] = [:]
            for answer in answers {
                let parts = answer.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, ReleaseRules.checklist.contains(where: { $0.id == parts[0] }),
                    ["yes", "no"].contains(parts[1])
                else {
                    throw Failure(
                        .usage,
                        "--answer \(answer): use ITEM=yes or ITEM=no with an item of "
                            + ReleaseRules.checklist.map(\.id).joined(separator: ", "))
                }
                parsed[parts[0]] = parts[1] == "yes"
            }
            try SignedCommand.run(global, .certify(batch: batch, answers: parsed, reason: reason))
        }
    }
}

/// Reject, hold or release from hold (QP), signed: what `reject`, `hold` and `unhold` share.
enum DecisionCommand {
    enum Kind: String { case reject, hold, unhold }

    static func run(_ kind: Kind, _ global: GlobalOptions, batch: String, reason: String) throws {
        switch kind {
        case .reject: try SignedCommand.run(global, .reject(batch: batch, reason: reason))
        case .hold, .unhold: try SignedCommand.run(global, .hold(batch: batch, on: kind == .hold, reason: reason))
        }
    }
}

struct RejectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Reject a batch (QP). Signed; final.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Option(help: "Why (required).") var reason: String
    func run() throws { try Failure.guarded { try DecisionCommand.run(.reject, global, batch: batch, reason: reason) } }
}

struct HoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hold", abstract: "Put a batch on hold (QP). Signed.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Option(help: "Why (required).") var reason: String
    func run() throws { try Failure.guarded { try DecisionCommand.run(.hold, global, batch: batch, reason: reason) } }
}

struct UnholdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unhold", abstract: "Release a batch from hold (QP). Signed.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The batch id.") var batch: String
    @Option(help: "Why (required).") var reason: String
    func run() throws { try Failure.guarded { try DecisionCommand.run(.unhold, global, batch: batch, reason: reason) } }
}

struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "The certification register: every certification and rejection, with signatures.")
    @OptionGroup var global: GlobalOptions
    @Option(
        help: ArgumentHelp(
            "text (one line per decision, the default), table, json (one document), jsonl (one object per line) or csv.",
            valueName: "format"))
    var format = "text"

    func run() throws {
        try Failure.guarded {
            let list: ListFormat? = format == "text" ? nil : ListFormat(rawValue: format)
            guard format == "text" || list != nil else {
                throw Failure(.usage, "--format must be text, table, json, jsonl or csv")
            }
            let (desk, _) = try global.signedIn(
                try global.locations(), channel: "cli:register", for: .reading, passwords: global.passwords())
            var out = StandardOutput()
            var rows = ListOutput(columns: ["SEQ", "BATCH", "DECISION", "SIGNATURE", "REASON"])
            for d in desk.state.release.register {
                let value: JSONValue = [
                    "batch": .string(d.batch), "decision": .string(d.kind.rawValue), "by": .string(d.by),
                    "at": .string(d.at.description), "seq": .int(d.seq), "reason": .string(d.reason),
                    "pending_tests": .array(d.pendingTests.map { .string($0) }),
                    "signature": d.signature.map { s in
                        var o = s.json.objectValue ?? [:]
                        o["manifestation"] = .string(s.manifestation(at: d.at))
                        return .object(o)
                    } ?? .null,
                ]
                let manifestation = d.signature?.manifestation(at: d.at) ?? d.by
                rows.append([String(d.seq), d.batch, d.kind.rawValue, manifestation, d.reason], value)
                if list == nil {
                    out.write(
                        DisplayText.sanitize(
                            "#\(d.seq)  \(d.batch)  \(d.kind.rawValue.uppercased())  \(manifestation)"
                                + "  — \"\(d.reason)\"") + "\n")
                }
            }
            if let list { out.write(rows.render(list)) }
            out.flush()
        }
    }
}
