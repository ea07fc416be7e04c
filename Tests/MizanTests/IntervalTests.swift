import Foundation
import MizanCore
import MizanMetrics
import MizanReport
import MizanStore
import Testing

/// The interval formulas against values computed independently (SciPy 1.17: `scipy.stats.beta.ppf`,
/// `scipy.stats.t.ppf`, and the textbook Wilson, Korn–Graubard and Newcombe formulas written in NumPy).
@Suite(.timeLimit(.minutes(5))) struct IntervalFormulaTests {
    static func close(_ a: Double?, _ b: Double, _ tol: Double = 1e-9) -> Bool { a.map { abs($0 - b) < tol } ?? false }

    @Test func distributionQuantilesMatchSciPy() {
        #expect(Self.close(Distributions.studentTQuantile(0.975, df: 1), 12.706204736174694))
        #expect(Self.close(Distributions.studentTQuantile(0.975, df: 9), 2.262157162798205))
        #expect(Self.close(Distributions.studentTQuantile(0.975, df: 30), 2.0422724563012378))
        #expect(Self.close(Distributions.betaQuantile(0.025, 2.5, 7.3), 0.05050434517636552))
        #expect(Self.close(Distributions.betaQuantile(0.975, 0.7, 0.4), 0.9998406513277163))
    }

    @Test func clopperPearsonFor0And3And20Of20() {
        let (l0, h0) = ConfidenceIntervals.clopperPearson(successes: 0, trials: 20)
        #expect(l0 == 0 && Self.close(h0, 0.1684334709830853))
        let (l3, h3) = ConfidenceIntervals.clopperPearson(successes: 3, trials: 20)
        #expect(Self.close(l3, 0.0320709371854637) && Self.close(h3, 0.37892682654531396))
        let (l20, h20) = ConfidenceIntervals.clopperPearson(successes: 20, trials: 20)
        #expect(Self.close(l20, 0.8315665290169146) && h20 == 1)
    }

    @Test func wilsonFor0And3And20Of20() {
        let (l0, h0) = ConfidenceIntervals.wilson(successes: 0, trials: 20)
        #expect(l0 == 0 && Self.close(h0, 0.16112515805281938))
        let (l3, h3) = ConfidenceIntervals.wilson(successes: 3, trials: 20)
        #expect(Self.close(l3, 0.052368745896216595) && Self.close(h3, 0.36041886474075696))
        let (l20, h20) = ConfidenceIntervals.wilson(successes: 20, trials: 20)
        #expect(Self.close(l20, 0.8388748419471806) && h20 == 1)
    }

    @Test func zeroOfTwentyIsNotACertainty() {
        // The old percentile bootstrap printed 0.000 [0.000, 0.000] here.
        let m = ConfidenceIntervals.mean(ClusteredScores((0..<20).map { ($0, 0.0) }), scale: .unit)
        #expect(m.method == .clopperPearson && m.low == 0 && Self.close(m.high, 0.1684334709830853))
        let chrf = ConfidenceIntervals.mean(ClusteredScores((0..<20).map { ($0, 100.0) }), scale: .bounded(low: 0, high: 100))
        #expect(chrf.method == .clopperPearson && Self.close(chrf.low, 83.15665290169146, 1e-7) && chrf.high == 100)
    }

    @Test func kornGraubardForBoundedScores() {
        let xs = [0.1, 0.2, 0.2, 0.35, 0.5, 0.05, 0.9, 0.15, 0.3, 0.25]
        let m = ConfidenceIntervals.mean(ClusteredScores(xs.enumerated().map { ($0.offset, $0.element) }), scale: .unit)
        #expect(m.method == .kornGraubard && m.clusters == nil)
        #expect(Self.close(m.mean, 0.3, 1e-12) && Self.close(m.low, 0.13709555234875645) && Self.close(m.high, 0.5109155140103487))
        // The same scores on a 0–100 scale give the same interval, scaled.
        let wide = ConfidenceIntervals.mean(ClusteredScores(xs.enumerated().map { ($0.offset, $0.element * 100) }),
                                            scale: .bounded(low: 0, high: 100))
        #expect(Self.close(wide.low, 13.709555234875645, 1e-7) && Self.close(wide.high, 51.09155140103487, 1e-7))
    }

    @Test func equalScoresInsideTheScaleAreNotEstimable() {
        let m = ConfidenceIntervals.mean(ClusteredScores((0..<10).map { ($0, 42.5) }), scale: .bounded(low: 0, high: 100))
        #expect(m.method == .notEstimable && m.low == nil && m.high == nil && m.mean == 42.5)
        let ter = ConfidenceIntervals.mean(ClusteredScores((0..<10).map { ($0, 0.3) }), scale: .unbounded)
        #expect(ter.method == .notEstimable)
        let one = ConfidenceIntervals.mean(ClusteredScores([(0, 0.4)]), scale: .unit)
        #expect(one.method == .notEstimable && one.n == 1)
    }

    @Test func unboundedScoresUseStudentT() throws {
        let xs = [10.0, 20, 30, 40, 50]
        let m = ConfidenceIntervals.mean(ClusteredScores(xs.enumerated().map { ($0.offset, $0.element) }), scale: .unbounded)
        let half = 2.7764451051977987 * (250.0 / 5).squareRoot()   // t(0.975, 4) · s/√n, s² = 250
        #expect(m.method == .studentT && Self.close(m.low, 30 - half) && Self.close(m.high, 30 + half))
    }

    @Test func scoresOutsideTheirScaleFallBackToStudentT() {
        let m = ConfidenceIntervals.mean(ClusteredScores([(0, 0.5), (1, 1.5), (2, 0.9)]), scale: .unit)
        #expect(m.method == .studentT && m.low != nil)
    }

    @Test func intervalsDependOnTheMultisetOnly() {
        let xs: [Double] = (0..<37).map { i in Double((i * 7919) % 101) / 100 }
        let a = ConfidenceIntervals.mean(ClusteredScores(xs.enumerated().map { ($0.offset, $0.element) }), scale: .unit)
        let shuffled = Array(xs.enumerated()).shuffled().map { ($0.offset + 1000, $0.element) }
        let b = ConfidenceIntervals.mean(ClusteredScores(shuffled), scale: .unit)
        #expect(a == b)
    }

    @Test func perfectlyCorrelatedClustersCountOnce() throws {
        // 10 clusters of 4 equal scores: the cluster-robust interval equals the independent interval of the 10 cluster means.
        let means = [0.1, 0.4, 0.35, 0.8, 0.2, 0.55, 0.05, 0.6, 0.3, 0.45]
        var clustered = ClusteredScores()
        for (g, v) in means.enumerated() { for _ in 0..<4 { clustered.append(v, cluster: g) } }
        let c = ConfidenceIntervals.mean(clustered, scale: .unit)
        let i = ConfidenceIntervals.mean(ClusteredScores(means.enumerated().map { ($0.offset, $0.element) }), scale: .unit)
        #expect(c.clusters == 10 && c.n == 40 && c.method == .kornGraubard)
        let iLow = try #require(i.low), iHigh = try #require(i.high)
        #expect(Self.close(c.low, iLow, 1e-9) && Self.close(c.high, iHigh, 1e-9))
        // Treated as 40 independent scores the interval would be about half as wide: clustering matters.
        var independent = ClusteredScores()
        for (g, v) in means.enumerated() { for k in 0..<4 { independent.append(v, cluster: g * 4 + k) } }
        let naive = ConfidenceIntervals.mean(independent, scale: .unit)
        let naiveWidth: Double = try #require(naive.high) - (try #require(naive.low))
        let clusteredWidth: Double = try #require(c.high) - (try #require(c.low))
        #expect(naiveWidth < 0.6 * clusteredWidth)
    }
}

