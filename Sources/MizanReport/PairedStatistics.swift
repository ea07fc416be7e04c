import Foundation

/// The difference between two runs on the same items: candidate minus reference.
public struct PairedDifference: Sendable, Hashable {
    /// Items scored in both runs.
    public var n: Int
    /// Mean of (candidate − reference) over the paired items.
    public var mean: Double
    /// Lower bound of the paired-bootstrap 95% CI of the mean difference.
    public var low: Double
    /// Upper bound of that CI.
    public var high: Double
    /// Two-sided p-value of "no difference".
    public var pValue: Double
    /// The test that gave `pValue`: `mcnemar` (0/1 scores) or `randomization` (paired approximate randomization).
    public var test: String
    /// For 0/1 scores: items right in the reference only (b) and in the candidate only (c).
    public var discordant: (referenceOnly: Int, candidateOnly: Int)?

    /// True when `pValue` is below `alpha`.
    public func isSignificant(alpha: Double = 0.05) -> Bool { pValue < alpha }

    public static func == (a: Self, b: Self) -> Bool {
        a.n == b.n && a.mean == b.mean && a.low == b.low && a.high == b.high && a.pValue == b.pValue && a.test == b.test
            && a.discordant?.referenceOnly == b.discordant?.referenceOnly && a.discordant?.candidateOnly == b.discordant?.candidateOnly
    }

    public func hash(into h: inout Hasher) { h.combine(n); h.combine(mean); h.combine(pValue); h.combine(test) }
}

/// Paired significance tests and intervals for per-item scores of two runs.
///
/// Decisions: scores that are all 0 or 1 in both runs use the exact two-sided McNemar test (binomial on the
/// discordant pairs), the standard for accuracy-style metrics; any other score uses paired approximate
/// randomization (random sign flips of the per-item differences, p = (hits + 1) / (R + 1), as in Riezler &
/// Maxwell 2005). The CI is a percentile paired bootstrap over items. Both are seeded, so the same data always
/// gives the same numbers.
public enum PairedStatistics {
    /// Compares paired scores (`reference[i]` and `candidate[i]` belong to the same item).
    public static func compare(reference: [Double], candidate: [Double], resamples: Int = 1000,
                               permutations: Int = 10_000, seed: UInt64 = 20_261_123) -> PairedDifference {
        precondition(reference.count == candidate.count, "paired scores must have equal counts")
        let n = reference.count
        let diffs = zip(candidate, reference).map { $0 - $1 }
        let mean = n == 0 ? 0 : diffs.reduce(0, +) / Double(n)
        var rng = SplitMix64(seed: seed)
        let ci = bootstrapCI(diffs, resamples: resamples, rng: &rng)
        if isBinary(reference) && isBinary(candidate) {
            var b = 0, c = 0
            for (r, k) in zip(reference, candidate) {
                if r == 1 && k == 0 { b += 1 } else if r == 0 && k == 1 { c += 1 }
            }
            return PairedDifference(n: n, mean: mean, low: ci.low, high: ci.high, pValue: mcnemarExact(b: b, c: c),
                                    test: "mcnemar", discordant: (b, c))
        }
        return PairedDifference(n: n, mean: mean, low: ci.low, high: ci.high,
                                pValue: approximateRandomization(diffs, permutations: permutations, rng: &rng),
                                test: "randomization", discordant: nil)
    }

    /// True when every value is exactly 0 or 1.
    static func isBinary(_ xs: [Double]) -> Bool { xs.allSatisfy { $0 == 0 || $0 == 1 } }

    /// Percentile bootstrap 95% CI of the mean of `diffs` (resampling items with replacement).
    static func bootstrapCI(_ diffs: [Double], resamples: Int, rng: inout SplitMix64) -> (low: Double, high: Double) {
        let n = diffs.count
        let mean = n == 0 ? 0 : diffs.reduce(0, +) / Double(n)
        guard n > 1, resamples > 0 else { return (mean, mean) }
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += diffs[Int(rng.next() % UInt64(n))] }
            means[r] = sum / Double(n)
        }
        return (Summarizer.percentile(means, 0.025) ?? mean, Summarizer.percentile(means, 0.975) ?? mean)
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
