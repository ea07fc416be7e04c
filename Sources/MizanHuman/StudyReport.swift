import Foundation
import MizanCore
import MizanReport

/// A study's results and judgments as text: the tables `mizan human results` prints (table, md, csv, json) and the
/// files `mizan human export` writes. The web page shows the same `StudyResults`.
public enum StudyReport {
    /// A proportion as a percentage with one decimal, e.g. `62.5%`.
    public static func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }

    /// An estimate as `62.5% [48.1, 75.0]` (a percentage with its 95% interval).
    public static func percentWithInterval(_ e: Estimate) -> String {
        String(format: "%.1f%% [%.1f, %.1f]", e.value * 100, e.low * 100, e.high * 100)
    }

    /// The human preference in one cell, e.g. `62.5% [48.1, 75.0] n=40` (win rate of B over A, its interval, judgments).
    public static func preferenceCell(_ p: HumanPreference) -> String {
        (p.winRateB.map(percentWithInterval) ?? "–") + " n=\(p.judgments)"
    }

    /// The outcome tables: overall and per language (B wins, A wins, ties, both bad, judged, win rate of B with interval).
    public static func outcomeTable(_ r: StudyResults) -> Table {
        var t = Table(header: ["language", "\(r.labelB) wins", "\(r.labelA) wins", "ties", "both bad", "judged", "win rate of \(r.labelB)"])
        func row(_ lang: String, _ w: WinTieLoss, _ e: Estimate?) -> [String] {
            [lang, String(w.runBWins), String(w.runAWins), String(w.ties), String(w.bothBad), String(w.judged), e.map(percentWithInterval) ?? "–"]
        }
        t.rows = r.byLanguage.map { row($0.language, $0.tally, $0.winRateB) }
        t.rows.append(row("all", r.overall, r.preference.winRateB))
        return t
    }

    /// Bradley–Terry strengths (log scale, run A at 0) with intervals, and the modelled probability of beating run A.
    public static func strengthTable(_ r: StudyResults) -> Table {
        var t = Table(header: ["run", "label", "log-strength", "95% interval", "P(beats \(r.labelA))"])
        t.rows = r.strengths.map { s in
            let e = s.logStrength
            return [s.runID, s.label, String(format: "%.3f", e.value), String(format: "[%.3f, %.3f]", e.low, e.high),
                    percent(1 / (1 + exp(-e.value)))]
        }
        return t
    }

    /// Agreement in one line, e.g. `Cohen's κ = 0.400 (observed agreement 70.0%, 50 pairs, 2 annotators each)`.
    public static func agreementLine(_ a: Agreement?) -> String {
        guard let a else { return "agreement: no pair has two judgments yet" }
        let name = a.method == .cohen ? "Cohen's κ" : "Fleiss' κ"
        let k = a.kappa.map { String(format: "%.3f", $0) } ?? "undefined (one outcome throughout)"
        return "\(name) = \(k) (observed agreement \(percent(a.observed)), \(a.pairs) pairs, \(a.ratersPerPair) annotators each)"
    }

    /// The results as `mizan human results` prints them.
    public static func render(_ r: StudyResults, format: TableFormat) -> String {
        switch format {
        case .json: return json(r).prettyJSON + "\n"
        case .csv: return outcomeTable(r).render(.csv)
        case .table, .md:
            let head = """
                study \(r.study.id) "\(r.study.spec.name)": \(r.labelB) (run B, \(r.study.runB)) against \(r.labelA) (run A, \(r.study.runA))
                judgments \(r.progress.done) of \(r.progress.total), \(r.annotators) annotator(s), \(r.study.pairCount) pairs, K = \(r.study.spec.perItem)

                """
            let notes = """

                win rate = (wins + (ties + both bad) / 2) / judged; intervals: 95% percentile bootstrap over pairs \
                (\(r.resamples) resamples, seed \(r.bootstrapSeed)); see docs/human-evaluation.md
                """
            return head + outcomeTable(r).render(format) + "\n" + strengthTable(r).render(format) + "\n" + agreementLine(r.agreement) + "\n" + notes + "\n"
        }
    }

    /// An estimate as JSON (`value`, `low`, `high`), or null.
    static func json(_ e: Estimate?) -> JSONValue {
        guard let e else { return .null }
        return .object(["value": .number(e.value), "low": .number(e.low), "high": .number(e.high)])
    }

    /// A tally as JSON.
    static func json(_ w: WinTieLoss) -> JSONValue {
        .object(["run_b_wins": .number(Double(w.runBWins)), "run_a_wins": .number(Double(w.runAWins)), "ties": .number(Double(w.ties)),
                 "both_bad": .number(Double(w.bothBad)), "judged": .number(Double(w.judged))])
    }

    /// The human preference as JSON (the `human_preference` object of `mizan compare --format json`).
    public static func json(_ p: HumanPreference) -> JSONValue {
        .object(["studies": .array(p.studyIDs.map { .string($0) }), "run_a": .string(p.runA), "run_b": .string(p.runB),
                 "tally": json(p.tally), "win_rate_b": json(p.winRateB)])
    }

    /// The results as JSON.
    public static func json(_ r: StudyResults) -> JSONValue {
        var agreement: JSONValue = .null
        if let a = r.agreement {
            agreement = .object(["method": .string(a.method.rawValue), "kappa": a.kappa.map { .number($0) } ?? .null,
                                 "pairs": .number(Double(a.pairs)), "raters_per_pair": .number(Double(a.ratersPerPair)),
                                 "observed": .number(a.observed)])
        }
        return .object([
            "study": .string(r.study.id), "name": .string(r.study.spec.name), "run_a": .string(r.study.runA), "run_b": .string(r.study.runB),
            "label_a": .string(r.labelA), "label_b": .string(r.labelB), "suite": .string(r.study.suiteID),
            "pairs": .number(Double(r.study.pairCount)), "per_item": .number(Double(r.study.spec.perItem)),
            "judgments": .number(Double(r.progress.done)), "judgments_wanted": .number(Double(r.progress.total)),
            "annotators": .number(Double(r.annotators)), "overall": json(r.overall), "win_rate_b": json(r.preference.winRateB),
            "by_language": .array(r.byLanguage.map { .object(["language": .string($0.language), "tally": json($0.tally), "win_rate_b": json($0.winRateB)]) }),
            "bradley_terry": .array(r.strengths.map { .object(["run": .string($0.runID), "label": .string($0.label), "log_strength": json($0.logStrength)]) }),
            "agreement": agreement,
            "bootstrap": .object(["resamples": .number(Double(r.resamples)), "seed": .string(String(r.bootstrapSeed))]),
        ])
    }

    /// Every judgment as a table (one row per judgment: pair, item, sample, language, annotator, verdict as shown,
    /// outcome for the runs, comment, time), for `mizan human export --format csv`.
    public static func judgmentTable(_ js: [Judgment]) -> Table {
        var t = Table(header: ["pair", "item", "sample", "language", "annotator", "verdict", "outcome", "comment", "created_at"])
        t.rows = js.map { [String($0.pair), $0.itemID, String($0.sample), $0.language, $0.annotatorName, $0.verdict.rawValue, $0.outcome.rawValue,
                           $0.comment ?? "", $0.createdAt] }
        return t
    }

    /// The study, its results and every judgment as one JSON document, for `mizan human export --format json`.
    public static func exportJSON(_ r: StudyResults, judgments js: [Judgment]) -> JSONValue {
        let rows: [JSONValue] = js.map {
            .object(["pair": .number(Double($0.pair)), "item": .string($0.itemID), "sample": .number(Double($0.sample)),
                     "language": .string($0.language), "annotator": .string($0.annotatorName), "verdict": .string($0.verdict.rawValue),
                     "outcome": .string($0.outcome.rawValue), "comment": $0.comment.map { .string($0) } ?? .null,
                     "created_at": .string($0.createdAt)])
        }
        return .object(["results": json(r), "judgments": .array(rows)])
    }
}
