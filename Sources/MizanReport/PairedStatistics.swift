import Foundation
import MizanMetrics

/// The difference between two runs on the same items: candidate minus reference.
public struct PairedDifference: Sendable, Hashable {
    /// Items scored in both runs.
    public var n: Int
    /// Mean of (candidate − reference) over the paired items.
    public var mean: Double
    /// Lower bound of the 95% CI of the mean difference; nil when not estimable.
    public var low: Double?
    /// Upper bound of that CI; nil when not estimable.
    public var high: Double?
    /// How the interval was computed (`newcombe`, `student-t` or `not-estimable`).
    public var method: IntervalMethod
    /// Number of clusters when the interval and test ran over clusters (nil: independent items).
    public var clusters: Int?
    /// Two-sided p-value of "no difference".
    public var pValue: Double
    /// The test that gave `pValue`: `mcnemar` (0/1 scores), `randomization` (paired approximate randomization)
    /// or `cluster-randomization` (the same with one sign per cluster).
    public var test: String
    /// For 0/1 scores: items right in the reference only (b) and in the candidate only (c).
    public var discordant: (referenceOnly: Int, candidateOnly: Int)?

    /// True when `pValue` is below `alpha`.
    public func isSignificant(alpha: Double = 0.05) -> Bool { pValue < alpha }

    public static func == (a: Self, b: Self) -> Bool {
        a.n == b.n && a.mean == b.mean && a.low == b.low && a.high == b.high && a.pValue == b.pValue && a.test == b.test
            && a.method == b.method && a.clusters == b.clusters
            && a.discordant?.referenceOnly == b.discordant?.referenceOnly && a.discordant?.candidateOnly == b.discordant?.candidateOnly
    }

    public func hash(into h: inout Hasher) { h.combine(n); h.combine(mean); h.combine(pValue); h.combine(test) }
}

/// Paired significance tests and intervals for per-item scores of two runs.
///
/// Decisions (docs/statistics.md): 0/1 scores of independent items use the exact two-sided McNemar test and
/// Newcombe's hybrid score interval for the difference of paired proportions (method 10); any other scores use
/// paired approximate randomization (random sign flips of the differences, p = (hits + 1) / (R + 1), Riezler &
/// Maxwell 2005) and a Student t interval on the differences. Clustered items (a shared passage, the samples
/// of one item) flip one sign per cluster and use the cluster-robust variance with clusters − 1 degrees of
/// freedom. Every number is a function of the multiset of paired scores (and the seed): values are sorted
/// before sums, and the randomization generator is seeded from the seed and that multiset.
public enum PairedStatistics {
    /// Compares paired scores (`reference[i]` and `candidate[i]` belong to the same item, in cluster `clusters[i]`).
    public static func compare(reference: [Double], candidate: [Double], clusters: [Int]? = nil, scale: ScoreScale = .unit,
                               permutations: Int = 10_000, seed: UInt64 = 20_261_123) -> PairedDifference {
        precondition(reference.count == candidate.count, "paired scores must have equal counts")
        precondition(clusters.map { $0.count == reference.count } ?? true, "one cluster per pair")
        let n = reference.count
        let diffs = zip(candidate, reference).map { $0 - $1 }
        let grouped = Grouped(ClusteredScores(Array(zip(clusters ?? Array(0..<n), diffs))))
        let mean = grouped.mean
        let clusterCount = grouped.isClustered ? grouped.sums.count : nil
        let width: Double? = { if case .bounded(let lo, let hi) = scale, hi > lo { return hi - lo }; return nil }()
        if case .bounded(let bottom, let top) = scale, let width, !grouped.isClustered, n > 0,
           (reference + candidate).allSatisfy({ $0 == bottom || $0 == top }) {
            var a = 0, b = 0, c = 0
            for (r, k) in zip(reference, candidate) {
                if r == top && k == top { a += 1 } else if r == top { b += 1 } else if k == top { c += 1 }
            }
            let (lo, hi) = newcombe(bothRight: a, referenceOnly: b, candidateOnly: c, n: n)
            return PairedDifference(n: n, mean: mean, low: lo * width, high: hi * width, method: .newcombe, clusters: nil,
                                    pValue: mcnemarExact(b: b, c: c), test: "mcnemar", discordant: (b, c))
        }
        var low: Double?, high: Double?, method = IntervalMethod.notEstimable
        if let v = grouped.varianceOfMean(), let df = grouped.degreesOfFreedom, !grouped.isConstant(v, scale: width ?? max(1, abs(mean))) {
            let half = Distributions.studentTQuantile(0.975, df: df) * v.squareRoot()
            low = width.map { max(-$0, mean - half) } ?? mean - half
            high = width.map { min($0, mean + half) } ?? mean + half
            method = .studentT
        }
        // Sign flips over single differences, or over cluster sums of differences.
        let units = grouped.isClustered ? grouped.sums.map(\.sum) : grouped.sorted
        var rng = SplitMix64(seed: seed ^ multisetHash(units))
        return PairedDifference(n: n, mean: mean, low: low, high: high, method: method, clusters: clusterCount,
                                pValue: approximateRandomization(units, permutations: permutations, rng: &rng),
                                test: grouped.isClustered ? "cluster-randomization" : "randomization", discordant: nil)
    }

