import Foundation

/// The statistics of pairwise judgments (docs/human-evaluation.md gives the formulas and references):
/// win rates with cluster-bootstrap intervals, Bradley–Terry strengths, and Cohen's and Fleiss' κ.
public enum PairwiseStatistics {
    /// Bootstrap resamples used by `HumanStudies.results` and `preference`.
    public static let defaultResamples = 2000
    /// Bootstrap seed used by `HumanStudies.results` and `preference` (fixed, so every place shows the same interval).
    public static let defaultSeed: UInt64 = 20_261_206

    /// Win rate of run B: (B wins + (ties + both bad)/2) / judgments, over every pair's judgments pooled.
    public static func winRateB(_ pairs: [[Outcome]]) -> Double? {
        var t = WinTieLoss()
        for p in pairs { for o in p { t.add(o) } }
        return t.winRateB
    }

    /// The win rate of run B with a 95% percentile interval from a bootstrap over pairs: each resample draws as many
    /// pairs as there are, with replacement, keeping all judgments of a drawn pair together (a pair judged by several
    /// annotators is one unit, since their judgments are not independent). Nil with no judgment.
    public static func winRateEstimate(_ pairs: [[Outcome]], resamples: Int = defaultResamples, seed: UInt64 = defaultSeed) -> Estimate? {
        let units = pairs.filter { !$0.isEmpty }
        guard let point = winRateB(units) else { return nil }
        let draws = bootstrap(units, resamples: resamples, seed: seed) { winRateB($0) ?? point }
        return Estimate(value: point, low: quantile(draws, 0.025), high: quantile(draws, 0.975))
    }

    /// Bradley–Terry log-strength of run B against run A (run A at 0), ties and both-bad counted as half a win to
    /// each side, with one virtual tie between the two runs as a prior so the estimate stays finite when one side
    /// never loses: θ_B = ln((W_B + ½) / (W_A + ½)), W = wins + (ties + both bad)/2. It is the maximum-likelihood
    /// estimate of P(B beats A) = e^θ_B / (1 + e^θ_B) on those counts (`fitStrengths` with two models gives the same).
    public static func logStrengthB(_ pairs: [[Outcome]]) -> Double {
        var t = WinTieLoss()
        for p in pairs { for o in p { t.add(o) } }
        let half = Double(t.ties + t.bothBad) / 2
        return log((Double(t.runBWins) + half + 0.5) / (Double(t.runAWins) + half + 0.5))
    }

    /// `logStrengthB` with a 95% interval from the same pair bootstrap as `winRateEstimate`.
    public static func logStrengthEstimate(_ pairs: [[Outcome]], resamples: Int = defaultResamples, seed: UInt64 = defaultSeed) -> Estimate {
        let units = pairs.filter { !$0.isEmpty }
        let draws = bootstrap(units, resamples: resamples, seed: seed) { logStrengthB($0) }
        return Estimate(value: logStrengthB(units), low: quantile(draws, 0.025), high: quantile(draws, 0.975))
    }

    /// Bradley–Terry log-strengths of `models` models from weighted results (`winner`, `loser`, weight; a tie is two
    /// half-weight results), fitted by Hunter's (2004) MM iteration π_i ← W_i / Σ_j n_ij / (π_i + π_j), with one virtual
    /// tie between every two models that meet as a prior; model 0 is fixed at log-strength 0.
    public static func fitStrengths(models: Int, results: [(winner: Int, loser: Int, weight: Double)], iterations: Int = 10_000) -> [Double] {
        guard models > 1 else { return Array(repeating: 0, count: models) }
        var wins = Array(repeating: 0.0, count: models)
        var games = Array(repeating: Array(repeating: 0.0, count: models), count: models)
        for r in results {
            wins[r.winner] += r.weight
            games[r.winner][r.loser] += r.weight
            games[r.loser][r.winner] += r.weight
        }
        for i in 0..<models {
            for j in 0..<models where i < j && games[i][j] > 0 {
                wins[i] += 0.5; wins[j] += 0.5; games[i][j] += 1; games[j][i] += 1
            }
        }
        var p = Array(repeating: 1.0, count: models)
        for _ in 0..<iterations {
            var next = p
            for i in 0..<models {
                var d = 0.0
                for j in 0..<models where j != i && games[i][j] > 0 { d += games[i][j] / (p[i] + p[j]) }
                next[i] = d > 0 ? wins[i] / d : p[i]
            }
            let scale = next[0]
            next = next.map { $0 / scale }
            let change = zip(next, p).map { abs(log($0) - log($1)) }.max() ?? 0
            p = next
            if change < 1e-12 { break }
        }
        return p.map { log($0) }
    }

