import MizanCore
import MizanMetrics
import MizanStore

/// A stored run with its items, the input of a comparison.
public struct LoadedRun: Sendable {
    /// The run.
    public var run: RunRecord
    /// Its stored items (every sample).
    public var items: [ItemRecord]
    public init(run: RunRecord, items: [ItemRecord]) {
        self.run = run
        self.items = items
    }
}

extension LoadedRun {
    /// `run` with every item `store` holds for it.
    public init(_ run: RunRecord, from store: any ResultStore) throws {
        self.init(run: run, items: try store.items(runID: run.id))
    }

    /// The stored run whose id equals or uniquely starts with `id`, with its items.
    public init(matching id: String, in store: any ResultStore) throws {
        try self.init(try store.run(matching: id), from: store)
    }
}

/// One column of a comparison: a model (or setting), made of one run per suite.
public struct ComparisonColumn: Sendable {
    /// Display name: the run name, else `endpoint · model` (with the run id when that is ambiguous).
    public var label: String
    /// Its runs, one per suite id.
    public var runs: [RunRecord]
    /// Latency, throughput and token cost over all its items.
    public var performance: PerformanceStats
    /// The same per language tag.
    public var performanceByLanguage: [String: PerformanceStats]
    /// The same per suite id (over that suite's run in the column).
    public var performanceBySuite: [String: PerformanceStats] = [:]
}

/// One row: a suite × language (or `all`) × metric slice, with each column's mean and the paired differences.
public struct ComparisonRow: Sendable {
    /// Suite id.
    public var suite: String
    /// `id@version` of the reference column's run.
    public var suiteLabel: String
    /// Language tag, or `all`.
    public var language: String
    /// Metric name.
    public var metric: String
    /// Per column: mean with 95% CI over the compared items (nil if the column has no run of this suite).
    public var cells: [MeanWithCI?]
    /// Per column: the paired difference against the reference column (nil for the reference itself).
    public var differences: [PairedDifference?]
    /// Per column: the corpus-level score (BLEU, chrF, TER …) over the compared items, for corpus metrics only.
    public var corpus: [Double?] = []
    /// Per column, for corpus metrics: sacrebleu's paired bootstrap of the corpus score (mean, 95% half-width and,
    /// against the reference column, the p-value); nil elsewhere.
    public var corpusTests: [PairedResult?] = []
}

extension ComparisonRow {
    /// A row from its parts (for callers outside the module, e.g. one run's chart in `mizan serve`).
    public static func make(suite: String, suiteLabel: String, language: String, metric: String, cells: [MeanWithCI?],
                            differences: [PairedDifference?]) -> ComparisonRow {
        ComparisonRow(suite: suite, suiteLabel: suiteLabel, language: language, metric: metric, cells: cells, differences: differences)
    }
}

/// How many items each suite's comparison kept and dropped.
public struct SuiteCoverage: Sendable {
    /// Suite id.
    public var suite: String
    /// Items stored in every compared run of the suite.
    public var commonItems: Int
    /// Per column: items of its run left out because another run lacks them (nil if no run of the suite).
    public var dropped: [Int?]
}

/// Models side by side, with paired statistics against a reference column.
public struct Comparison: Sendable {
    /// The columns, in the order asked for.
    public var columns: [ComparisonColumn]
    /// Index of the reference column.
    public var reference: Int
    /// The slices.
    public var rows: [ComparisonRow]
    /// Items kept and dropped per suite.
    public var coverage: [SuiteCoverage]
    /// Differences that make runs incomparable (non-empty only when the guard was overridden).
    public var incomparabilities: [Incomparability]
    /// Significance level used to mark differences.
    public var alpha: Double
    /// Random sign flips of the randomization test.
    public var permutations: Int
    /// Seed of the randomization test.
    public var seed: UInt64
    /// Suite-level figures without a CI (expected calibration error), per suite × language, over the compared items.
    public var suiteFigures: [SuiteFigureRow] = []
    /// Differences that do not block the comparison but are printed with it (e.g. two log-likelihood methods).
    public var cautions: [Incomparability] = []
}

/// Options of a comparison.
public struct ComparisonOptions: Sendable {
    /// Index of the reference column.
    public var reference = 0
    /// Compare even when the guard finds differences.
    public var allowIncomparable = false
    /// Significance level.
    public var alpha = 0.05
    /// Random sign flips of the randomization test (non-0/1 scores).
    public var permutations = 10_000
    /// Seed of the randomization test (the only random procedure; intervals are analytic).
    public var seed: UInt64 = 20_261_123
    public init() {}
}

/// Builds comparisons from stored runs.
public enum ComparisonBuilder {
    /// Groups runs into columns, checks comparability per suite, intersects items and computes the statistics.
    public static func build(_ loaded: [LoadedRun], options: ComparisonOptions = ComparisonOptions()) throws -> Comparison {
        guard loaded.count >= 2 else { throw UsageError("compare needs at least two runs (got \(loaded.count))") }
        return try build(columns: groupColumns(loaded), loaded: loaded, options: options)
    }

