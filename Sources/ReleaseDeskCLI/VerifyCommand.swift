import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the journal: canonical records, sequence, hash chain, repaired fragments, witness.",
        discussion: """
            Checks every line as §5 of docs/journal-format.md says, and this user's witness (§6): the journal must still \
            hold the record last verified here, with the same hash. On success the witness moves to the new head. \
            Exit 0 when the journal verifies (warnings included), 1 on corruption or changed history.

            --deep also replays the journal and checks every signature against what it signs: the content is \
            rebuilt from the state just before its record and its SHA-256 compared with the signature's \
            subject_sha256; signer, printed name, meaning and subject must match too (docs/journal-format.md, \
            "Deep verification of signatures"). Any difference is corruption naming the record: exit 1.

            JSON output (--json), one object: status ("ok", "ok-with-warnings", "corrupt"), path, bytes, lines, \
            records, journal_id, head {seq, hash}, corruption {line, offset, reason} or null, warnings \
            [{line, offset, message}], warning_count, duty_warnings (accounts holding admin with a GMP role),  witness {status: "matches", "saved", "changed", "acknowledged", "skipped"; \
            seq; message}, expected {seq, hash, status: "matches", "differs"} when asked; with --deep, deep \
            {status: "ok", "mismatch", "skipped"; records; signatures; findings [{line, seq, kind, batch, problem}]}.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false

    @Flag(name: .long, help: "Also check every signature against the content it signs (replays the journal).")
    var deep = false

    @Option(name: .long, help: "A seq known from elsewhere (with --expect-hash): the journal must hold it unchanged.")
    var expectSeq: Int64?

    @Option(name: .long, help: "The hash expected at --expect-seq (64 lower-case hex digits).")
    var expectHash: String?

    func validate() throws {
        if (expectSeq == nil) != (expectHash == nil) {
            throw ValidationError("--expect-seq and --expect-hash go together")
        }
        if let expectHash, Digest(hex: expectHash) == nil {
            throw ValidationError("--expect-hash must be 64 lower-case hex digits")
        }
        if let expectSeq, expectSeq < 1 { throw ValidationError("--expect-seq must be 1 or more") }
    }

    func run() throws {
        try Failure.guarded {
            let locations = try global.locations()
            guard locations.store != nil || FileBytes.exists(locations.journal) else {
                throw Failure(.noInput, "no journal at \(locations.journal)")
            }
            let store = WitnessStore(directory: locations.stateDirectory)
            let journalID = try StoreSelection.identify(locations)
            var witness: Witness? = nil
            var witnessProblem: String? = nil
            if let journalID {
                do {
                    witness = try store.load(journalID: journalID)
                } catch {
                    witnessProblem = "\(error)"
                }
            }
            var watch: Set<Int64> = []
            if let witness { watch.insert(witness.seq) }
            if let expectSeq { watch.insert(expectSeq) }
            let report = try StoreSelection.verify(locations, watchSeqs: watch)

            var witnessStatus = "skipped"
            var witnessMessage = witnessProblem ?? ""
            var failed = report.status == .corrupt
            if report.status != .corrupt, let id = report.journalID {
                let verdict = try WitnessPolicy.judge(
                    witness, problem: witness.flatMap { $0.check(hashAtSeq: report.watchedHashes[$0.seq]) }
                ) { try StoreSelection.acknowledgement(locations, naming: $0) }
                switch verdict {
                case .first:
                    if witnessProblem == nil {
                        witnessStatus = "saved"
                        witnessMessage = "first verification of this journal by this user"
                    }
                case .matches:
                    witnessStatus = "matches"
                    witnessMessage = "holds seq \(witness?.seq ?? 0) as last seen here"
                case .acknowledged(let problem, let seq):
                    witnessStatus = "acknowledged"
                    witnessMessage = "\(problem); acknowledged by an administrator in record \(seq), moved to the head"
                case .changed(let problem, let point):
                    witnessStatus = "changed"
                    witnessMessage = "\(problem) (your witness: seq \(point.seq), sha256 \(point.sha256))"
                    failed = true
                }
                if verdict.movesOn && witnessProblem == nil {
                    try? WitnessPolicy.advance(store, journalID: id, to: report.head)
                }
            }
            var expectedStatus: String? = nil
            if let expectSeq, let expectHash {
                expectedStatus = report.watchedHashes[expectSeq] == expectHash ? "matches" : "differs"
                if expectedStatus == "differs" { failed = true }
            }

            let conflicts = report.status == .corrupt ? [] : try StoreSelection.dutyConflicts(locations)
            var deepReport: DeepVerification.Report? = nil
            if deep && report.status != .corrupt {
                let checked = try StoreSelection.deepVerification(locations)
                if !checked.passed { failed = true }
                deepReport = checked
            }

            var out = StandardOutput()
            if json {
                var object = jsonReport(report, witnessStatus, witnessMessage, witness, expectedStatus)
                if deep { object = Self.withDeep(object, deepReport) }
                if var o = object.objectValue {
                    o["duty_warnings"] = .array(conflicts.map { .string(DutyConflicts.warning($0)) })
                    object = .object(o)
                }
                out.write(AuditText.safeJSON(object) + "\n")
            } else {
                var text = textReport(report, witnessStatus, witnessMessage, expectedStatus)
                for user in conflicts {
                    text += "warning   " + DisplayText.sanitize(DutyConflicts.warning(user)) + "\n"
                }
                if let deepReport { text += Self.deepText(deepReport) }
                out.write(text)
            }
            out.flush()
            if failed { throw ExitCode(Failure.Status.refused.rawValue) }
        }
    }

    func jsonReport(
        _ report: VerificationReport, _ witnessStatus: String, _ witnessMessage: String, _ witness: Witness?,
        _ expectedStatus: String?
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "status": .string(report.status.rawValue), "path": .string(report.path), "bytes": .int(report.bytes),
            "lines": .int(Int64(report.lines)), "records": .int(Int64(report.records)),
            "journal_id": report.journalID.map(JSONValue.string) ?? .null,
            "head": ["seq": .int(report.head.seq), "hash": .string(report.head.hash)],
            "corruption": report.corruption.map {
                ["line": .int(Int64($0.line)), "offset": .int($0.offset), "reason": .string($0.reason)]
            } ?? .null,
            "warnings": .array(
                report.warnings.map {
                    ["line": .int(Int64($0.line)), "offset": .int($0.offset), "message": .string($0.message)]
                }),
            "warning_count": .int(Int64(report.warningCount)),
            "witness": [
                "status": .string(witnessStatus), "seq": witness.map { .int($0.seq) } ?? .null,
                "message": .string(witnessMessage),
            ],
        ]
        if let expectedStatus, let expectSeq, let expectHash {
            object["expected"] = [
                "seq": .int(expectSeq), "hash": .string(expectHash), "status": .string(expectedStatus),
            ]
        }
        return .object(object)
    }

    func textReport(
        _ report: VerificationReport, _ witnessStatus: String, _ witnessMessage: String, _ expectedStatus: String?
    ) -> String {
        var text = ""
        text += "journal   \(report.path)\n"
        text += "size      \(report.bytes) bytes, \(report.records) records on \(report.lines) lines\n"
        if let id = report.journalID { text += "id        \(id)\n" }
        text += "head      seq \(report.head.seq)  sha256 \(report.head.hash)\n"
        if witnessStatus != "skipped" || !witnessMessage.isEmpty {
            let word = witnessStatus == "changed" ? "ALARM" : witnessStatus
            text += "witness   \(word): \(witnessMessage)\n"
        }
        if let expectedStatus, let expectSeq {
            text +=
                "expected  seq \(expectSeq): \(expectedStatus == "matches" ? "matches" : "DIFFERS (history changed)")\n"
        }
        for warning in report.warnings { text += "warning   \(warning)\n" }
        if report.warningCount > report.warnings.count {
            text += "warning   … and \(report.warningCount - report.warnings.count) more\n"
        }
        switch report.status {
        case .ok: text += "result    ok\n"
        case .okWithWarnings: text += "result    ok with \(report.warningCount) warning(s)\n"
        case .corrupt:
            let c = report.corruption!
            text += "result    CORRUPT at line \(c.line), byte offset \(c.offset): \(c.reason)\n"
        }
        return text
    }

    static func withDeep(_ object: JSONValue, _ deep: DeepVerification.Report?) -> JSONValue {
        var o = object.objectValue ?? [:]
        if let deep {
            o["deep"] = [
                "status": .string(deep.passed ? "ok" : "mismatch"), "records": .int(Int64(deep.records)),
                "signatures": .int(Int64(deep.signatures)), "findings": .array(deep.findings.map(\.json)),
            ]
        } else {
            o["deep"] = ["status": "skipped", "records": 0, "signatures": 0, "findings": .array([])]
        }
        return .object(o)
    }

    static func deepText(_ deep: DeepVerification.Report) -> String {
        var text = ""
        for finding in deep.findings {
            text += DisplayText.sanitize("signature MISMATCH at \(finding)") + "\n"
        }
        if let corruption = deep.corruption {
            text += DisplayText.sanitize("deep      stopped: the journal is corrupt at \(corruption)") + "\n"
        }
        if deep.passed {
            text += "deep      ok: \(deep.signatures) signature(s) in \(deep.records) records match what they sign\n"
        } else {
            text +=
                "deep      CORRUPT: \(deep.findings.count) of \(deep.signatures) signature(s) do not match what they sign\n"
        }
        return text
    }
}
