import Foundation
import MizanCore
import MizanHuman
import MizanMetrics
import MizanReport
import MizanStore

/// One rule checked on one slice.
public struct GateCheck: Sendable, Hashable {
    /// The check: `min`, `max`, `max_drop`, `no_significant_regression`, `max_error_rate`, `latency_p95_ms`,
    /// `ttft_p95_ms`, `min_pass_all`, `min_agreement`, `min_human_win_rate` or `max_human_loss_rate`.
    public var check: String
    /// Names of the rules that set the limit (`defaults`, then matching rules).
    public var rules: [String]
    /// Suite id.
    public var suite: String
    /// Language tag or `all`.
    public var language: String
    /// Metric, for score checks.
    public var metric: String?
    /// True when the slice is within the limit.
    public var passed: Bool
    /// The measured value (mean, drop, p-value, rate or milliseconds).
    public var measured: Double
    /// The limit it was held to.
    public var limit: Double
    /// A sentence saying what was measured against what.
    public var detail: String

    /// `suite · language · metric`.
    public var slice: String { "\(suite) · \(language)" + (metric.map { " · \($0)" } ?? "") }
}

/// An item whose score fell, for the failure report.
public struct RegressedItem: Sendable, Hashable {
    /// Suite id.
    public var suite: String
    /// Item id.
    public var itemID: String
    /// Language tag.
    public var language: String
    /// Metric.
    public var metric: String
    /// Baseline score (mean over samples).
    public var baseline: Double
    /// Candidate score (mean over samples).
    public var candidate: Double
    /// The candidate's output, when stored.
    public var candidateOutput: String?
}

/// The gate's verdict.
public enum GateDecision: Sendable, Hashable {
    /// Every check passed (exit 0).
    case pass
    /// At least one check failed (exit 1).
    case regression
    /// Too many endpoint errors to decide (exit 3).
    case undecidable(String)

    /// The process exit code of the verdict.
    public var exitCode: Int32 {
        switch self {
        case .pass: return 0
        case .regression: return 1
        case .undecidable: return 3
        }
    }
}

/// Everything a gate found.
public struct GateReport: Sendable {
    /// The verdict.
    public var decision: GateDecision
    /// Every check, failed ones first.
    public var checks: [GateCheck]
    /// The most regressed items on failing score slices (at most 10 per slice).
    public var worstItems: [RegressedItem]
    /// The comparison behind the checks (column 0 baseline, column 1 candidate).
    public var comparison: Comparison
    /// Where the rules came from.
    public var rulesSource: String
    /// The baseline's name or run ids.
    public var baselineName: String
    /// The candidate's runs.
    public var candidateRuns: [RunRecord]

    /// The failed checks.
    public var failures: [GateCheck] { checks.filter { !$0.passed } }
}

/// Decides whether a candidate regressed against a baseline.
public enum Gate {
    /// Compares candidate with baseline through `mizan compare`'s guard and statistics and applies the rules; the
    /// human-preference rules read the judgments of the pairwise studies between each suite's baseline and candidate
    /// runs through `human` (`HumanStudies.preference`, the figure `mizan compare` and the web app show).
    public static func evaluate(baseline: [LoadedRun], baselineName: String, candidate: [LoadedRun], rules: GateRules,
                                errorBudget: Double, allowIncomparable: Bool = false, seed: UInt64 = 20_261_123,
                                human: HumanStudies? = nil) throws -> GateReport {
        let baseSuites = Set(baseline.map(\.run.suiteID))
        let missing = candidate.map(\.run.suiteID).filter { !baseSuites.contains($0) }
        if !missing.isEmpty {
            throw UsageError("the baseline has no run of suite \(missing.joined(separator: ", ")); save a baseline that includes it (`\(CLICommand.baselineSave) <run-id>… \(CLIFlag.name) NAME`)")
        }
        let candSuites = Set(candidate.map(\.run.suiteID))
        let uncovered = baseline.map(\.run.suiteID).filter { !candSuites.contains($0) }
        if !uncovered.isEmpty {
            throw UsageError("the candidate has no run of the baseline's suite \(uncovered.joined(separator: ", ")); run it too, or restrict the gate with \(CLIFlag.suite)")
        }
        // Errors count over the candidate's items sent; answers reused from the response cache were not sent.
        let items = candidate.flatMap(\.items)
        let sentStats = PerformanceStats.of(items)
        let errorRate = items.isEmpty || (sentStats.sent > 0 && sentStats.errors == sentStats.sent) ? 1 : sentStats.errorRate
        var options = ComparisonOptions()
        options.allowIncomparable = allowIncomparable
        options.seed = seed
        let comparison = try ComparisonBuilder.build(groups: [(label: "baseline", runs: baseline), (label: "candidate", runs: candidate)],
                                                     options: options)
        var checks: [GateCheck] = []
        for row in comparison.rows {
            guard let base = row.cells[0], let cand = row.cells[1] else { continue }
            checks += scoreChecks(row: row, base: base, cand: cand, diff: row.differences[1], rules: rules)
        }
        for run in candidate { checks += performanceChecks(run, rules: rules) }
        for run in candidate {
            guard let base = baseline.first(where: { $0.run.suiteID == run.run.suiteID }) else { continue }
            checks += try humanChecks(baseline: base.run, candidate: run.run, rules: rules, human: human)
        }
        checks.sort { ($0.passed ? 1 : 0, $0.suite, $0.language, $0.metric ?? "", $0.check) < ($1.passed ? 1 : 0, $1.suite, $1.language, $1.metric ?? "", $1.check) }
        let worst = worstItems(failing: checks.filter { !$0.passed && $0.metric != nil }, baseline: baseline, candidate: candidate)
        let decision: GateDecision
        if errorRate > errorBudget {
            decision = .undecidable(String(format: "endpoint errors on %.1f%% of the candidate's items exceed the budget of %.1f%% (\(CLIFlag.errorBudget)); fix the endpoint and run the gate again", errorRate * 100, errorBudget * 100))
        } else {
            decision = checks.allSatisfy(\.passed) ? .pass : .regression
        }
        return GateReport(decision: decision, checks: checks, worstItems: worst, comparison: comparison, rulesSource: rules.source,
                          baselineName: baselineName, candidateRuns: candidate.map(\.run))
    }

