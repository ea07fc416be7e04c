import Foundation
import MizanCore
import MizanMetrics
import MizanStore

/// A mean with its 95% confidence interval and the method that gave it (see `ConfidenceIntervals`).
public struct MeanWithCI: Sendable, Hashable, Codable {
    /// Mean over scored items.
    public var mean: Double
    /// Lower bound of the 95% CI; nil when the interval is not estimable.
    public var low: Double?
    /// Upper bound of the 95% CI; nil when the interval is not estimable.
    public var high: Double?
    /// Number of scores.
    public var n: Int
    /// How the interval was computed.
    public var method: IntervalMethod
    /// Number of clusters when the interval was computed over clusters (nil: independent items).
    public var clusters: Int?

    /// Creates a mean with its interval.
    public init(mean: Double, low: Double?, high: Double?, n: Int, method: IntervalMethod, clusters: Int? = nil) {
        self.mean = mean
        self.low = low
        self.high = high
        self.n = n
        self.method = method
        self.clusters = clusters
    }
}

/// Aggregated results of one run.
public struct RunSummary: Sendable {
    /// The run.
    public var run: RunRecord
    /// Items stored.
    public var items: Int
    /// Items that ended in an endpoint error.
    public var errors: Int
    /// Endpoint errors by kind.
    public var errorKinds: [String: Int]
    /// Metric name → mean (with CI) over all scored items.
    public var metrics: [String: MeanWithCI]
    /// Language tag → metric → mean with CI.
    public var byLanguage: [String: [String: MeanWithCI]]
    /// Item tag (the item's `tags` list and its `kind` field) → metric → mean with CI.
    public var byTag: [String: [String: MeanWithCI]]
    /// Corpus-level scores for corpus metrics (BLEU, chrF, TER), by metric and by language.
    public var corpus: [String: [String: Double]]
    /// Invalid-answer rate of the `choice` metric, if used.
    public var invalidAnswerRate: Double?
    /// Latency percentiles in seconds (p50, p95) over successful items.
    public var latencyP50: Double?
    /// 95th percentile latency.
    public var latencyP95: Double?
    /// Median time to first token (streaming runs).
    public var ttftP50: Double?
    /// Total prompt and completion tokens reported.
    public var promptTokens: Int
    /// Total completion tokens reported.
    public var completionTokens: Int
    /// Latency, throughput and token cost over all items.
    public var performance: PerformanceStats
    /// The same per language tag.
    public var performanceByLanguage: [String: PerformanceStats]
    /// Wall-clock seconds from the run's start to its end, when both are recorded.
    public var wallSeconds: Double?
    /// pass@k and agreement, for runs with several samples per item.
    public var sampling: SamplingStats?
    /// Expected calibration error of a log-likelihood multiple-choice run, by language tag and `all`
    /// (a suite-level figure without a CI; empty for other runs).
    public var calibration: [String: CalibrationFigure] = [:]

    /// Metric names in suite order.
    public var metricNames: [String] {
        let names = run.runManifest.metricSpecs.map(\.name)
        if !names.isEmpty { return names }
        return metrics.keys.sorted()
    }
}

/// Turns stored items into a `RunSummary`.
public enum Summarizer {
    /// Summarizes items of a run (intervals depend only on the scores: see `SummaryAggregator`).
    public static func summarize(run: RunRecord, items: [ItemRecord]) -> RunSummary {
        var aggregator = SummaryAggregator(run: run)
        for item in items { aggregator.add(item) }
        return aggregator.summary()
    }

    /// Summarizes a stored run straight from the store, one item at a time (same result as `items:`).
    public static func summarize(run: RunRecord, store: any ResultStore) throws -> RunSummary {
        var aggregator = SummaryAggregator(run: run)
        try store.forEachItem(runID: run.id) { aggregator.add($0) }
        return aggregator.summary()
    }

    /// Corpus-level scores (BLEU, chrF, TER) of `items`, by metric and by language (`all` for every item).
    public static func corpusScores(run: RunRecord, items: [ItemRecord]) -> [String: [String: Double]] {
        summarize(run: run, items: items).corpus
    }

    /// Seconds between the run's recorded start and end.
    static func wallSeconds(_ run: RunRecord) -> Double? {
        guard let end = run.finishedAt.flatMap(isoSeconds), let start = isoSeconds(run.startedAt) else { return nil }
        return end - start
    }

    /// The item field a run's suite declared as its cluster field (`cluster:` in suite.yaml), if any.
    public static func clusterField(of run: RunRecord) -> String? { run.runManifest.suite?.cluster }

    /// The key of the cluster an item's scores belong to: the value of the suite's cluster field when it
    /// declares one and the item has it, else the item id (so the samples of one item form a cluster).
    public static func clusterKey(of item: ItemRecord, field: String?) -> String {
        if let field, let v = item.fields[field], v != .null {
            return "field\u{1F}" + (v.stringValue ?? v.canonicalJSON)
        }
        return "item\u{1F}" + item.itemID
    }

    /// Tags of an item: its `tags` list plus its `kind` field, if any.
    static func tags(of item: ItemRecord) -> [String] {
        var tags: [String] = []
        if case .array(let a)? = item.fields["tags"] { tags += a.compactMap(\.stringValue) }
        if let k = item.fields["kind"]?.stringValue { tags.append(k) }
        return tags
    }

    /// Percentile by linear interpolation (nil for no data).
    public static func percentile(_ xs: [Double], _ p: Double) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        let pos = p * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }

}

/// A small, seedable PRNG (SplitMix64) so randomization tests are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// Starts the sequence at `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
