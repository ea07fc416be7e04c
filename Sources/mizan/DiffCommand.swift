import ArgumentParser
import Foundation
import MizanCore
import MizanReport
import MizanStore

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "List the items whose score changed between two runs, with both outputs side by side.",
        discussion: "Regressions (B worse than A; for TER, higher is worse) come first, largest change first. Exits 0 whether or not items changed.")

    @Argument(help: "Run A (the baseline): id or unique prefix.")
    var runA: String

    @Argument(help: "Run B: id or unique prefix.")
    var runB: String

    @Option(help: "Only this metric.")
    var metric: String?

    @Option(help: "Only items of this language tag, e.g. ary-Arab.")
    var language: String?

    @Flag(help: "Only regressions (items where B scores worse than A).")
    var regressions = false

    @Option(help: "Output format: table, md, csv or json (json and csv keep the full texts).")
    var format: TableFormat = .table

    @Option(help: "At most this many items (0: all).")
    var limit: Int = 50

    @Flag(help: "Compare even when suite content, template, normalizer or metric versions differ.")
    var allowIncomparable = false

    @Flag(help: "Table: show item ids, references and outputs whole (up to 60 characters) instead of fitting the table in 120 columns.")
    var wide = false

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            guard limit >= 0 else { throw UsageError("--limit must be 0 or more") }
            if wide { TableStyle.current.maxWidth = nil }
            let store = try storeOptions.openStore()
            let a = try store.run(matching: runA), b = try store.run(matching: runB)
            guard a.suiteID == b.suiteID else {
                throw UsageError("run \(a.id) is of suite \(a.suiteID) and run \(b.id) of suite \(b.suiteID); diff needs two runs of the same suite")
            }
            let differences = ComparabilityGuard.differences(suite: a.suiteID, runs: [a, b])
            if !differences.isEmpty {
                if !allowIncomparable { throw IncomparableRunsError(differences: differences) }
                for d in differences { printErr("warning: compared with --allow-incomparable: \(d)") }
            }
            let la = try LoadedRun(a, from: store), lb = try LoadedRun(b, from: store)
            if let metric, !la.items.contains(where: { $0.scores.contains { $0.metric == metric } }) {
                let known = Set(la.items.flatMap { $0.scores.map(\.metric) }).sorted()
                throw UsageError("--metric \(metric): run \(a.id) has no scores for it (it has: \(known.joined(separator: ", ")))")
            }
            let all = ItemDiff.changes(la, lb, filter: ItemDiffFilter(metric: metric, language: language, regressionsOnly: regressions))
            let shown = limit == 0 ? all : Array(all.prefix(limit))
            switch format {
            case .json: print(ItemDiff.json(shown, runA: a.id, runB: b.id).prettyJSON)
            case .csv: print(ItemDiff.table(shown, labelA: "output A", labelB: "output B", width: Int.max).render(.csv), terminator: "")
            case .table, .md:
                print(ItemDiff.table(shown, labelA: "A: \(label(a))", labelB: "B: \(label(b))").render(format), terminator: "")
                let worse = all.filter(\.isRegression).count
                print("\n\(all.count) changed item scores (\(worse) worse, \(all.count - worse) better)"
                      + (shown.count < all.count ? "; showing \(shown.count), use --limit 0 for all" : "")
                      + ". A = \(a.id), B = \(b.id).")
            }
        }
    }

    func label(_ r: RunRecord) -> String { r.runManifest.name ?? "\(r.endpoint) · \(r.model)" }
}
