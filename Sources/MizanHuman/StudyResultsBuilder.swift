import Foundation
import MizanCore
import MizanStore

extension HumanStudies {
    /// A study's results: counts overall and per language, the win rate of run B with its bootstrap interval,
    /// Bradley–Terry strengths with intervals, and agreement (Cohen's κ with exactly two annotators, else Fleiss' κ).
    /// The bootstrap uses `PairwiseStatistics.defaultResamples` and `defaultSeed` unless told otherwise, so the CLI and
    /// the web page show the same numbers.
    public func results(study id: String, resamples: Int = PairwiseStatistics.defaultResamples,
                        seed: UInt64 = PairwiseStatistics.defaultSeed) throws -> StudyResults {
        let study = try store.read { s in try StudyRows.study(s, id: id) }
        let judgments = try judgments(study: id)
        let byPair = Dictionary(grouping: judgments, by: \.pair)
        let units = byPair.keys.sorted().map { byPair[$0]!.map(\.outcome) }
        var overall = WinTieLoss()
        for j in judgments { overall.add(j.outcome) }
        let languages = Set(judgments.map(\.language)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        let byLanguage = languages.map { lang -> LanguageTally in
            var t = WinTieLoss()
            let pairs = byPair.keys.sorted().compactMap { k -> [Outcome]? in
                let js = byPair[k]!.filter { $0.language == lang }
                return js.isEmpty ? nil : js.map(\.outcome)
            }
            for p in pairs { for o in p { t.add(o) } }
            return LanguageTally(language: lang, tally: t, winRateB: PairwiseStatistics.winRateEstimate(pairs, resamples: resamples, seed: seed))
        }
        let runA = try store.run(matching: study.runA), runB = try store.run(matching: study.runB)
        let preference = HumanPreference(studyIDs: [id], runA: study.runA, runB: study.runB, tally: overall,
                                         winRateB: PairwiseStatistics.winRateEstimate(units, resamples: resamples, seed: seed))
        let theta = PairwiseStatistics.logStrengthEstimate(units, resamples: resamples, seed: seed)
        let strengths = units.isEmpty ? [] : [
            Strength(runID: runA.id, label: Self.label(runA), logStrength: Estimate(value: 0, low: 0, high: 0)),
            Strength(runID: runB.id, label: Self.label(runB), logStrength: theta),
        ]
        return StudyResults(study: study, labelA: Self.label(runA), labelB: Self.label(runB), progress: try progress(study: id),
                            annotators: try annotators(study: id).count, overall: overall, byLanguage: byLanguage, preference: preference,
                            strengths: strengths, agreement: Self.agreement(judgments), resamples: resamples, bootstrapSeed: seed)
    }

    /// The human preference between two runs — the one function behind the `mizan compare` column, the `mizan gate`
    /// rule and the web pages: every pairwise study between them (either order; outcomes turned to `runA`/`runB` of
    /// this call) pooled, the win rate of `runB` over `runA` with the bootstrap interval over pairs. Nil when no study
    /// between them has a judgment.
    public func preference(runA: String, runB: String, resamples: Int = PairwiseStatistics.defaultResamples,
                           seed: UInt64 = PairwiseStatistics.defaultSeed) throws -> HumanPreference? {
        let studies = try studies(between: runA, and: runB).sorted { $0.id < $1.id }
        var units: [[Outcome]] = []
        var tally = WinTieLoss()
        for st in studies {
            let flip = st.runA != runA
            let byPair = Dictionary(grouping: try judgments(study: st.id), by: \.pair)
            for k in byPair.keys.sorted() {
                let outcomes = byPair[k]!.map { j -> Outcome in
                    guard flip else { return j.outcome }
                    switch j.outcome { case .runA: return .runB; case .runB: return .runA; default: return j.outcome }
                }
                for o in outcomes { tally.add(o) }
                units.append(outcomes)
            }
        }
        guard tally.judged > 0 else { return nil }
        return HumanPreference(studyIDs: studies.map(\.id), runA: runA, runB: runB, tally: tally,
                               winRateB: PairwiseStatistics.winRateEstimate(units, resamples: resamples, seed: seed))
    }

    /// A run's label: its name, else endpoint · model.
    static func label(_ r: RunRecord) -> String { r.runManifest.name ?? "\(r.endpoint) · \(r.model)" }

    /// Agreement on outcomes: Cohen's κ when exactly two annotators judged and some pairs were judged by both; else
    /// Fleiss' κ over the pairs judged by the most common number (≥ 2) of annotators (the larger number on a draw);
    /// nil when no pair has two judgments.
    static func agreement(_ judgments: [Judgment]) -> Agreement? {
        let byPair = Dictionary(grouping: judgments, by: \.pair)
        let people = Set(judgments.map(\.annotatorID)).sorted()
        if people.count == 2 {
            let both = byPair.keys.sorted().compactMap { k -> (Outcome, Outcome)? in
                let js = byPair[k]!
                guard let a = js.first(where: { $0.annotatorID == people[0] }), let b = js.first(where: { $0.annotatorID == people[1] }) else { return nil }
                return (a.outcome, b.outcome)
            }
            if let c = AgreementStatistics.cohen(both) {
                return Agreement(method: .cohen, kappa: c.kappa, pairs: both.count, ratersPerPair: 2, observed: c.observed)
            }
            return nil
        }
        var sizes: [Int: Int] = [:]
        for js in byPair.values where js.count >= 2 { sizes[js.count, default: 0] += 1 }
        guard let n = sizes.max(by: { ($0.value, $0.key) < ($1.value, $1.key) })?.key else { return nil }
        let counts = byPair.keys.sorted().compactMap { k -> [Int]? in
            let js = byPair[k]!
            guard js.count == n else { return nil }
            return Outcome.allCases.map { o in js.filter { $0.outcome == o }.count }
        }
        guard let f = AgreementStatistics.fleiss(counts) else { return nil }
        return Agreement(method: .fleiss, kappa: f.kappa, pairs: counts.count, ratersPerPair: n, observed: f.observed)
    }
}
