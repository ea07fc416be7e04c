import MizanCore
import MizanText

/// Shared scoring for token-overlap metrics (`f1`, `rouge-l`): tokenize output and each reference
/// after normalization, score every reference, keep the best by F.
enum TokenOverlap {
    static func best(_ input: MetricInput, level: NormalizationLevel, metric: String,
                     _ score: ([String], [String]) -> (f: Double, p: Double, r: Double)) -> MetricResult {
        guard !input.references.isEmpty else {
            return MetricResult(value: nil, error: "item \(input.itemID) has no references for \(metric)")
        }
        let n = Normalizers.make(level, for: input.language)
        let out = Tokenizer.words(n.normalize(input.output))
        var best = (f: -1.0, p: 0.0, r: 0.0)
        for ref in input.references {
            let s = score(out, Tokenizer.words(n.normalize(ref)))
            if s.f > best.f { best = s }
        }
        return MetricResult(value: best.f, details: ["normalizer": .string(n.version),
                                                     "precision": .number(best.p), "recall": .number(best.r)])
    }
}
