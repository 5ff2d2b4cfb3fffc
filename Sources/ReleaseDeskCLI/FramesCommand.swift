import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskJournal
import ReleaseDeskScreen
import ReleaseDeskServices
import ReleaseDeskWorkstation

/// `diagnostics frames`: drives the workstation in memory (no terminal) and times each frame.
struct FramesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Sign in, press keys in an in-memory workstation and time each frame (key → reducer → render).",
        discussion:
            "Prints the p50, p99 and worst time of one frame after a warm-up round; --print shows the last frame as text."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Width of the screen in cells.") var width = 200
    @Option(help: "Height of the screen in cells.") var height = 60
    @Option(
        help:
            "Key presses: j, k, G, g, Tab, PgDn, PgUp and /text (search), separated by spaces, repeated --rounds times."
    )
    var keys = "j j j PgDn PgDn k G g Tab Tab Tab Tab"
    @Option(help: "How many times the key sequence is pressed.") var rounds = 100
    @Flag(help: "Print the last frame.") var print = false
    @Option(help: "List each frame slower than this many milliseconds (key, selected batch, focus).") var slow: Double?
    @Flag(help: "Render as outside a UTF-8 locale.") var ascii = false

    func run() throws {
        try Failure.guarded {
            var records: [Record] = []
            let (desk, account) = try global.signedIn(
                try global.locations(), channel: "cli:diagnostics", for: .reading, passwords: global.passwords()
            ) { records.append($0) }
            var state = WorkstationState(
                size: Size(width: width, height: height), now: SystemEnvironment.clock(), desk: desk.state,
                records: records,
                chain: ChainStatus(seq: desk.journal.head.seq, headHash: desk.journal.head.hash, alarm: desk.alarm),
                journalName: DisplayText.sanitize(StoreSelection.describe(desk.locations)),
                signIn: SignInForm(user: account.id))
            _ = Workstation.reduce(&state, .signInSucceeded(account))
            let sequence = try Self.parse(keys)
            var times: [Double] = []
            var last = Screen.render(state, unicode: !ascii)
            // Round 0 warms up (first use of each code path and table) and is not counted.
            for round in 0...rounds {
                for key in sequence {
                    let t0 = Monotonic.seconds()
                    _ = Workstation.reduce(&state, .keyPressed(key))
                    let frame = Screen.render(state, unicode: !ascii)
                    let changed = frame != last
                    let t1 = Monotonic.seconds()
                    if changed { last = frame }
                    if round > 0 { times.append(t1 - t0) }
                    if round > 0, let slow, (t1 - t0) * 1000 > slow {
                        StandardError.write(
                            "slow frame: \(Int((t1 - t0) * 1_000_000)) µs after \(key.label), batch \(state.selectedBatchID ?? "-"), "
                                + "focus \(state.focus.name)\n")
                    }
                }
            }
            var out = StandardOutput()
            if print { out.write(last.lines.joined(separator: "\n") + "\n") }
            times.sort()
            func ms(_ q: Double) -> String {
                guard !times.isEmpty else { return "-" }
                let value = times[min(times.count - 1, Int(Double(times.count) * q))] * 1000
                return String(Int(value * 1000)).padded(thousandths: true)
            }
            out.write(
                "frames \(times.count) at \(width)x\(height) with \(state.queueRows.count) batches: p50 \(ms(0.5)) ms, "
                    + "p99 \(ms(0.99)) ms, max \(ms(1.0)) ms\n")
            out.flush()
        }
    }

    static func parse(_ text: String) throws -> [Key] {
        var result: [Key] = []
        for word in text.split(separator: " ") {
            switch word {
            case "Tab": result.append(.tab)
            case "PgDn": result.append(.pageDown)
            case "PgUp": result.append(.pageUp)
            case "Enter": result.append(.enter)
            case "Esc": result.append(.escape)
            default:
                if word.hasPrefix("/") && word.count > 1 {
                    result.append(.char("/"))
                    for c in word.dropFirst() { result.append(.char(c)) }
                    result.append(.enter)
                } else if word.count == 1 {
                    result.append(.char(word.first!))
                } else {
                    throw Failure(.usage, "unknown key \(word) in --keys")
                }
            }
        }
        return result
    }
}

extension String {
    /// "1234" thousandths → "1.234".
    func padded(thousandths: Bool) -> String {
        let value = Int(self) ?? 0
        let frac = String(1000 + value % 1000).dropFirst()
        return "\(value / 1000).\(frac)"
    }
}
