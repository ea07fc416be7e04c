import ArgumentParser
import Foundation
import MizanCore
import MizanReport
import MizanStore

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List stored runs, newest first.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Output format: table, md, csv or json.")
    var format: TableFormat = .table

    func run() async throws {
        try await reportingErrors {
            let f = format
            let store = try storeOptions.openStore()
            var t = Table(header: ["run", "suite", "endpoint", "model", "status", "items", "started"])
            for r in try store.runs() {
                var status = r.status
                if let n = r.shardCount, status != "completed" {
                    status += " (\(n - ShardRecord.missing(try store.shards(runID: r.id), count: n).count)/\(n) shards done)"
                }
                t.rows.append([r.id, "\(r.suiteID)@\(r.suiteVersion)", r.endpoint, r.model, status, String(r.itemCount), r.startedAt])
            }
            print(t.render(f), terminator: "")
        }
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print one run: overview, metric means with 95% CIs per language.")

    @Argument(help: "Run id (or a unique prefix).")
    var runID: String

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Output format: table, md, csv or json.")
    var format: TableFormat = .table

    @Flag(help: "Also list every item with its output, error and scores.")
    var items = false

    @Option(help: .hidden)
    var resamples: Int?

    @Option(help: .hidden)
    var seed: UInt64?

    func run() async throws {
        try await reportingErrors {
            let f = format
            let store = try storeOptions.openStore()
            let run = try store.run(matching: runID)
            if resamples != nil || seed != nil { printErr(StatisticsNotes.resamplesIgnored) }
            // Items are loaded only for --items; the summary streams from the store.
            let stored = items ? try store.items(runID: run.id) : []
            let summary = try Summarizer.summarize(run: run, store: store)
            let shards = try run.shardCount.map { (try store.shards(runID: run.id), $0) }
            if f == .json {
                var o = SummaryTables.json(summary)
                if items, case .object(var obj) = o { obj["item_results"] = ItemTable.json(stored); o = .object(obj) }
                if let (rows, n) = shards, case .object(var obj) = o { obj["shards"] = ShardTables.json(rows, count: n); o = .object(obj) }
                print(o.prettyJSON)
                return
            }
            if f == .table || f == .md { print(SummaryTables.overview(summary).render(f)) }
            if f == .table || f == .md, let (rows, n) = shards {
                print(ShardTables.summary(rows, count: n))
                print(ShardTables.table(rows, count: n).render(f))
            }
            print(SummaryTables.metricsTable(summary).render(f), terminator: "")
            if f == .table || f == .md { print(""); print(SummaryTables.performanceTable(summary).render(f), terminator: "") }
            if f == .table || f == .md, let sm = summary.sampling { print(""); print(SummaryTables.samplingTable(sm).render(f), terminator: "") }
            if items { print(""); print(ItemTable.table(stored).render(f), terminator: "") }
        }
    }
}