    /// Newcombe's hybrid score interval (method 10, Stat Med 1998) for p(candidate right) − p(reference right)
    /// from paired 0/1 outcomes: Wilson intervals of both proportions combined with the (continuity-corrected) phi correlation.
    public static func newcombe(bothRight a: Int, referenceOnly b: Int, candidateOnly c: Int, n: Int) -> (Double, Double) {
        let d = n - a - b - c
        let nn = Double(n)
        let pc = Double(a + c) / nn, pr = Double(a + b) / nn
        let (lc, uc) = ConfidenceIntervals.wilson(successes: Double(a + c), trials: nn)
        let (lr, ur) = ConfidenceIntervals.wilson(successes: Double(a + b), trials: nn)
        let denominator = Double(a + b) * Double(c + d) * Double(a + c) * Double(b + d)
        // Newcombe's φ with his continuity correction: a positive ad − bc is reduced by n/2 (not below 0), so that
        // perfectly concordant pairs (b = c = 0) do not collapse the interval to a point.
        var association = Double(a) * Double(d) - Double(b) * Double(c)
        if association > 0 { association = max(association - nn / 2, 0) }
        let phi = denominator == 0 ? 0 : association / denominator.squareRoot()
        let theta = pc - pr
        let lower = max(0, (pc - lc) * (pc - lc) - 2 * phi * (pc - lc) * (ur - pr) + (ur - pr) * (ur - pr)).squareRoot()
        let upper = max(0, (uc - pc) * (uc - pc) - 2 * phi * (uc - pc) * (pr - lr) + (pr - lr) * (pr - lr)).squareRoot()
        return (max(-1, theta - lower), min(1, theta + upper))
    }

    /// FNV-1a over the bit patterns of the values in sorted order: a seed component that depends on the multiset only.
    static func multisetHash(_ values: [Double]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in values.sorted() {
            var bits = (v == 0 ? 0 : v).bitPattern
            for _ in 0..<8 { h = (h ^ (bits & 0xff)) &* 0x100_0000_01b3; bits >>= 8 }
        }
        return h
    }

    /// Exact two-sided McNemar p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), capped at 1.
    public static func mcnemarExact(b: Int, c: Int) -> Double {
        let m = b + c
        guard m > 0 else { return 1 }
        let k = min(b, c)
        // Sum binomial probabilities in log space so large counts do not overflow.
        var logTerms: [Double] = []
        for i in 0...k { logTerms.append(logChoose(m, i) - Double(m) * M_LN2) }
        let top = logTerms.max() ?? 0
        let tail = exp(top) * logTerms.reduce(0) { $0 + exp($1 - top) }
        return min(1, 2 * tail)
    }

    /// log(n choose k).
    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }

    /// Paired approximate randomization: the share of random sign flips whose |sum| reaches the observed |sum|.
    static func approximateRandomization(_ diffs: [Double], permutations: Int, rng: inout SplitMix64) -> Double {
        let observed = abs(diffs.reduce(0, +))
        guard !diffs.isEmpty, permutations > 0 else { return 1 }
        // A tolerance keeps floating-point noise from turning "equal" into "smaller".
        let threshold = observed - 1e-9 * max(1, observed)
        var hits = 0
        for _ in 0..<permutations {
            var sum = 0.0
            var bits: UInt64 = 0, left = 0
            for d in diffs {
                if left == 0 { bits = rng.next(); left = 64 }
                sum += (bits & 1) == 0 ? d : -d
                bits >>= 1
                left -= 1
            }
            if abs(sum) >= threshold { hits += 1 }
        }
        return Double(hits + 1) / Double(permutations + 1)
    }
}
