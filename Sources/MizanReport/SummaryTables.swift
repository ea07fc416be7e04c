import Foundation
import MizanCore
import MizanMetrics

/// Renders run summaries as tables and JSON.
public enum SummaryTables {
    /// Formats a score for display (0–1 metrics as-is with 3 decimals; 0–100 with 2; a million and above, e.g. the
    /// word perplexity of a model that barely knows a language, in scientific notation: `1.052e+25`).
    public static func format(_ x: Double) -> String {
        if abs(x) >= 1e6 { return String(format: "%.3e", x) }
        return abs(x) > 1.0001 ? String(format: "%.2f", x) : String(format: "%.3f", x)
    }

    /// `[0.690, 0.780]`, or `[not estimable]` when the interval could not be computed.
    public static func interval(_ m: MeanWithCI) -> String {
        guard let lo = m.low, let hi = m.high else { return "[not estimable]" }
        return "[\(format(lo)), \(format(hi))]"
    }

    /// Metrics whose values lie around 1 and whose differences matter in the third decimal (bits per byte:
    /// 0.873 against 0.861), printed with 3 decimals below 100 instead of switching to 2 above 1.
    public static let threeDecimalMetrics: Set<String> = ["bits_per_byte", "byte_perplexity", "brier"]

    /// A score of `metric`: `format`, except 3 decimals for `threeDecimalMetrics` below 100.
    public static func formatScore(_ x: Double, metric: String) -> String {
        threeDecimalMetrics.contains(metric) && abs(x) < 100 ? String(format: "%.3f", x) : format(x)
    }

    /// `interval` with the numbers formatted as `formatScore` formats `metric`.
    public static func interval(_ m: MeanWithCI, metric: String) -> String {
        guard let lo = m.low, let hi = m.high else { return "[not estimable]" }
        return "[\(formatScore(lo, metric: metric)), \(formatScore(hi, metric: metric))]"
    }

    /// A CI as JSON: `[low, high]`, or null when not estimable.
    public static func ciJSON(_ low: Double?, _ high: Double?) -> JSONValue {
        guard let low, let high else { return .null }
        return .array([.number(low), .number(high)])
    }

    /// Rows: language × metric (then item tag × metric), with mean, 95% CI, n and corpus score; a log-likelihood
    /// multiple-choice run adds its expected calibration error (`ece`) per language, marked as having no CI.
    /// With `marks` (not for CSV) lower-is-better metrics read `bits_per_byte ↓` and the header says what ↓ means.
    public static func metricsTable(_ s: RunSummary, marks: Bool = true) -> Table {
        let names = s.metricNames
        let anyLower = !s.calibration.isEmpty || names.contains { MetricRegistry.direction(ofMetric: $0) == .lowerIsBetter }
        var t = Table(header: ["language", marks && anyLower ? "metric (↓ lower is better)" : "metric", "mean", "95% CI", "CI method", "n", "corpus"],
                      fit: [.elastic(min: 12), .elastic(min: 17)])
        for lang in Set(s.byLanguage.keys).union(s.calibration.keys.filter { $0 != "all" }).sorted() + ["all"] {
            for metric in names {
                guard let m = lang == "all" ? s.metrics[metric] : s.byLanguage[lang]?[metric] else { continue }
                let corpus = s.corpus[metric]?[lang].map(format) ?? ""
                t.rows.append([lang, metricLabel(metric, marks: marks), formatScore(m.mean, metric: metric), interval(m, metric: metric),
                               m.methodLabel, String(m.n), corpus])
            }
            if let e = s.calibration[lang] { t.rows.append(calibrationRow(lang, e, marks: marks)) }
        }
        for tag in s.byTag.keys.sorted() {
            for metric in names {
                guard let m = s.byTag[tag]?[metric] else { continue }
                t.rows.append(["tag:\(tag)", metricLabel(metric, marks: marks), formatScore(m.mean, metric: metric), interval(m, metric: metric),
                               m.methodLabel, String(m.n), ""])
            }
        }
        return t
    }

    /// The metric's name, with ` ↓` after lower-is-better metrics when `marks` is set.
    public static func metricLabel(_ metric: String, marks: Bool = true) -> String {
        marks && MetricRegistry.direction(ofMetric: metric) == .lowerIsBetter ? metric + " " + MetricDirection.lowerIsBetter.arrow : metric
    }

    /// The label of an interval column for a suite-level figure, which has none.
    public static let noIntervalLabel = "none: suite-level figure"

    /// `language, ece ↓, value, –, none: suite-level figure, n, ""`.
    static func calibrationRow(_ lang: String, _ e: CalibrationFigure, marks: Bool) -> [String] {
        [lang, metricLabel(CalibrationFigure.name, marks: marks), format(e.ece), "–", noIntervalLabel, String(e.n), ""]
    }

    /// One row per run × language × metric: the overview printed after several suites.
    public static func acrossRuns(_ summaries: [RunSummary], marks: Bool = true) -> Table {
        var t = Table(header: ["suite", "language", "metric", "mean", "95% CI", "CI method", "n", "errors", "run"],
                      fit: [.elastic(min: 14), .fixed, .elastic(min: 10)])
        for s in summaries {
            for lang in Set(s.byLanguage.keys).union(s.calibration.keys.filter { $0 != "all" }).sorted() {
                let errors = String(s.performanceByLanguage[lang]?.errors ?? 0)
                for metric in s.metricNames {
                    guard let m = s.byLanguage[lang]?[metric] else { continue }
                    t.rows.append(["\(s.run.suiteID)@\(s.run.suiteVersion)", lang, metricLabel(metric, marks: marks), formatScore(m.mean, metric: metric),
                                   interval(m, metric: metric), m.methodLabel, String(m.n), errors, String(s.run.id.prefix(24))])
                }
                if let e = s.calibration[lang] {
                    t.rows.append(["\(s.run.suiteID)@\(s.run.suiteVersion)"] + Array(calibrationRow(lang, e, marks: marks).prefix(6))
                                  + [errors, String(s.run.id.prefix(24))])
                }
            }
        }
        return t
    }

