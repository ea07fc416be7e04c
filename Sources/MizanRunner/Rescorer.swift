import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanStore

/// What `Rescorer.rescore` needs.
public struct RescoreRequest: Sendable {
    /// Run id or a unique prefix.
    public var runID: String
    /// Metrics to compute; nil means the run manifest's `metrics` (name + options).
    public var metrics: [MetricSpec]?
    /// The configuration file (judge endpoints).
    public var config: MizanConfig
    /// Folder for relative metric paths (rubric files, external commands); nil: the manifest's suite path.
    public var suiteFolder: String?
    /// Items scored at once (judge and external metrics wait on other processes).
    public var concurrency: Int

    /// Creates a request.
    public init(runID: String, metrics: [MetricSpec]? = nil, config: MizanConfig = MizanConfig(), suiteFolder: String? = nil,
                concurrency: Int = 8) {
        self.runID = runID
        self.metrics = metrics
        self.config = config
        self.suiteFolder = suiteFolder
        self.concurrency = concurrency
    }
}

/// What a rescore did.
public struct RescoreOutcome: Sendable {
    /// The full run id.
    public var runID: String
    /// Items scored (successful responses).
    public var scored: Int
    /// Items left unscored because their request failed.
    public var skipped: Int
    /// Metric name → version used.
    public var versions: [String: String]
}

/// Recomputes scores from stored outputs without calling the model: new metrics, new
/// normalizer versions, a changed rubric. Scores of other metrics stay as they are.
public struct Rescorer: Sendable {
    /// The store holding the run.
    public let store: any ResultStore
    /// The mizan version recorded in the manifest's `rescores` entry.
    public let harnessVersion: String

    /// Creates a rescorer.
    public init(store: any ResultStore, harnessVersion: String) {
        self.store = store
        self.harnessVersion = harnessVersion
    }

    /// Rescores every successful item of the run, replaces those metrics' scores and records
    /// the rescore in the manifest (`rescores` gets an entry; `metrics` gets the new versions).
    public func rescore(_ request: RescoreRequest) async throws -> RescoreOutcome {
        let run = try store.run(matching: request.runID)
        let specs = try request.metrics ?? Self.manifestSpecs(run)
        guard !specs.isEmpty else { throw UsageError("no metrics to compute; pass \(CLIFlag.metrics), e.g. \(CLIFlag.metrics) chrf,exact") }
        let context = MetricContext.run(suiteFolder: request.suiteFolder ?? run.runManifest.suite?.path,
                                        config: request.config)
        let metrics = try specs.map { spec -> any Metric in
            do { return try MetricRegistry.make(spec, context: context) } catch let e as MetricConfigError {
                throw UsageError("metric '\(spec.name)': \(e.message)")
            }
        }
        let items = try store.items(runID: run.id)
        let scorable = items.filter { $0.response.failure == nil && $0.response.text != nil }
        try await withThrowingTaskGroup(of: (String, Int, [ScoreRecord]).self) { group in
            var next = 0
            func launch() {
                guard next < scorable.count else { return }
                let item = scorable[next]
                next += 1
                group.addTask {
                    let input = MetricInput(itemID: item.itemID, output: item.response.text ?? "", references: item.references,
                                            choices: item.choices, answerIndex: item.answerIndex,
                                            language: LanguageTag(item.language) ?? LanguageTag(language: "und", script: "Zyyy"),
                                            finishReason: item.response.finishReason, fields: item.fields)
                    return (item.itemID, item.sample, try await Runner.score(input, with: metrics))
                }
            }
            for _ in 0..<max(1, request.concurrency) { launch() }
            while let (itemID, sample, scores) = try await group.next() {
                try store.replaceScores(runID: run.id, itemID: itemID, sample: sample, scores: scores)
                launch()
            }
        }
        let entries = zip(specs, metrics).map { spec, metric in
            RunManifest.MetricEntry(name: spec.name, version: metric.version, options: spec.options)
        }
        let rescore = RunManifest.Rescore(at: isoNow(), metrics: entries, itemsScored: scorable.count,
                                          itemsSkipped: items.count - scorable.count, harness: Manifest.harness(harnessVersion))
        try store.updateManifest(runID: run.id, manifest: run.runManifest.recordingRescore(rescore).json)
        var versions: [String: String] = [:]
        for m in metrics { versions[m.name] = m.version }
        return RescoreOutcome(runID: run.id, scored: scorable.count, skipped: items.count - scorable.count, versions: versions)
    }

    /// The metric specs recorded in a run's manifest.
    static func manifestSpecs(_ run: RunRecord) throws -> [MetricSpec] {
        guard let recorded = run.runManifest.metrics else {
            throw UsageError("run '\(run.id)' has no metrics in its manifest; pass \(CLIFlag.metrics)")
        }
        return recorded.compactMap { e in e.name.map { MetricSpec(name: $0, options: e.options ?? [:]) } }
    }
}
