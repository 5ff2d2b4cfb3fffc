import ArgumentParser
import ReleaseDeskCore
import ReleaseDeskScreen
import ReleaseDeskServices
import ReleaseDeskWorkstation

/// `diagnostics oversight`: with the state loaded, times opening the scorecard view and a trend chart in an
/// in-memory workstation (compute and draw), as a user opens them.
struct OversightTimingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oversight",
        abstract: "Time opening the scorecards and a trend chart (compute and render) once the state is loaded.",
        discussion: """
            Signs in, loads the state, then --rounds times: presses o (the scorecards of every site over twelve \
            months: computed and drawn) and closes it, and opens the trend view of the first product's first \
            trended attribute at its busiest site (charts computed and drawn). Prints one line: the worst and the \
            median of each, in milliseconds, the batches, sites and chart points.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Width of the screen in cells.") var width = 200
    @Option(help: "Height of the screen in cells.") var height = 60
    @Option(help: "How many times each view is opened.") var rounds = 5

    func run() throws {
        try Failure.guarded {
            let (desk, account) = try global.signedIn(
                try global.locations(), channel: "cli:diagnostics", for: .reading, passwords: global.passwords())
            var state = WorkstationState(
                size: Size(width: width, height: height), now: SystemEnvironment.clock(), desk: desk.state,
                records: [],
                chain: ChainStatus(seq: desk.journal.head.seq, headHash: desk.journal.head.hash, alarm: desk.alarm),
                journalName: DisplayText.sanitize(StoreSelection.describe(desk.locations)),
                signIn: SignInForm(user: account.id))
            _ = Workstation.reduce(&state, .signInSucceeded(account))
            guard let product = desk.state.products.keys.sorted().first,
                let attribute = desk.state.products[product].flatMap({ Trends.trendedAttributes(of: $0).first }),
                let site = Trends.sites(of: product, in: desk.state).first
            else { throw Failure(.noInput, "the journal has no product with a trended attribute and batches") }
            var scorecard: [Double] = []
            var chart: [Double] = []
            var points = 0
            var sites = 0
            for _ in 0..<max(1, rounds) {
                let t0 = Monotonic.seconds()
                _ = Workstation.reduce(&state, .keyPressed(.char("o")))
                _ = Screen.render(state)
                let t1 = Monotonic.seconds()
                if case .scorecard(let view) = state.mode { sites = view.card.sites.count }
                _ = Workstation.reduce(&state, .keyPressed(.escape))
                let t2 = Monotonic.seconds()
                do throws(TrendError) {
                    let view = try TrendView.open(
                        state.desk, product: product, site: site, attribute: attribute.id, batch: nil)
                    state.mode = .trends(view)
                    points = view.charts.reduce(0) { $0 + $1.points.count }
                } catch {
                    throw Failure(.noInput, error.description)
                }
                _ = Screen.render(state)
                let t3 = Monotonic.seconds()
                _ = Workstation.reduce(&state, .keyPressed(.escape))
                scorecard.append((t1 - t0) * 1000)
                chart.append((t3 - t2) * 1000)
            }
            func ms(_ x: Double) -> String { String(Int(x.rounded())) }
            func median(_ xs: [Double]) -> Double { xs.sorted()[(xs.count - 1) / 2] }
            var out = StandardOutput()
            out.write(
                "scorecard worst \(ms(scorecard.max()!)) ms median \(ms(median(scorecard))) ms; "
                    + "trend chart worst \(ms(chart.max()!)) ms median \(ms(median(chart))) ms; "
                    + "\(desk.state.batches.count) batches, \(sites) sites, \(points) chart points\n")
            out.flush()
        }
    }
}
