import MizanCore
import MizanText

/// ROUGE-L F-measure (β = 1, as in Google's rouge-score): the longest common subsequence of
/// Unicode-letter words (`Tokenizer.words`) between output and reference, F = 2PR / (P + R) with
/// P = LCS / |output| and R = LCS / |reference|; the best over the references.
/// Text is normalized first, default `l0` (ROUGE is a generation metric, so no accent or letter
/// folding unless the suite asks for `normalize: l1`). Words are Unicode letters, so identical Arabic,
/// Tifinagh or French strings score 1 (a `[a-z0-9]` tokenizer would score Arabic 0).
public struct RougeL: Metric {
    /// Normalization applied to output and references (default l0).
    public let level: NormalizationLevel
    /// `rouge-l`.
    public var name: String { "rouge-l" }
    /// `rouge-l/1 <level>`.
    public var version: String { "rouge-l/1 \(level.rawValue)" }

    /// Reads the `normalize` option.
    public init(spec: MetricSpec) throws { level = try spec.normalizationLevel(default: .l0) }

    /// Scores one item; details give the best reference's LCS precision and recall.
    public func score(_ input: MetricInput) async throws -> MetricResult {
        TokenOverlap.best(input, level: level, metric: "rouge-l") { RougeL.fMeasure($0, $1) }
    }

    /// ROUGE-L F-measure, precision and recall (0 when either side is empty, as rouge-score does).
    public static func fMeasure(_ candidate: [String], _ reference: [String]) -> (f: Double, p: Double, r: Double) {
        let lcs = lcsLength(candidate, reference)
        guard lcs > 0 else { return (0, 0, 0) }
        let p = Double(lcs) / Double(candidate.count)
        let r = Double(lcs) / Double(reference.count)
        return (2 * p * r / (p + r), p, r)
    }

    /// Length of the longest common subsequence, O(|a|·|b|) time and O(|b|) memory over interned ids.
    public static func lcsLength(_ a: [String], _ b: [String]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var ids: [String: Int] = [:]
        var x: [Int] = []
        x.reserveCapacity(a.count)
        for t in a {
            if let id = ids[t] { x.append(id) } else { ids[t] = ids.count; x.append(ids.count - 1) }
        }
        let y = b.map { ids[$0] ?? -1 }
        var row = [Int](repeating: 0, count: y.count + 1)
        for xi in x {
            var diagonal = 0
            for j in 1...y.count {
                let above = row[j]
                row[j] = xi == y[j - 1] ? diagonal + 1 : max(row[j - 1], above)
                diagonal = above
            }
        }
        return row[y.count]
    }
}
