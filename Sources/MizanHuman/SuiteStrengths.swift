import Foundation
import MizanCore
import MizanStore

extension HumanStudies {
    /// Bradley–Terry strengths of every run compared in the pairwise studies on `suite` (several studies between
    /// different runs pooled), fitted by `PairwiseStatistics.fitStrengths` (ties and both-bad as half-wins, one virtual
    /// tie per pair of runs that met), with the run first in id order fixed at 0 and 95% intervals from a bootstrap over
    /// (study, pair) units. Runs never connected to the first through studies get no meaningful strength: only the
    /// runs connected to it are returned. Empty without judgments.
    public func strengths(suite: String, resamples: Int = PairwiseStatistics.defaultResamples,
                          seed: UInt64 = PairwiseStatistics.defaultSeed) throws -> [Strength] {
        let studies = try studies().filter { $0.spec.kind == .pairwise && $0.suiteID == suite }.sorted { $0.id < $1.id }
        var units: [[(winner: String, loser: String, weight: Double)]] = []
        for st in studies {
            let byPair = Dictionary(grouping: try judgments(study: st.id), by: \.pair)
            for k in byPair.keys.sorted() {
                units.append(byPair[k]!.flatMap { j -> [(winner: String, loser: String, weight: Double)] in
                    switch j.outcome {
                    case .runA: return [(st.runA, st.runB, 1)]
                    case .runB: return [(st.runB, st.runA, 1)]
                    case .tie, .bothBad: return [(st.runA, st.runB, 0.5), (st.runB, st.runA, 0.5)]
                    }
                })
            }
        }
        guard !units.isEmpty else { return [] }
        var runs = Set(units.flatMap { $0.flatMap { [$0.winner, $0.loser] } }).sorted()
        // Keep the runs connected to the first one.
        var connected: Set<String> = [runs[0]], grew = true
        while grew {
            grew = false
            for r in units.joined() where connected.contains(r.winner) != connected.contains(r.loser) {
                connected.formUnion([r.winner, r.loser])
                grew = true
            }
        }
        runs = runs.filter(connected.contains)
        let index = Dictionary(uniqueKeysWithValues: runs.enumerated().map { ($1, $0) })
        func fit(_ us: [[(winner: String, loser: String, weight: Double)]], iterations: Int) -> [Double] {
            let results = us.joined().compactMap { r -> (winner: Int, loser: Int, weight: Double)? in
                guard let w = index[r.winner], let l = index[r.loser] else { return nil }
                return (w, l, r.weight)
            }
            return PairwiseStatistics.fitStrengths(models: runs.count, results: results, iterations: iterations)
        }
        let point = fit(units, iterations: 10_000)
        var draws = Array(repeating: [Double](), count: runs.count)
        var rng = SeededOrder(seed: seed)
        for _ in 0..<resamples {
            let sample = (0..<units.count).map { _ in units[rng.below(units.count)] }
            for (i, v) in fit(sample, iterations: 2_000).enumerated() where v.isFinite { draws[i].append(v) }
        }
        return try runs.enumerated().map { i, id in
            let e = Estimate(value: point[i], low: PairwiseStatistics.quantile(draws[i], 0.025), high: PairwiseStatistics.quantile(draws[i], 0.975))
            return Strength(runID: id, label: Self.label(try store.run(matching: id)), logStrength: e)
        }
    }
}
