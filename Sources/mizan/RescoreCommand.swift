import ArgumentParser
import Foundation
import MizanCore
import MizanReport
import MizanRunner
import MizanStore

/// `mizan rescore`: recompute scores of a stored run from its stored outputs (no model requests).
struct RescoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescore",
        abstract: "Recompute a stored run's scores from its stored outputs, without calling the model.",
        discussion: """
        By default the metrics of the run manifest are recomputed (picking up new metric and normalizer versions). \
        --metrics and --metric-spec choose others; scores of metrics not named stay as stored. Failed items stay unscored. \
        Each rescore is recorded in the run manifest under `rescores`.
        """)

    @Argument(help: "Run id (or a unique prefix).")
    var runID: String

    @Option(help: "Comma-separated metric names, e.g. chrf++,bleu (default options).")
    var metrics: String?

    @Option(name: .customLong("metric-spec"),
            help: "A metric with options as JSON, e.g. '{\"name\":\"bleu\",\"tokenize\":\"intl\"}'. Repeatable.")
    var metricSpecs: [String] = []

    @Option(help: "Folder that relative metric paths (rubric_file, external command) resolve against (default: the run's suite path).")
    var suiteDir: String?

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Output format: table, md, csv or json.")
    var format: TableFormat = .table

    func run() async throws {
        try await reportingErrors {
            let f = format
            let cfg = try storeOptions.loadConfig()
            let store = try storeOptions.openStore(cfg)
            let specs = try Self.specs(names: metrics, json: metricSpecs)
            let outcome = try await Rescorer(store: store, harnessVersion: mizanVersion)
                .rescore(RescoreRequest(runID: runID, metrics: specs, config: cfg, suiteFolder: suiteDir))
            printErr("rescored \(outcome.scored) items (\(outcome.skipped) failed items left unscored): "
                + outcome.versions.sorted { $0.key < $1.key }.map { "\($0.key) [\($0.value)]" }.joined(separator: ", "))
            let summary = try Summarizer.summarize(run: try store.run(matching: outcome.runID), store: store)
            if f == .json { print(SummaryTables.json(summary).prettyJSON); return }
            if f == .table || f == .md { print(SummaryTables.overview(summary).render(f)) }
            print(SummaryTables.metricsTable(summary, marks: f != .csv).render(f), terminator: "")
        }
    }

    /// The specs from `--metrics` and `--metric-spec`, or nil for the manifest's metrics.
    static func specs(names: String?, json: [String]) throws -> [MetricSpec]? {
        var specs: [MetricSpec] = []
        for name in (names ?? "").split(separator: ",") {
            let n = name.trimmingCharacters(in: .whitespaces)
            if !n.isEmpty { specs.append(MetricSpec(name: n)) }
        }
        for text in json {
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .object(var o) = value,
                  let name = o.removeValue(forKey: "name")?.stringValue else {
                throw UsageError("--metric-spec must be a JSON object with a \"name\", e.g. '{\"name\":\"bleu\",\"tokenize\":\"intl\"}'")
            }
            specs.append(MetricSpec(name: name, options: o))
        }
        if let dup = Dictionary(grouping: specs, by: \.name).first(where: { $0.value.count > 1 })?.key {
            throw UsageError("metric '\(dup)' is named twice; give each metric once")
        }
        return specs.isEmpty ? nil : specs
    }
}