@Suite(.timeLimit(.minutes(5))) struct PairedIntervalTests {
    @Test func newcombeMatchesTheFormula() {
        let (lo, hi) = PairedStatistics.newcombe(bothRight: 20, referenceOnly: 5, candidateOnly: 1, n: 40)
        #expect(IntervalFormulaTests.close(lo, -0.2177850792158536) && IntervalFormulaTests.close(hi, 0.024237871649999423))
        // No discordant pairs: the continuity-corrected φ keeps a real interval instead of a point.
        let (l2, h2) = PairedStatistics.newcombe(bothRight: 10, referenceOnly: 0, candidateOnly: 0, n: 20)
        #expect(IntervalFormulaTests.close(l2, -0.08975665937768057) && IntervalFormulaTests.close(h2, 0.08975665937768057))
    }

    @Test func identicalZeroOneRunsGetAnIntervalAroundZero() {
        let xs: [Double] = [1, 0, 1, 1, 0, 1]
        let r = PairedStatistics.compare(reference: xs, candidate: xs)
        #expect(r.mean == 0 && r.pValue == 1 && r.test == "mcnemar" && r.method == .newcombe)
        #expect((r.low ?? 0) < 0 && (r.high ?? 0) > 0)
    }

    @Test func identicalContinuousRunsAreNotEstimable() {
        let xs: [Double] = [0.1, 0.5, 0.7, 0.2]
        let r = PairedStatistics.compare(reference: xs, candidate: xs)
        #expect(r.mean == 0 && r.low == nil && r.method == .notEstimable && r.pValue == 1)
    }

    @Test func pairedResultsDependOnTheMultisetOnly() {
        let ref: [Double] = (0..<40).map { i in Double((i * 37) % 17) / 17 }
        let cand: [Double] = (0..<40).map { i in Double((i * 11) % 13) / 13 }
        let a = PairedStatistics.compare(reference: ref, candidate: cand, seed: 5)
        let order = Array(0..<40).shuffled()
        let b = PairedStatistics.compare(reference: order.map { ref[$0] }, candidate: order.map { cand[$0] }, seed: 5)
        #expect(a == b && a.method == .studentT && a.test == "randomization")
        let c = PairedStatistics.compare(reference: ref, candidate: cand, seed: 6)
        #expect(c.low == a.low && c.high == a.high)
    }

    @Test func clusteredPairsFlipOneSignPerCluster() {
        let ref: [Double] = (0..<30).map { i in Double(i % 5) / 5 }
        let cand: [Double] = (0..<30).map { i in Double((i + 1) % 5) / 5 }
        let r = PairedStatistics.compare(reference: ref, candidate: cand, clusters: (0..<30).map { $0 / 3 })
        #expect(r.test == "cluster-randomization" && r.clusters == 10 && r.method == .studentT)
    }
}

