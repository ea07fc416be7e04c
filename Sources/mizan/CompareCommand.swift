import ArgumentParser
import Foundation
import MizanCore
import MizanHuman
import MizanReport
import MizanStore

/// `--format table|md|csv|json|latex|html` for compare.
extension ExportFormat: ExpressibleByArgument {}

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs side by side: means with 95% CIs, paired differences against a reference, significance.",
        discussion: """
            Give run ids (or unique prefixes), or --suite (and optionally --name, --endpoint) to take the latest completed run \
            of each run name on each suite (runs without a name: of each endpoint), so two builds or settings behind the \
            same URL compare by name. Runs with the same name (or endpoint · model) on different suites form one column.
            Refuses (exit 2) runs whose suite content, prompt template, normalizer or metric versions differ, unless \
            --allow-incomparable. Compares the items present in every run and reports how many were dropped.
            """)

    @Argument(help: ArgumentHelp("Run ids or unique prefixes; the first is the reference unless --reference says otherwise.", valueName: "run"))
    var runIDs: [String] = []

    @Option(name: .customLong("suite"), help: "By name: the latest completed run of each endpoint on this suite id (repeatable).")
    var suites: [String] = []

    @Option(name: .customLong("endpoint"), help: "With --suite: only these endpoints (repeatable), in this column order.")
    var endpoints: [String] = []

    @Option(name: .customLong("name"), help: "With --suite: only runs with these names (repeatable), in this column order.")
    var names: [String] = []

    @Option(help: "The reference column: a run id or prefix, or a column label (default: the first).")
    var reference: String?

    @Flag(help: "Compare even when suite content, template, normalizer or metric versions differ (the differences are printed).")
    var allowIncomparable = false

    @Option(help: "Significance level for marking differences.")
    var alpha: Double = 0.05

    @Option(help: "Random sign flips of the paired randomization test (scores other than 0/1).")
    var permutations: Int = 10_000

    @Option(help: "Seed of the randomization test (intervals are analytic and need none).")
    var seed: UInt64 = 20_261_123

    @Option(help: .hidden)
    var resamples: Int?

    @Option(help: "Output format: table, md, csv, json, latex or html.")
    var format: ExportFormat = .table

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var out: String?

    @Option(help: "HTML: at most this many items per suite in the drill-down.")
    var itemLimit: Int = 500

    @Flag(help: "Table: show long labels, suite names and run ids whole instead of fitting the tables in 120 columns.")
    var wide = false

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            guard alpha > 0 && alpha < 1 else { throw UsageError("--alpha must be between 0 and 1 (got \(alpha))") }
            guard permutations >= 1 else { throw UsageError("--permutations must be 1 or more (got \(permutations))") }
            if resamples != nil { printErr(StatisticsNotes.resamplesIgnored) }
            if wide { TableStyle.current.maxWidth = nil }
            if out != nil { TableStyle.current.isolates = false }   // a file is not a terminal
            let store = try storeOptions.openStore()
            let records = try selectRuns(store)
            for r in records where r.status != .completed {
                let state = r.status == .failed ? "failed (its items ended in endpoint errors)" : "is \(r.status)"
                printErr("warning: run \(r.id) \(state) (\(r.suiteID)); only the items it stored are compared")
            }
            let loaded = try records.map { try LoadedRun($0, from: store) }
            var options = ComparisonOptions()
            options.allowIncomparable = allowIncomparable
            options.alpha = alpha
            options.permutations = permutations
            options.seed = seed
            if let reference {
                let columns = ComparisonBuilder.columns(of: loaded)
                guard let i = columns.firstIndex(where: { col in
                    col.label == reference || col.runs.contains { $0.id == reference || $0.id.hasPrefix(reference) }
                }) else {
                    throw UsageError("--reference \(reference) is none of the compared columns: "
                                     + columns.map(\.label).joined(separator: ", "))
                }
                options.reference = i
            }
            let comparison = try ComparisonBuilder.build(loaded, options: options)
            let human = try CompareHuman.rows(comparison, store: store)
            let humanTable = human.isEmpty ? nil : CompareHuman.table(human, referenceLabel: comparison.columns[comparison.reference].label)
            var text: String
            switch format {
            case .table, .md:
                let f: TableFormat = format == .table ? .table : .md
                text = ComparisonTables.render(comparison, format: f)
                if let humanTable {
                    text += "\nHuman preference (pairwise studies; win rate = wins + half of ties and both bad, 95% bootstrap interval):\n"
                        + humanTable.render(f)
                }
            case .csv: text = ComparisonTables.render(comparison, format: .csv)
            case .json:
                var json = ComparisonJSON.render(comparison)
                if case .object(var o) = json, !human.isEmpty {
                    o["human_preference"] = CompareHuman.json(human)
                    json = .object(o)
                }
                text = json.prettyJSON + "\n"
            case .latex: text = LaTeXExport.document(comparison)
            case .html:
                let title = "mizan: " + comparison.columns.map(\.label).joined(separator: " vs ")
                text = HTMLExport.page(comparison, runs: loaded, title: title, itemLimit: max(0, itemLimit))
            }
            try emit(text, to: out)
            for d in comparison.incomparabilities where format != .table && format != .md {
                printErr("warning: compared with --allow-incomparable: \(d)")
            }
            for d in comparison.cautions where format != .table && format != .md { printErr("note: \(ComparisonTables.cautionText(d))") }
        }
    }
}
