import ArgumentParser
import Foundation
import MizanCore
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List stored runs, newest first.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Output format: table, md, csv or json (documented in docs/run-json.md).")
    var format: TableFormat = .table

    @Flag(help: "Show long names, URLs and labels whole instead of fitting the table in 120 columns.")
    var wide = false

    func run() async throws {
        try await reportingErrors {
            if wide { TableStyle.current.maxWidth = nil }
            let f = format
            let store = try storeOptions.openStore()
            var t = Table(header: ["run", "name", "suite", "endpoint", "model", "status", "items", "started"],
                          fit: [.fixed, .elastic(min: 10), .elastic(min: 12), .elastic(min: 14), .elastic(min: 12), .elastic(min: 9)])
            var json: [JSONValue] = []
            for r in try store.runs() {
                var status = r.status.rawValue
                var shards: JSONValue = .null
                if let n = r.shardCount {
                    let done = n - ShardRecord.missing(try store.shards(runID: r.id), count: n).count
                    if r.status != .completed { status += " (\(done)/\(n) shards done)" }
                    shards = .object(["count": .number(Double(n)), "completed": .number(Double(done))])
                }
                let name = r.runManifest.name
                t.rows.append([r.id, name ?? "", "\(r.suiteID)@\(r.suiteVersion)", r.endpoint, r.model, status, String(r.itemCount),
                               f == .table ? Self.shortTime(r.startedAt) : r.startedAt])
                json.append(.object([
                    "run_id": .string(r.id), "name": name.map { .string($0) } ?? .null, "suite": .string(r.suiteID),
                    "suite_version": .string(r.suiteVersion), "suite_hash": .string(r.suiteHash), "endpoint": .string(r.endpoint),
                    "model": .string(r.model), "status": .string(r.status.rawValue), "items": .number(Double(r.itemCount)),
                    "started_at": .string(r.startedAt), "finished_at": r.finishedAt.map { .string($0) } ?? .null, "shards": shards,
                ]))
            }
            if f == .json { print(JSONValue.array(json).prettyJSON); return }
            print(t.render(f), terminator: "")
        }
    }

    /// `2026-11-23T13:08:01.123Z` → `2026-11-23 13:08:01Z` (the terminal table's start time; other formats keep it whole).
    static func shortTime(_ iso: String) -> String {
        guard iso.count >= 19 else { return iso }
        return String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ") + (iso.hasSuffix("Z") ? "Z" : "")
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print one run: overview, metric means with 95% CIs per language.")

    @Argument(help: "Run id (or a unique prefix).")
    var runID: String

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Output format: table, md, csv or json.")
    var format: TableFormat = .table

    @Flag(help: "Also list every item, in suite order, with its reference, output, error and scores.")
    var items = false

    @Option(help: .hidden)
    var resamples: Int?

    @Option(help: .hidden)
    var seed: UInt64?

    @Flag(help: "Show long names, URLs and outputs whole instead of fitting the tables in 120 columns.")
    var wide = false

    func run() async throws {
        try await reportingErrors {
            if wide { TableStyle.current.maxWidth = nil }
            let f = format
            let store = try storeOptions.openStore()
            let run = try store.run(matching: runID)
            if resamples != nil || seed != nil { printErr(StatisticsNotes.resamplesIgnored) }
            // Items are loaded only for --items; the summary streams from the store.
            let stored = items ? ItemTable.inSuiteOrder(try store.items(runID: run.id), suiteOrder: try suiteOrder(of: run)) : []
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
            print(SummaryTables.metricsTable(summary, marks: f != .csv).render(f), terminator: "")
            if f == .table || f == .md { print(""); print(SummaryTables.performanceTable(summary).render(f), terminator: "") }
            if f == .table || f == .md, let sm = summary.sampling { print(""); print(SummaryTables.samplingTable(sm).render(f), terminator: "") }
            if items { print(""); print(ItemTable.table(stored).render(f), terminator: "") }
        }
    }

    /// The item ids of the run's suite in file order, when its files are found unchanged (same content hash);
    /// nil (items then listed in id order, with a note) otherwise.
    func suiteOrder(of run: RunRecord) throws -> [String]? {
        let spec = RunPlan.suiteSpec(for: run, project: try storeOptions.project())
        let folder = try? SuiteCatalog.resolve(spec, promptsDir: try storeOptions.project().promptsDir)
        if let folder, let suite = try? SuiteLoader.load(folder: folder), suite.contentHash == run.suiteHash {
            return suite.items.map(\.id)
        }
        printErr("note: the files of suite \(run.suiteID)@\(run.suiteVersion) were not found unchanged; items are listed in id order")
        return nil
    }
}