    /// Compares explicit columns (label and its runs, one per suite), e.g. a baseline against a candidate.
    public static func build(groups: [(label: String, runs: [LoadedRun])], options: ComparisonOptions = ComparisonOptions()) throws -> Comparison {
        guard groups.count >= 2 else { throw UsageError("compare needs at least two columns (got \(groups.count))") }
        return try build(columns: groups.map { column($0.label, $0.runs) }, loaded: groups.flatMap(\.runs), options: options)
    }

    static func build(columns: [ComparisonColumn], loaded: [LoadedRun], options: ComparisonOptions) throws -> Comparison {
        guard options.reference >= 0 && options.reference < columns.count else {
            throw UsageError("the reference must be one of the \(columns.count) compared columns")
        }
        let itemsByRun = Dictionary(loaded.map { ($0.run.id, $0.items) }, uniquingKeysWith: { a, _ in a })
        let suites = orderedSuites(columns)
        var incomparable: [Incomparability] = []
        for suite in suites {
            let runs = columns.compactMap { col in col.runs.first { $0.suiteID == suite } }
            if runs.count > 1 { incomparable += ComparabilityGuard.differences(suite: suite, runs: runs) }
        }
        if !incomparable.isEmpty && !options.allowIncomparable { throw IncomparableRunsError(differences: incomparable) }
        let cautions = suites.flatMap { suite in ComparabilityGuard.cautions(suite: suite, runs: columns.compactMap { col in col.runs.first { $0.suiteID == suite } }) }
        var figures: [SuiteFigureRow] = []
        if !suites.contains(where: { s in columns.filter { $0.runs.contains { $0.suiteID == s } }.count > 1 }) {
            let found = columns.map { col in "\(col.label): \(col.runs.map(\.suiteID).joined(separator: ", "))" }.joined(separator: "; ")
            throw UsageError("the runs share no suite, so nothing can be compared (\(found)); pick runs of the same suite")
        }
        var rows: [ComparisonRow] = [], coverage: [SuiteCoverage] = []
        for suite in suites {
            let runs = columns.map { col in col.runs.first { $0.suiteID == suite } }
            let present = runs.compactMap { $0 }
            guard present.count > 1 else { continue }
            let perItem = runs.map { r in r.map { ItemScores(itemsByRun[$0.id] ?? [], clusterField: Summarizer.clusterField(of: $0)) } }
            let common = perItem.compactMap { $0.map { Set($0.languages.keys) } }
                .reduce(nil as Set<String>?) { acc, s in acc.map { $0.intersection(s) } ?? s } ?? []
            coverage.append(SuiteCoverage(suite: suite, commonItems: common.count,
                                          dropped: perItem.map { $0.map { $0.languages.count - common.count } }))
            let ref = present.first { $0.id == runs[options.reference]?.id } ?? present[0]
            figures += SuiteFigureRow.calibration(suite: suite, suiteLabel: "\(ref.suiteID)@\(ref.suiteVersion)",
                                                  items: runs.map { r in r.map { (itemsByRun[$0.id] ?? []).filter { common.contains($0.itemID) } } },
                                                  reference: options.reference)
            let corpusByColumn = runs.map { r in
                r.map { run in Summarizer.corpusScores(run: run, items: (itemsByRun[run.id] ?? []).filter { common.contains($0.itemID) && $0.sample == 0 }) }
            }
            let languages = Set(common.compactMap { id in perItem.compactMap { $0?.languages[id] }.first }).sorted() + ["all"]
            for language in languages {
                for metric in metricOrder(ref, present) {
                    let ids = common.filter { id in
                        language == "all" || perItem.contains { $0?.languages[id] == language }
                    }.sorted()
                    // Cells and differences depend only on the scores (and, for randomization p-values, the seed):
                    // the same data in two rows or columns gets the same interval and p-value.
                    let scale = MetricRegistry.scale(ofMetric: metric)
                    let cells = perItem.map { scores -> MeanWithCI? in
                        guard let scores else { return nil }
                        let xs = scores.clustered(metric: metric, ids: ids)
                        return xs.count == 0 ? nil : ConfidenceIntervals.mean(xs, scale: scale)
                    }
                    guard cells.contains(where: { $0 != nil }) else { continue }
                    let refScores = perItem[options.reference]
                    let diffs = perItem.enumerated().map { i, scores -> PairedDifference? in
                        guard i != options.reference, let scores, let refScores else { return nil }
                        var numbers = ClusterNumbers()
                        let paired = ids.compactMap { id -> (Double, Double, Int)? in
                            guard let a = refScores.values[metric]?[id], let b = scores.values[metric]?[id] else { return nil }
                            return (a, b, numbers.number(refScores.clusterKeys[id] ?? id))
                        }
                        guard !paired.isEmpty else { return nil }
                        return PairedStatistics.compare(reference: paired.map(\.0), candidate: paired.map(\.1), clusters: paired.map(\.2),
                                                        scale: scale, permutations: options.permutations, seed: options.seed)
                    }
                    let corpus = corpusByColumn.map { $0?[metric]?[language] }
                    var row = ComparisonRow(suite: suite, suiteLabel: "\(ref.suiteID)@\(ref.suiteVersion)", language: language,
                                            metric: metric, cells: cells, differences: diffs, corpus: corpus)
                    if corpus.contains(where: { $0 != nil }) {
                        row.corpusTests = CorpusSignificance.tests(metric: metric, runs: runs, items: itemsByRun,
                                                                   reference: options.reference, ids: ids)
                    }
                    rows.append(row)
                }
            }
        }
        return Comparison(columns: columns, reference: options.reference, rows: rows, coverage: coverage,
                          incomparabilities: incomparable, alpha: options.alpha, permutations: options.permutations, seed: options.seed,
                          suiteFigures: figures, cautions: cautions)
    }

