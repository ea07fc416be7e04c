import Foundation
import MizanCore
import MizanMetrics
import MizanStore

/// Builds a `RunSummary` from items fed one at a time (`add`), keeping per slice only compact
/// arrays of scores and measurements — never the items — so a 100,000-item run is summarised
/// straight from the store (`Summarizer.summarize(run:store:)`).
///
/// Confidence intervals: every slice (metric, language × metric, tag × metric) gets
/// `ConfidenceIntervals.mean` over its (cluster, score) values, which depends only on that multiset —
/// not on the order items finished in, the slice's name or dictionary order. Scores are clustered by
/// the suite's cluster field when it declares one, and always by item (the samples of one item).
public struct SummaryAggregator {
    /// The run being summarised.
    public let run: RunRecord
    private var items = 0
    private var errorKinds: [String: Int] = [:]
    private var values: [String: ClusteredScores] = [:]
    private var byLanguage: [String: [String: ClusteredScores]] = [:]
    private var byTag: [String: [String: ClusteredScores]] = [:]
    private var clusters = ClusterNumbers()
    private let clusterField: String?
    private var invalid = 0, choiceItems = 0
    private var promptTokens = 0, completionTokens = 0
    private var performance = PerformanceAccumulator()
    private var performanceByLanguage: [String: PerformanceAccumulator] = [:]
    private var sampling: SamplingAccumulator?
    private var calibration = CalibrationAccumulator()
    private let corpusMetrics: [(name: String, metric: any CorpusMetric)]
    private var corpusInputs: [MetricInput] = []

    /// Starts an empty summary of `run`.
    public init(run: RunRecord) {
        self.run = run
        clusterField = Summarizer.clusterField(of: run)
        let manifest = run.runManifest
        var corpus: [(String, any CorpusMetric)] = []
        for spec in manifest.metricSpecs {
            // a context only for bleu, whose spm_model path is relative to the suite folder (judge/external need none here)
            let made = spec.name == "bleu"
                ? try? MetricRegistry.make(MetricSpec(name: spec.name, options: spec.options), context: MetricContext(suiteFolder: manifest.suite?.path))
                : try? MetricRegistry.make(MetricSpec(name: spec.name, options: spec.options))
            if let metric = made as? any CorpusMetric {
                corpus.append((spec.name, metric))
            }
        }
        corpusMetrics = corpus
        // Per-item sample bookkeeping only when the run may hold several samples per item.
        let declared = manifest.samples?.count
        sampling = declared.map { $0 > 1 } ?? true ? SamplingAccumulator() : nil
    }

    /// Adds one stored item.
    public mutating func add(_ item: ItemRecord) {
        items += 1
        performance.add(item)
        performanceByLanguage[item.language, default: PerformanceAccumulator()].add(item)
        sampling?.add(item)
        if let f = item.response.failure { errorKinds[f.kind.rawValue, default: 0] += 1; return }
        addMeasurements(item.response)
        calibration.add(item)
        let tags = Summarizer.tags(of: item)
        let cluster = clusters.number(Summarizer.clusterKey(of: item, field: clusterField))
        for s in item.scores {
            guard let v = s.value else { continue }
            values[s.metric, default: ClusteredScores()].append(v, cluster: cluster)
            byLanguage[item.language, default: [:]][s.metric, default: ClusteredScores()].append(v, cluster: cluster)
            for tag in tags { byTag[tag, default: [:]][s.metric, default: ClusteredScores()].append(v, cluster: cluster) }
            if s.metric == "choice" {
                choiceItems += 1
                if case .bool(false)? = s.details["valid"] { invalid += 1 }
            }
        }
        if !corpusMetrics.isEmpty, let text = item.response.text {
            corpusInputs.append(MetricInput(itemID: item.itemID, output: text, references: item.references, choices: item.choices,
                                            answerIndex: item.answerIndex,
                                            language: LanguageTag(item.language) ?? LanguageTag(language: "und", script: "Zyyy"),
                                            finishReason: item.response.finishReason, fields: item.fields))
        }
    }

    /// Token counts of a successful answer — only if it was sent in this run: a reused answer's were counted
    /// in the run it came from. (Its latency and TTFT are collected once, by `PerformanceAccumulator`.)
    private mutating func addMeasurements(_ response: ModelResponse) {
        guard !response.reused else { return }
        promptTokens += response.usage.promptTokens ?? 0
        completionTokens += response.usage.completionTokens ?? 0
    }

    /// The summary of everything added. `run` replaces the record given at the start (e.g. the run as
    /// it ended: status, end time).
    public func summary(run: RunRecord? = nil) -> RunSummary {
        let run = run ?? self.run
        // Slices are independent (no shared random state), so they are computed in parallel.
        var slices: [(key: String, metric: String, values: ClusteredScores)] = values.map { ("metric\u{1F}\($0.key)", $0.key, $0.value) }
        for (lang, m) in byLanguage { for (metric, v) in m { slices.append(("language\u{1F}\(lang)\u{1F}\(metric)", metric, v)) } }
        for (tag, m) in byTag { for (metric, v) in m { slices.append(("tag\u{1F}\(tag)\u{1F}\(metric)", metric, v)) } }
        let results = Locked<[String: MeanWithCI]>([:])
        let work = slices
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            let interval = ConfidenceIntervals.mean(work[i].values, scale: MetricRegistry.scale(ofMetric: work[i].metric))
            results.withLock { $0[work[i].key] = interval }
        }
        let ci = results.current
        var metrics: [String: MeanWithCI] = [:], perLanguage: [String: [String: MeanWithCI]] = [:], perTag: [String: [String: MeanWithCI]] = [:]
        for metric in values.keys { metrics[metric] = ci["metric\u{1F}\(metric)"] }
        for (lang, m) in byLanguage { for metric in m.keys { perLanguage[lang, default: [:]][metric] = ci["language\u{1F}\(lang)\u{1F}\(metric)"] } }
        for (tag, m) in byTag { for metric in m.keys { perTag[tag, default: [:]][metric] = ci["tag\u{1F}\(tag)\u{1F}\(metric)"] } }
        var corpus: [String: [String: Double]] = [:]
        for (name, metric) in corpusMetrics {
            var scores: [String: Double] = [:]
            if let all = metric.corpusScore(corpusInputs) { scores["all"] = all }
            for lang in Set(corpusInputs.map(\.language.description)) {
                if let v = metric.corpusScore(corpusInputs.filter { $0.language.description == lang }) { scores[lang] = v }
            }
            corpus[name] = scores
        }
        let performance = self.performance.stats
        return RunSummary(run: run, items: items, errors: errorKinds.values.reduce(0, +), errorKinds: errorKinds,
                          metrics: metrics, byLanguage: perLanguage, byTag: perTag, corpus: corpus,
                          invalidAnswerRate: choiceItems > 0 ? Double(invalid) / Double(choiceItems) : nil,
                          latencyP50: performance.latencyP50, latencyP95: performance.latencyP95,
                          ttftP50: performance.ttftP50, promptTokens: promptTokens, completionTokens: completionTokens,
                          performance: performance, performanceByLanguage: performanceByLanguage.mapValues(\.stats),
                          wallSeconds: Summarizer.wallSeconds(run), sampling: sampling?.stats, calibration: calibration.figures)
    }
}