    static func scoreChecks(row: ComparisonRow, base: MeanWithCI, cand: MeanWithCI, diff: PairedDifference?, rules: GateRules) -> [GateCheck] {
        let l = rules.limits(suite: row.suite, language: row.language, metric: row.metric)
        let direction = MetricRegistry.direction(ofMetric: row.metric)
        let lower = direction == .lowerIsBetter
        let drop = direction.worsening(from: base.mean, to: cand.mean)
        var out: [GateCheck] = []
        func add(_ check: String, _ passed: Bool, _ measured: Double, _ limit: Double, _ detail: String) {
            out.append(GateCheck(check: check, rules: l.source(of: check), suite: row.suite, language: row.language, metric: row.metric,
                                 passed: passed, measured: measured, limit: limit, detail: detail))
        }
        let f = { (x: Double) in SummaryTables.formatScore(x, metric: row.metric) }
        let move = "\(f(base.mean)) → \(f(cand.mean))"
        if let min = l.min { add("min", cand.mean >= min, cand.mean, min, "mean \(f(cand.mean)) (minimum \(f(min)))") }
        if let max = l.max { add("max", cand.mean <= max, cand.mean, max, "mean \(f(cand.mean)) (maximum \(f(max)))") }
        if let maxDrop = l.maxDrop {
            let verb = drop > 0 ? (lower ? "rose (worse: \(direction.phrase))" : "fell") : "changed"
            add("max_drop", drop <= maxDrop + 1e-12, drop, maxDrop, "\(verb) by \(f(abs(drop))) (\(move)); allowed drop \(f(maxDrop))")
        }
        if l.noSignificantRegression == true, let diff {
            let alpha = 1 - (l.confidence ?? 0.95)
            // diff.mean is candidate − baseline.
            let worse = direction.isWorse(diff.mean, than: 0), better = direction.isWorse(0, than: diff.mean)
            let significant = worse && diff.pValue < alpha
            let change = worse ? "worse by \(f(abs(diff.mean)))" : better ? "better by \(f(abs(diff.mean)))" : "unchanged"
            add("no_significant_regression", !significant, diff.pValue, alpha,
                String(format: "%@ (%@), 95%% CI of the difference %@ (%@), p = %.4g (%@, n = %d); fails when worse with p < %.3g",
                       change, move, ciText(diff, metric: row.metric), diff.method.rawValue, diff.pValue, diff.test, diff.n, alpha))
        }
        return out
    }

    /// `[−0.2, 0.1]` in the gate's number format, or `[not estimable]`.
    static func ciText(_ d: PairedDifference, metric: String) -> String {
        guard let lo = d.low, let hi = d.high else { return "[not estimable]" }
        return "[\(SummaryTables.formatScore(lo, metric: metric)), \(SummaryTables.formatScore(hi, metric: metric))]"
    }

