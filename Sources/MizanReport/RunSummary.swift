import Foundation
import MizanCore
import MizanMetrics
import MizanStore

/// A mean with its 95% bootstrap confidence interval.
public struct MeanWithCI: Sendable, Hashable, Codable {
    /// Mean over scored items.
    public var mean: Double
    /// Lower bound of the 95% CI.
    public var low: Double
    /// Upper bound of the 95% CI.
    public var high: Double
    /// Number of scored items.
    public var n: Int
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

    /// Metric names in suite order.
    public var metricNames: [String] {
        if case .array(let specs)? = run.manifest["metrics"] {
            let names = specs.compactMap { $0["name"]?.stringValue }
            if !names.isEmpty { return names }
        }
        return metrics.keys.sorted()
    }
}

/// Turns stored items into a `RunSummary`.
public enum Summarizer {
    /// Summarizes items of a run; bootstrap is seeded so the same scores give the same CI (see `SummaryAggregator`).
    public static func summarize(run: RunRecord, items: [ItemRecord], resamples: Int = 1000, seed: UInt64 = 20_261_123) -> RunSummary {
        var aggregator = SummaryAggregator(run: run)
        for item in items { aggregator.add(item) }
        return aggregator.summary(resamples: resamples, seed: seed)
    }

    /// Summarizes a stored run straight from the store, one item at a time (same result as `items:`).
    public static func summarize(run: RunRecord, store: any ResultStore, resamples: Int = 1000,
                                 seed: UInt64 = 20_261_123) throws -> RunSummary {
        var aggregator = SummaryAggregator(run: run)
        try store.forEachItem(runID: run.id) { aggregator.add($0) }
        return aggregator.summary(resamples: resamples, seed: seed)
    }

    /// Corpus-level scores (BLEU, chrF, TER) of `items`, by metric and by language (`all` for every item).
    public static func corpusScores(run: RunRecord, items: [ItemRecord]) -> [String: [String: Double]] {
        summarize(run: run, items: items, resamples: 0).corpus
    }

    /// 64-bit FNV-1a of a string's UTF-8 (slice names → bootstrap seeds).
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Seconds between the run's recorded start and end.
    static func wallSeconds(_ run: RunRecord) -> Double? {
        guard let end = run.finishedAt.flatMap(isoSeconds), let start = isoSeconds(run.startedAt) else { return nil }
        return end - start
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

    /// Mean with a percentile bootstrap 95% CI. For scores that are all 0 or 1 the number of ones in
    /// a resample is drawn straight from its binomial distribution (the distribution n draws with
    /// replacement give), one uniform per resample instead of n draws.
    public static func bootstrap(_ xs: [Double], resamples: Int, rng: inout SplitMix64) -> MeanWithCI {
        let n = xs.count
        let mean = xs.reduce(0, +) / Double(max(n, 1))
        guard n > 1, resamples > 0 else { return MeanWithCI(mean: mean, low: mean, high: mean, n: n) }
        var means = [Double](repeating: 0, count: resamples)
        if xs.allSatisfy({ $0 == 0 || $0 == 1 }) {
            for r in 0..<resamples { means[r] = Double(binomial(n, mean, rng: &rng)) / Double(n) }
        } else {
            xs.withUnsafeBufferPointer { x in
                for r in 0..<resamples {
                    var sum = 0.0
                    // Index by multiply-shift (the high word of draw × n): no division per draw.
                    for _ in 0..<n { sum += x[Int(truncatingIfNeeded: rng.next().multipliedFullWidth(by: UInt64(n)).high)] }
                    means[r] = sum / Double(n)
                }
            }
        }
        return MeanWithCI(mean: mean, low: percentile(means, 0.025) ?? mean, high: percentile(means, 0.975) ?? mean, n: n)
    }

    /// A Binomial(n, p) draw by inversion, searching outward from the mode (about √(np(1−p)) steps).
    static func binomial(_ n: Int, _ p: Double, rng: inout SplitMix64) -> Int {
        if p <= 0 { return 0 }
        if p >= 1 { return n }
        let mode = min(n, Int(Double(n + 1) * p))
        let logMode = lgamma(Double(n + 1)) - lgamma(Double(mode + 1)) - lgamma(Double(n - mode + 1))
            + Double(mode) * log(p) + Double(n - mode) * log1p(-p)
        let pMode = exp(logMode)
        var u = Double(rng.next() >> 11) * 0x1p-53 - pMode
        if u < 0 { return mode }
        let odds = p / (1 - p)
        var lo = mode, hi = mode, pLo = pMode, pHi = pMode
        while lo > 0 || hi < n {
            if hi < n {
                pHi *= Double(n - hi) / Double(hi + 1) * odds
                hi += 1
                u -= pHi
                if u < 0 { return hi }
            }
            if lo > 0 {
                pLo *= Double(lo) / Double(n - lo + 1) / odds
                lo -= 1
                u -= pLo
                if u < 0 { return lo }
            }
        }
        return mode
    }
}

/// A small, seedable PRNG (SplitMix64) so bootstrap intervals are reproducible.
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
