import MizanCore
import MizanMetrics
import MizanStore

/// `compare`'s corpus-level test for corpus metrics (BLEU, chrF, chrF++, TER): sacrebleu's paired bootstrap
/// (`--paired-bs`: 1000 resamples, seed 12345) of the corpus score over the items both runs answered, the reference
/// column as the baseline. It complements the per-item paired test of the row, which runs on sentence scores.
enum CorpusSignificance {
    /// Rows with more compared items than this get no corpus test: the bootstrap costs resamples × items × statistics
    /// (100,000 items took minutes), which would stall `compare` and the web app's compare page. For such runs, run
    /// `mizan score --paired-bs` on the exported texts.
    static let maxItems = 20_000

    /// The corpus metric of `name` as `run` recorded it (options from the manifest, paths against its suite folder).
    static func metric(_ name: String, of run: RunRecord) -> ReferenceMetric? {
        let manifest = run.runManifest
        guard let spec = manifest.metricSpecs.first(where: { $0.name == name }) else { return nil }
        let context = MetricContext(suiteFolder: manifest.suite?.path)
        return (try? MetricRegistry.make(MetricSpec(name: spec.name, options: spec.options), context: context)) as? ReferenceMetric
    }

    /// Per column: nil, or [baseline, system] results of the paired bootstrap against the reference column, over
    /// `ids` (first samples with an answer in both runs).
    static func tests(metric name: String, runs: [RunRecord?], items: [String: [ItemRecord]], reference: Int,
                      ids: [String]) -> [PairedResult?] {
        guard ids.count <= maxItems, runs.indices.contains(reference), let refRun = runs[reference],
              let metric = metric(name, of: refRun)
        else {
            return runs.map { _ in nil }
        }
        let refInputs = inputs(items[refRun.id] ?? [])
        var out: [PairedResult?] = runs.map { _ in nil }
        for (i, run) in runs.enumerated() where i != reference {
            guard let run else { continue }
            let sys = inputs(items[run.id] ?? [])
            let both = ids.filter { refInputs[$0] != nil && sys[$0] != nil }
            guard !both.isEmpty,
                  let r = metric.pairedBootstrap(baseline: both.map { refInputs[$0]! }, system: both.map { sys[$0]! })
            else { continue }
            out[i] = r[1]
            if out[reference] == nil { out[reference] = r[0] }
        }
        return out
    }

    /// The answered first samples of a run as metric inputs, by item id.
    private static func inputs(_ items: [ItemRecord]) -> [String: MetricInput] {
        var out: [String: MetricInput] = [:]
        for item in items where item.sample == 0 {
            guard let text = item.response.text else { continue }
            out[item.itemID] = MetricInput(itemID: item.itemID, output: text, references: item.references,
                                           language: LanguageTag(item.language) ?? LanguageTag(language: "und", script: "Zyyy"))
        }
        return out
    }
}