    /// `statistic` over `resamples` bootstrap resamples of `units` (drawn with replacement, seeded SplitMix64).
    static func bootstrap<T>(_ units: [T], resamples: Int, seed: UInt64, _ statistic: ([T]) -> Double) -> [Double] {
        guard !units.isEmpty, resamples > 0 else { return [] }
        var rng = SeededOrder(seed: seed)
        var sample: [T] = []
        sample.reserveCapacity(units.count)
        return (0..<resamples).map { _ in
            sample.removeAll(keepingCapacity: true)
            for _ in 0..<units.count { sample.append(units[rng.below(units.count)]) }
            return statistic(sample)
        }
    }

    /// The q-quantile of `xs` with linear interpolation between order statistics (Hyndman–Fan type 7); NaN when empty.
    static func quantile(_ xs: [Double], _ q: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        let pos = q * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
}

/// Chance-corrected agreement between annotators.
public enum AgreementStatistics {
    /// Cohen's κ (1960) for two raters who each labelled the same items: (p_o − p_e) / (1 − p_e), p_o the share of
    /// items labelled alike, p_e = Σ_k p_1k p_2k from each rater's own label shares. Nil when p_e = 1 (both raters
    /// used one and the same label throughout) or there is no item.
    public static func cohen<L: Hashable>(_ items: [(L, L)]) -> (kappa: Double?, observed: Double)? {
        guard !items.isEmpty else { return nil }
        let n = Double(items.count)
        let po = Double(items.filter { $0.0 == $0.1 }.count) / n
        var c1: [L: Double] = [:], c2: [L: Double] = [:]
        for (a, b) in items { c1[a, default: 0] += 1; c2[b, default: 0] += 1 }
        let pe = c1.reduce(0.0) { $0 + ($1.value / n) * ((c2[$1.key] ?? 0) / n) }
        return (pe >= 1 ? nil : (po - pe) / (1 - pe), po)
    }

    /// Fleiss' κ (1971) for items each labelled by the same number n ≥ 2 of raters (not necessarily the same people):
    /// `counts[i][k]` raters put item i in category k. P̄ = mean over items of Σ_k n_ik(n_ik − 1) / (n(n − 1)),
    /// P̄_e = Σ_k p_k² with p_k the share of all labels in category k, κ = (P̄ − P̄_e) / (1 − P̄_e). Nil when P̄_e = 1.
    public static func fleiss(_ counts: [[Int]]) -> (kappa: Double?, observed: Double)? {
        guard let first = counts.first else { return nil }
        let n = first.reduce(0, +)
        guard n >= 2, counts.allSatisfy({ $0.reduce(0, +) == n && $0.count == first.count }) else { return nil }
        let items = Double(counts.count), raters = Double(n)
        let pbar = counts.map { row in Double(row.map { $0 * ($0 - 1) }.reduce(0, +)) / (raters * (raters - 1)) }.reduce(0, +) / items
        var pe = 0.0
        for k in 0..<first.count {
            let pk = Double(counts.map { $0[k] }.reduce(0, +)) / (items * raters)
            pe += pk * pk
        }
        return (pe >= 1 ? nil : (pbar - pe) / (1 - pe), pbar)
    }
}
