import ArgumentParser
import CanonicalJSON
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskServices

struct IntegrityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrity",
        abstract: "Integrity alarms: acknowledge one after investigation (administrator). Signed.",
        subcommands: [Acknowledge.self]
    )

    struct Acknowledge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge an integrity alarm (a witness that no longer matches the journal) with the finding.",
            discussion: """
                When a user's witness disagrees with the journal (its last record changed, or history was \
                rewritten or replaced), every command that writes refuses for that user. After investigating, an \
                administrator signs an integrity.alarm_acknowledged record with the finding; it names the witness \
                that disagreed (seq and sha256) and the head it follows. A witness named by an acknowledgement \
                moves on to the journal's head the next time it is checked. Without --witness-seq and \
                --witness-hash, the administrator's own witness is acknowledged; for another user's witness, give \
                the seq and sha256 their alarm message shows. A corrupt chain cannot be acknowledged.
                """
        )

        @OptionGroup var global: GlobalOptions
        @Option(help: "What the investigation found (required).") var finding: String
        @Option(name: .customLong("witness-seq"), help: "The seq of the witness to acknowledge (another user's).")
        var witnessSeq: Int64?
        @Option(name: .customLong("witness-hash"), help: "The sha256 of that witness (64 lower-case hex digits).")
        var witnessHash: String?

        func validate() throws {
            if (witnessSeq == nil) != (witnessHash == nil) {
                throw ValidationError("--witness-seq and --witness-hash go together")
            }
            if let witnessHash, Digest(hex: witnessHash) == nil {
                throw ValidationError("--witness-hash must be 64 lower-case hex digits")
            }
            if let witnessSeq, witnessSeq < 1 { throw ValidationError("--witness-seq must be 1 or more") }
        }

        func run() throws {
            try Failure.guarded {
                let locations = try global.locations()
                let authenticator = try global.authenticator(for: locations)
                // The one command that opens a journal under an alarm: to acknowledge it, after investigation.
                let desk = try Failure.opening(locations, onAlarm: .keepReadOnly)
                try desk.requireWritable("integrity.acknowledge")
                let id = global.userID
                let given = witnessSeq.map { IntegrityAcknowledgement.Point(seq: $0, sha256: witnessHash!) }
                guard let witness = given ?? desk.disagreeingWitness else {
                    if let alarm = desk.alarm { throw Failure(.refused, DeskError.alarm(alarm).description) }
                    throw Failure(
                        .refused, "your witness matches the journal: there is no integrity alarm to acknowledge")
                }
                let shown = IntegrityAcknowledgement.request(finding: finding, witness: witness, head: desk.headPoint)
                let expected = SignedCommand.announce(
                    shown, signer: id, name: desk.state.users[id]?.name ?? id, details: [("finding", finding)])
                let password = try global.passwords().read(
                    prompt: "Password for \(DisplayText.sanitize(id)) (signature): ")
                do {
                    _ = try desk.signIn(
                        user: id, password: password, with: authenticator, channel: "cli:integrity-acknowledge")
                } catch let error as DeskError {
                    throw Failure(.refused, error.description)
                }
                let written = try desk.acknowledgeAlarm(finding: finding, witness: witness, by: id, expecting: expected)
                var out = StandardOutput()
                for record in written {
                    var line = "seq \(record.seq): \(AuditText.summary(record))"
                    if let signature = Signature.decode(record.body["signature"]) {
                        line += "\n  " + signature.manifestation(at: record.at)
                    }
                    out.write(line + "\n")
                }
                if desk.alarm == nil { out.write("witness   moved to seq \(desk.journal.head.seq)\n") }
                out.flush()
            }
        }
    }
}