    static func performanceChecks(_ run: LoadedRun, rules: GateRules) -> [GateCheck] {
        var out: [GateCheck] = []
        let byLanguage = Dictionary(grouping: run.items, by: \.language)
        let suite = run.run.suiteID
        for language in byLanguage.keys.sorted() + ["all"] {
            let items = language == "all" ? run.items : byLanguage[language]!
            let stats = PerformanceStats.of(items)
            let l = rules.limits(suite: suite, language: language, metric: nil)
            func add(_ check: String, _ passed: Bool, _ measured: Double, _ limit: Double, _ detail: String) {
                out.append(GateCheck(check: check, rules: l.source(of: check), suite: suite, language: language, metric: nil,
                                     passed: passed, measured: measured, limit: limit, detail: detail))
            }
            if let max = l.maxErrorRate {
                add("max_error_rate", stats.errorRate <= max, stats.errorRate, max,
                    String(format: "%d of %d items sent ended in endpoint errors (%.1f%%; allowed %.1f%%)", stats.errors, stats.sent, stats.errorRate * 100, max * 100))
            }
            if let budget = l.latencyP95Ms, let p95 = stats.latencyP95 {
                add("latency_p95_ms", p95 * 1000 <= budget, p95 * 1000, budget, String(format: "latency p95 %.0f ms (budget %.0f ms)", p95 * 1000, budget))
            } else if let budget = l.latencyP95Ms, stats.sent == 0, let reuse = stats.reuseSummary {
                add("latency_p95_ms", false, .nan, budget, "no latency was measured: \(reuse); run the candidate with \(CLIFlag.noCache)")
            }
            if let budget = l.ttftP95Ms {
                if let t = stats.ttftP95 {
                    add("ttft_p95_ms", t * 1000 <= budget, t * 1000, budget, String(format: "time to first token p95 %.0f ms (budget %.0f ms)", t * 1000, budget))
                } else {
                    add("ttft_p95_ms", false, .nan, budget, "no time to first token was measured; run the candidate with \(CLIFlag.stream)")
                }
            }
            guard language == "all" else { continue }
            let sl = rules.suiteLimits(suite: suite, metric: nil)
            guard sl.minPassAll != nil || sl.minAgreement != nil else { continue }
            guard let sampling = SamplingStats.of(items) else {
                let check = sl.minPassAll != nil ? "min_pass_all" : "min_agreement"
                out.append(GateCheck(check: check, rules: sl.source(of: check), suite: suite,
                                     language: "all", metric: nil, passed: false, measured: .nan, limit: sl.minPassAll ?? sl.minAgreement ?? 0,
                                     detail: "the rule needs several samples per item; run the candidate with \(CLIFlag.samples) K (K ≥ 2)"))
                continue
            }
            if let minAgreement = sl.minAgreement {
                out.append(GateCheck(check: "min_agreement", rules: sl.source(of: "min_agreement"), suite: suite, language: "all", metric: nil,
                                     passed: sampling.agreement >= minAgreement, measured: sampling.agreement, limit: minAgreement,
                                     detail: String(format: "samples agree on %.1f%% of items (minimum %.1f%%)", sampling.agreement * 100, minAgreement * 100)))
            }
            if sl.minPassAll != nil {
                for metric in sampling.passAt.keys.sorted() {
                    let ml = rules.suiteLimits(suite: suite, metric: metric)
                    guard let limit = ml.minPassAll else { continue }
                    let v = sampling.passAt[metric]!.passAllK
                    out.append(GateCheck(check: "min_pass_all", rules: ml.source(of: "min_pass_all"), suite: suite, language: "all", metric: metric,
                                         passed: v >= limit, measured: v, limit: limit,
                                         detail: String(format: "pass^%d %.3f (minimum %.3f)", sampling.samplesPerItem, v, limit)))
                }
            }
        }
        return out
    }

    static func worstItems(failing: [GateCheck], baseline: [LoadedRun], candidate: [LoadedRun]) -> [RegressedItem] {
        var out: [RegressedItem] = []
        var seen = Set<String>()
        for check in failing {
            guard let metric = check.metric, seen.insert("\(check.suite)\u{1F}\(check.language)\u{1F}\(metric)").inserted,
                  let b = baseline.first(where: { $0.run.suiteID == check.suite }),
                  let c = candidate.first(where: { $0.run.suiteID == check.suite }) else { continue }
            let base = ItemScores(b.items), cand = ItemScores(c.items)
            let outputs = Dictionary(c.items.map { ($0.itemID, $0.response.text) }, uniquingKeysWith: { a, _ in a })
            let direction = MetricRegistry.direction(ofMetric: metric)
            var items: [RegressedItem] = []
            for (id, bv) in base.values[metric] ?? [:] {
                let language = base.languages[id] ?? ""
                guard check.language == "all" || language == check.language, let cv = cand.values[metric]?[id] else { continue }
                let drop = direction.worsening(from: bv, to: cv)
                if drop > 0 {
                    items.append(RegressedItem(suite: check.suite, itemID: id, language: language, metric: metric,
                                               baseline: bv, candidate: cv, candidateOutput: outputs[id] ?? nil))
                }
            }
            items.sort { abs($0.baseline - $0.candidate) != abs($1.baseline - $1.candidate)
                ? abs($0.baseline - $0.candidate) > abs($1.baseline - $1.candidate) : $0.itemID < $1.itemID }
            out += items.prefix(10)
        }
        return out
    }
}