/// The summary of a run: a one-language suite's language row equals its `all` row, whatever the slice's name.
@Suite(.timeLimit(.minutes(5))) struct SummaryIntervalTests {
    @Test func aOneLanguageSuitesLanguageRowEqualsItsAllRow() {
        let run = RunRecord(id: "r", suiteID: "s", suiteVersion: "1.0.0", suiteHash: "h", endpoint: "e", model: "m",
                            status: .completed, startedAt: "", itemCount: 20,
                            manifest: .object(["metrics": .array([.object(["name": .string("chrf++")]), .object(["name": .string("exact")])])]))
        let items: [ItemRecord] = (0..<20).map { (i: Int) -> ItemRecord in
            let chrf = Double((i * 37) % 61)
            return ItemRecord(itemID: "i\(i)", language: "arb-Arab", requestHash: "", prompt: "",
                       response: ModelResponse(text: "x", httpStatus: 200, latency: 0.1),
                       scores: [ScoreRecord(metric: "chrf++", metricVersion: "chrf/1", value: chrf),
                                ScoreRecord(metric: "exact", metricVersion: "exact/1", value: i % 4 == 0 ? 1 : 0)])
        }
        let s = Summarizer.summarize(run: run, items: items)
        for metric in ["chrf++", "exact"] {
            #expect(s.byLanguage["arb-Arab"]?[metric] == s.metrics[metric])
        }
        #expect(s.metrics["chrf++"]?.method == .kornGraubard && s.metrics["exact"]?.method == .clopperPearson)
        // Declaring a cluster field groups items: 5 clusters of 4.
        var clustered = run
        clustered.manifest = .object(["metrics": run.manifest["metrics"]!, "suite": .object(["cluster": .string("passage")])])
        let grouped = items.enumerated().map { i, item -> ItemRecord in
            var item = item
            item.fields["passage"] = JSONValue.string("p\(i / 4)")
            return item
        }
        let c = Summarizer.summarize(run: clustered, items: grouped)
        #expect(c.metrics["chrf++"]?.clusters == 5 && c.byLanguage["arb-Arab"]?["chrf++"] == c.metrics["chrf++"])
    }
}