    /// The columns `build` would form from `loaded` (labels and runs), without computing any statistics.
    public static func columns(of loaded: [LoadedRun]) -> [ComparisonColumn] { groupColumns(loaded) }

    /// Columns: runs with the same label and different suites form one column; a clash on a suite splits them.
    static func groupColumns(_ loaded: [LoadedRun]) -> [ComparisonColumn] {
        func baseLabel(_ r: RunRecord) -> String { r.runManifest.name ?? "\(r.endpoint) · \(r.model)" }
        let clashing = Set(Dictionary(grouping: loaded.map(\.run)) { "\(baseLabel($0))\u{1F}\($0.suiteID)" }
            .filter { $0.value.count > 1 }.flatMap { $0.value.map(\.id) })
        var order: [String] = [], groups: [String: [LoadedRun]] = [:]
        for l in loaded {
            let label = clashing.contains(l.run.id) ? "\(baseLabel(l.run)) (\(l.run.id))" : baseLabel(l.run)
            if groups[label] == nil { order.append(label) }
            groups[label, default: []].append(l)
        }
        return order.map { column($0, groups[$0]!) }
    }

    /// A column with its performance statistics.
    static func column(_ label: String, _ members: [LoadedRun]) -> ComparisonColumn {
        let items = members.flatMap(\.items)
        return ComparisonColumn(label: label, runs: members.map(\.run), performance: .of(items),
                                performanceByLanguage: Dictionary(grouping: items, by: \.language).mapValues { .of($0) },
                                performanceBySuite: Dictionary(members.map { ($0.run.suiteID, PerformanceStats.of($0.items)) },
                                                               uniquingKeysWith: { a, _ in a }))
    }

    /// Suite ids in first-seen order.
    static func orderedSuites(_ columns: [ComparisonColumn]) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for c in columns { for r in c.runs where seen.insert(r.suiteID).inserted { out.append(r.suiteID) } }
        return out
    }

    /// Metrics of the reference run (manifest order) that every run of the suite has.
    static func metricOrder(_ reference: RunRecord, _ runs: [RunRecord]) -> [String] {
        let common = Set(ComparabilityGuard.metricNames(runs))
        return reference.runManifest.metricSpecs.map(\.name).filter { common.contains($0) }
    }
}

/// Per-item scores of one run: the mean over samples of each metric, each item's language and cluster.
public struct ItemScores: Sendable {
    /// Item id → language tag (every stored item, failed ones included).
    public var languages: [String: String] = [:]
    /// Metric → item id → score (mean over the item's scored samples).
    public var values: [String: [String: Double]] = [:]
    /// Metric → item id → every scored sample's score.
    public var samples: [String: [String: [Double]]] = [:]
    /// Item id → cluster key (`Summarizer.clusterKey`).
    public var clusterKeys: [String: String] = [:]

    /// Collects the scores of `items` (failed items count for `languages` only); `clusterField` is the
    /// suite's cluster field, if it declares one.
    public init(_ items: [ItemRecord], clusterField: String? = nil) {
        for item in items {
            languages[item.itemID] = item.language
            clusterKeys[item.itemID] = Summarizer.clusterKey(of: item, field: clusterField)
            guard item.response.failure == nil else { continue }
            for s in item.scores {
                guard let v = s.value else { continue }
                samples[s.metric, default: [:]][item.itemID, default: []].append(v)
            }
        }
        values = samples.mapValues { $0.mapValues { $0.sorted().reduce(0, +) / Double($0.count) } }
    }

    /// Every sample score of `metric` for the items `ids`, clustered as `show` clusters them.
    public func clustered(metric: String, ids: [String]) -> ClusteredScores {
        var numbers = ClusterNumbers(), out = ClusteredScores()
        for id in ids {
            guard let xs = samples[metric]?[id] else { continue }
            let cluster = numbers.number(clusterKeys[id] ?? id)
            for x in xs { out.append(x, cluster: cluster) }
        }
        return out
    }
}
