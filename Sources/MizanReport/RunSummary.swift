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
    /// Summarizes a stored run; bootstrap is seeded so the same data gives the same CI.
    public static func summarize(run: RunRecord, items: [ItemRecord], resamples: Int = 1000, seed: UInt64 = 20_261_123) -> RunSummary {
        var errorKinds: [String: Int] = [:]
        var values: [String: [Double]] = [:]
        var byLang: [String: [String: [Double]]] = [:]
        var byTag: [String: [String: [Double]]] = [:]
        var invalid = 0, choiceItems = 0
        var latencies: [Double] = [], ttfts: [Double] = []
        var promptTokens = 0, completionTokens = 0
        for item in items {
            if let f = item.response.failure { errorKinds[f.kind.rawValue, default: 0] += 1; continue }
            latencies.append(item.response.latency)
            if let t = item.response.timeToFirstToken { ttfts.append(t) }
            promptTokens += item.response.usage.promptTokens ?? 0
            completionTokens += item.response.usage.completionTokens ?? 0
            for s in item.scores {
                guard let v = s.value else { continue }
                values[s.metric, default: []].append(v)
                byLang[item.language, default: [:]][s.metric, default: []].append(v)
                for tag in tags(of: item) { byTag[tag, default: [:]][s.metric, default: []].append(v) }
                if s.metric == "choice" {
                    choiceItems += 1
                    if case .bool(false)? = s.details["valid"] { invalid += 1 }
                }
            }
        }
        var rng = SplitMix64(seed: seed)
        let metrics = values.mapValues { bootstrap($0, resamples: resamples, rng: &rng) }
        let perLanguage = byLang.mapValues { $0.mapValues { bootstrap($0, resamples: resamples, rng: &rng) } }
        let perTag = byTag.mapValues { $0.mapValues { bootstrap($0, resamples: resamples, rng: &rng) } }
        return RunSummary(run: run, items: items.count, errors: errorKinds.values.reduce(0, +), errorKinds: errorKinds,
                          metrics: metrics, byLanguage: perLanguage, byTag: perTag, corpus: corpusScores(run: run, items: items),
                          invalidAnswerRate: choiceItems > 0 ? Double(invalid) / Double(choiceItems) : nil,
                          latencyP50: percentile(latencies, 0.5), latencyP95: percentile(latencies, 0.95),
                          ttftP50: percentile(ttfts, 0.5), promptTokens: promptTokens, completionTokens: completionTokens,
                          performance: .of(items),
                          performanceByLanguage: Dictionary(grouping: items, by: \.language).mapValues { .of($0) },
                          wallSeconds: wallSeconds(run), sampling: SamplingStats.of(items))
    }

    /// Seconds between the run's recorded start and end.
    static func wallSeconds(_ run: RunRecord) -> Double? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let end = run.finishedAt.flatMap(f.date(from:)), let start = f.date(from: run.startedAt) else { return nil }
        return end.timeIntervalSince(start)
    }

    /// Tags of an item: its `tags` list plus its `kind` field, if any.
    static func tags(of item: ItemRecord) -> [String] {
        var tags: [String] = []
        if case .array(let a)? = item.fields["tags"] { tags += a.compactMap(\.stringValue) }
        if let k = item.fields["kind"]?.stringValue { tags.append(k) }
        return tags
    }

    /// Corpus-level scores for metrics that define them, recomputed from stored outputs.
    static func corpusScores(run: RunRecord, items: [ItemRecord]) -> [String: [String: Double]] {
        guard case .array(let specs)? = run.manifest["metrics"] else { return [:] }
        var out: [String: [String: Double]] = [:]
        for spec in specs {
            guard let name = spec["name"]?.stringValue else { continue }
            var options: [String: JSONValue] = [:]
            if case .object(let o)? = spec["options"] { options = o }
            guard let metric = try? MetricRegistry.make(MetricSpec(name: name, options: options)) as? any CorpusMetric else { continue }
            let inputs = items.compactMap { item -> MetricInput? in
                guard item.response.failure == nil, let text = item.response.text else { return nil }
                return MetricInput(itemID: item.itemID, output: text, references: item.references, choices: item.choices,
                                   answerIndex: item.answerIndex, language: LanguageTag(item.language) ?? LanguageTag(language: "und", script: "Zyyy"),
                                   finishReason: item.response.finishReason, fields: item.fields)
            }
            var scores: [String: Double] = [:]
            if let all = metric.corpusScore(inputs) { scores["all"] = all }
            for lang in Set(inputs.map(\.language.description)) {
                if let v = metric.corpusScore(inputs.filter { $0.language.description == lang }) { scores[lang] = v }
            }
            out[name] = scores
        }
        return out
    }

    /// Percentile by linear interpolation (nil for no data).
    public static func percentile(_ xs: [Double], _ p: Double) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        let pos = p * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }

    /// Mean with a percentile bootstrap 95% CI.
    public static func bootstrap(_ xs: [Double], resamples: Int, rng: inout SplitMix64) -> MeanWithCI {
        let n = xs.count
        let mean = xs.reduce(0, +) / Double(max(n, 1))
        guard n > 1, resamples > 0 else { return MeanWithCI(mean: mean, low: mean, high: mean, n: n) }
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += xs[Int(rng.next() % UInt64(n))] }
            means[r] = sum / Double(n)
        }
        return MeanWithCI(mean: mean, low: percentile(means, 0.025) ?? mean, high: percentile(means, 0.975) ?? mean, n: n)
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
