import MizanCore
import MizanText

/// SQuAD-style token F1: output and each reference are normalized (default `l1`), split into
/// Unicode-letter words (`Tokenizer.words`: runs of letters, marks and digits), and compared as bags
/// of tokens; the score is the best F1 over the references. Two empty token lists score 1, one empty
/// list scores 0. Unlike SQuAD, no English articles are removed.
public struct TokenF1: Metric {
    /// Normalization applied to output and references (default l1).
    public let level: NormalizationLevel
    /// `f1`.
    public var name: String { "f1" }
    /// `f1/1 <level>`.
    public var version: String { "f1/1 \(level.rawValue)" }

    /// Reads the `normalize` option.
    public init(spec: MetricSpec) throws { level = try spec.normalizationLevel(default: .l1) }

    /// Scores one item; details give the best reference's precision and recall.
    public func score(_ input: MetricInput) async throws -> MetricResult {
        TokenOverlap.best(input, level: level, metric: "f1") { let s = TokenF1.f1($0, $1); return (s.f1, s.p, s.r) }
    }

    /// Bag-of-tokens F1, precision and recall of `candidate` against `reference`.
    public static func f1(_ candidate: [String], _ reference: [String]) -> (f1: Double, p: Double, r: Double) {
        if candidate.isEmpty || reference.isEmpty {
            let same = candidate.isEmpty && reference.isEmpty
            return same ? (1, 1, 1) : (0, 0, 0)
        }
        var counts: [String: Int] = [:]
        for t in reference { counts[t, default: 0] += 1 }
        var common = 0
        for t in candidate {
            if let c = counts[t], c > 0 {
                common += 1
                counts[t] = c - 1
            }
        }
        guard common > 0 else { return (0, 0, 0) }
        let p = Double(common) / Double(candidate.count)
        let r = Double(common) / Double(reference.count)
        return (2 * p * r / (p + r), p, r)
    }
}
