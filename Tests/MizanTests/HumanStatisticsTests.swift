import Foundation
import Testing
import MizanHuman

/// The pairwise statistics against numbers worked out by hand or published.
@Suite struct HumanStatisticsTests {
    @Test func cohensKappaMatchesTheTextbookExample() throws {
        // Wikipedia, "Cohen's kappa": 50 proposals, both yes 20, A yes B no 5, A no B yes 10, both no 15:
        // p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
        let items = Array(repeating: ("y", "y"), count: 20) + Array(repeating: ("y", "n"), count: 5)
            + Array(repeating: ("n", "y"), count: 10) + Array(repeating: ("n", "n"), count: 15)
        let c = try #require(AgreementStatistics.cohen(items))
        #expect(abs(c.observed - 0.7) < 1e-12)
        #expect(abs((c.kappa ?? .nan) - 0.4) < 1e-12)
        #expect(AgreementStatistics.cohen([("a", "a"), ("a", "a")])?.kappa == nil, "one label throughout: κ undefined")
    }

    @Test func fleissKappaMatchesFleiss1971Example() throws {
        // Wikipedia, "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories: P̄ = 0.378, P̄_e = 0.213, κ = 0.210.
        let table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                     [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
        let f = try #require(AgreementStatistics.fleiss(table))
        #expect(abs(f.observed - 0.378) < 0.0005)
        #expect(abs((f.kappa ?? .nan) - 0.210) < 0.0005)
        #expect(AgreementStatistics.fleiss([[2, 0], [1]]) == nil, "rows must have the same raters")
    }

    @Test func winRateCountsTiesAndBothBadAsHalf() {
        // 3 B wins, 1 A win, 2 ties, 2 both bad: (3 + 4/2) / 8 = 0.625.
        let t = WinTieLoss(runAWins: 1, runBWins: 3, ties: 2, bothBad: 2)
        #expect(t.judged == 8 && t.winRateB == 0.625 && t.winRateA == 0.375)
        #expect(WinTieLoss().winRateB == nil)
    }

    @Test func bradleyTerryForTwoModelsIsTheLogOddsOfHalfWins() {
        // W_B = 3 + 1 = 4, W_A = 1 + 1 = 2 (two ties half each), prior ½ each: θ = ln(4.5 / 2.5).
        let pairs: [[Outcome]] = [[.runB], [.runB], [.runB], [.runA], [.tie], [.bothBad]]
        #expect(abs(PairwiseStatistics.logStrengthB(pairs) - log(4.5 / 2.5)) < 1e-12)
        // The general MM fit agrees on the same counts (ties as two half results).
        var results: [(winner: Int, loser: Int, weight: Double)] = [(1, 0, 1), (1, 0, 1), (1, 0, 1), (0, 1, 1)]
        results += [(0, 1, 0.5), (1, 0, 0.5), (0, 1, 0.5), (1, 0, 0.5)]
        let fit = PairwiseStatistics.fitStrengths(models: 2, results: results)
        #expect(fit[0] == 0 && abs(fit[1] - log(4.5 / 2.5)) < 1e-9)
    }

    @Test func bradleyTerryRanksThreeModelsByTheirResults() {
        // A beats B 3–1, B beats C 3–1, A beats C 3–1: A strongest, C weakest; the fit is symmetric, so θ_C = 2θ_B.
        var r: [(winner: Int, loser: Int, weight: Double)] = []
        for (w, l) in [(0, 1), (1, 2), (0, 2)] { r += Array(repeating: (w, l, 1.0), count: 3) + [(l, w, 1.0)] }
        let fit = PairwiseStatistics.fitStrengths(models: 3, results: r)
        #expect(fit[0] == 0 && fit[1] < 0 && fit[2] < fit[1])
        #expect(abs(fit[2] - 2 * fit[1]) < 1e-6)
    }

    @Test func bootstrapIntervalIsSeededAndKeepsPairsTogether() throws {
        let pairs: [[Outcome]] = (0..<40).map { i in i % 4 == 0 ? [.runA, .runA] : [.runB, .runB] }
        let e1 = try #require(PairwiseStatistics.winRateEstimate(pairs, resamples: 500, seed: 1))
        let e2 = try #require(PairwiseStatistics.winRateEstimate(pairs, resamples: 500, seed: 1))
        #expect(e1 == e2 && e1.value == 0.75)
        #expect(e1.low < 0.75 && e1.high > 0.75 && e1.low > 0.4 && e1.high <= 1)
        // Clustered: the same judgments counted as 80 independent pairs give a narrower interval.
        let split = pairs.flatMap { $0.map { [$0] } }
        let e3 = try #require(PairwiseStatistics.winRateEstimate(split, resamples: 500, seed: 1))
        #expect(e3.high - e3.low < e1.high - e1.low)
        #expect(PairwiseStatistics.winRateEstimate([], resamples: 10) == nil)
    }
}