    /// Key facts of the run as a two-column table.
    public static func overview(_ s: RunSummary) -> Table {
        var t = Table(header: ["field", "value"], fit: [.fixed, .wrap(min: 40)])
        func ms(_ x: Double?) -> String { x.map { String(format: "%.1f ms", $0 * 1000) } ?? "–" }
        t.rows = [
            ["run", s.run.id], ["suite", "\(s.run.suiteID)@\(s.run.suiteVersion) (\(s.run.suiteHash.prefix(12)))"],
            ["endpoint", "\(s.run.endpoint) · model \(s.run.model)"], ["status", s.run.status.rawValue],
            ["items", "\(s.items) stored of \(s.run.itemCount)"],
        ]
        t.rows += reuseAndErrorRows(s)
        t.rows += [
            ["latency p50 / p95", "\(ms(s.latencyP50)) / \(ms(s.latencyP95))"],
            ["time to first token p50", ms(s.ttftP50)],
            ["tokens (prompt / completion)", "\(s.promptTokens) / \(s.completionTokens)"],
        ]
        if let r = s.invalidAnswerRate { t.rows.append(["choice invalid-answer rate", String(format: "%.1f%%", r * 100)]) }
        return t
    }

    /// Overview rows: answers reused (if any), errors over the items sent with their kinds, and the most frequent
    /// error messages with counts.
    static func reuseAndErrorRows(_ s: RunSummary) -> [[String]] {
        let p = s.performance
        var rows: [[String]] = []
        if let note = p.reuseNote { rows.append(["answers reused", note]) }
        if s.errors == 0 {
            rows.append(["errors", "0"])
        } else {
            let kinds = s.errorKinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            rows.append(["errors", String(format: "%d of %d sent (%.1f%%): %@", s.errors, p.sent, p.errorRate * 100, kinds)])
        }
        for (i, e) in p.topErrors.enumerated() {
            rows.append([i == 0 ? "most frequent errors" : "", "\(e.count) × \(e.message)"])
        }
        return rows
    }

    /// The machine-readable summary (`--json`): run_id, items, errors, metrics (name → mean), and details.
    public static func json(_ s: RunSummary) -> JSONValue {
        func ci(_ m: MeanWithCI) -> JSONValue {
            .object(["mean": .number(m.mean), "ci95": ciJSON(m.low, m.high), "n": .number(Double(m.n)),
                     "ci_method": .string(m.method.rawValue), "clusters": m.clusters.map { .number(Double($0)) } ?? .null])
        }
        var o: [String: JSONValue] = [
            "run_id": .string(s.run.id), "status": .string(s.run.status.rawValue), "suite": .string(s.run.suiteID),
            "suite_version": .string(s.run.suiteVersion), "suite_hash": .string(s.run.suiteHash),
            "endpoint": .string(s.run.endpoint), "model": .string(s.run.model),
            "items": .number(Double(s.items)), "errors": .number(Double(s.errors)),
            "sent": .number(Double(s.performance.sent)), "reused": .number(Double(s.performance.reused)),
            "reused_from": s.performance.reusedFromJSON, "error_rate": .number(s.performance.errorRate),
            "top_errors": .array(s.performance.topErrors.map(\.json)),
            "error_kinds": .object(s.errorKinds.mapValues { .number(Double($0)) }),
            "metrics": .object(s.metrics.mapValues { .number($0.mean) }),
            "metrics_ci": .object(s.metrics.mapValues(ci)),
            "by_language": .object(s.byLanguage.mapValues { .object($0.mapValues(ci)) }),
            "by_tag": .object(s.byTag.mapValues { .object($0.mapValues(ci)) }),
            "corpus": .object(s.corpus.mapValues { .object($0.mapValues { .number($0) }) }),
            "suite_figures": s.calibration.isEmpty ? .object([:]) : .object([CalibrationFigure.name: .object(s.calibration.mapValues(\.json))]),
            "metric_directions": .object(Dictionary(uniqueKeysWithValues: (Set(s.metricNames).union(s.metrics.keys)).map {
                ($0, JSONValue.string(MetricRegistry.direction(ofMetric: $0).rawValue))
            })),
            "prompt_tokens": .number(Double(s.promptTokens)), "completion_tokens": .number(Double(s.completionTokens)),
        ]
        o["performance"] = .object(["all": s.performance.json,
                                    "by_language": .object(s.performanceByLanguage.mapValues(\.json)),
                                    "wall_seconds": s.wallSeconds.map { .number($0) } ?? .null])
        // Absent measurements are JSON nulls, so every summary has the same keys (docs/run-json.md).
        func n(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        o["latency_p50"] = n(s.latencyP50)
        o["latency_p95"] = n(s.latencyP95)
        o["ttft_p50"] = n(s.ttftP50)
        o["choice_invalid_rate"] = n(s.invalidAnswerRate)
        if let sm = s.sampling {
            o["sampling"] = .object([
                "samples_per_item": .number(Double(sm.samplesPerItem)), "agreement": .number(sm.agreement),
                "pass_at": .object(sm.passAt.mapValues { .object(["pass@1": .number($0.pass1), "pass@k": .number($0.passK),
                                                                  "pass^k": .number($0.passAllK)]) }),
            ])
        }
        return .object(o)
    }
}
