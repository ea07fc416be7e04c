import Foundation
import MizanCore
import MizanMetrics

/// Output formats of `mizan compare` (the run-level `TableFormat` plus LaTeX and HTML).
public enum ExportFormat: String, Sendable, CaseIterable {
    /// Aligned columns for a terminal.
    case table
    /// GitHub-flavoured Markdown.
    case md
    /// RFC 4180 CSV (UTF-8, CRLF), one row per slice × column.
    case csv
    /// The documented `mizan.comparison` JSON schema (docs/comparison-json.md).
    case json
    /// A standalone XeLaTeX document with booktabs tables.
    case latex
    /// One self-contained HTML file with tables, inline SVG charts and item drill-down.
    case html
}

/// Renders a comparison as text tables (terminal, Markdown, CSV).
public enum ComparisonTables {
    /// The full report in `format` (table, md or csv; json, latex and html have their own renderers).
    public static func render(_ c: Comparison, format: TableFormat) -> String {
        switch format {
        case .csv: return csv(c)
        case .json: return ComparisonJSON.render(c).prettyJSON + "\n"
        case .table, .md:
            var parts = [scores(c).render(format)]
            if !c.suiteFigures.isEmpty { parts.append(suiteFigures(c).render(format)) }
            parts += [performance(c).render(format), coverage(c).render(format)]
            let notes = self.notes(c)
            if !notes.isEmpty { parts.append(format == .md ? notes.map { "- " + $0 }.joined(separator: "\n") + "\n" : notes.joined(separator: "\n") + "\n") }
            return parts.joined(separator: "\n")
        }
    }

    /// Rows suite × language × metric; per column `mean [low, high]`; per other column the paired difference.
    public static func scores(_ c: Comparison) -> Table {
        let others = c.columns.indices.filter { $0 != c.reference }
        var t = Table(header: ["suite", "language", "metric"] + c.columns.map(\.label)
                      + others.map { "Δ \(c.columns[$0].label) − \(c.columns[c.reference].label)" },
                      fit: [.elastic(min: 12), .fixed, .elastic(min: 17)], keyColumns: 3)
        for row in c.rows {
            var cells = [row.suiteLabel, row.language, SummaryTables.metricLabel(row.metric)]
            for (i, cell) in row.cells.enumerated() {
                var text = cell.map { meanCell($0, metric: row.metric) } ?? "–"
                if let corpus = row.corpus.indices.contains(i) ? row.corpus[i] : nil { text += " corpus \(SummaryTables.format(corpus))" }
                if let p = row.corpusTests.indices.contains(i) ? row.corpusTests[i]?.pValue : nil {
                    text += " (bs \(pText(p))" + (p < c.alpha ? " *" : "") + ")"
                }
                cells.append(text)
            }
            for i in others { cells.append(row.differences[i].map { differenceCell($0, alpha: c.alpha, direction: row.direction, metric: row.metric) } ?? "–") }
            t.rows.append(cells)
        }
        return t
    }

    /// Suite-level figures (expected calibration error) by suite × language: each column's value over the compared
    /// items, and its difference from the reference — no interval, no test.
    public static func suiteFigures(_ c: Comparison) -> Table {
        let others = c.columns.indices.filter { $0 != c.reference }
        var t = Table(header: ["suite", "language", "figure (no CI)"] + c.columns.map(\.label)
                      + others.map { "Δ \(c.columns[$0].label) − \(c.columns[c.reference].label)" },
                      fit: [.elastic(min: 12), .fixed, .elastic(min: 8)], keyColumns: 3)
        for row in c.suiteFigures {
            let diffs = row.differences
            t.rows.append([row.suiteLabel, row.language, SummaryTables.metricLabel(row.figure)]
                          + row.values.map { $0.map { "\(SummaryTables.format($0.ece)) (n = \($0.n))" } ?? "–" }
                          + others.map { i in diffs[i].map { signed($0) } ?? "–" })
        }
        return t
    }

    /// One row per column: items, answers reused, error rate, latency p50/p95, TTFT p50, tokens/s and token
    /// fertility — every figure over the items sent in the column's runs (reused answers only in `reused`).
    public static func performance(_ c: Comparison) -> Table {
        var t = Table(header: ["model", "runs", "items", "reused", "error rate", "latency p50", "latency p95", "TTFT p50", "tok/s p50", "fertility"],
                      fit: [.elastic(min: 12), .elastic(min: 12)], keyColumns: 1)
        for col in c.columns {
            let p = col.performance
            t.rows.append([col.label, col.runs.map(\.id).joined(separator: " "), String(p.items), String(p.reused),
                           p.sent == 0 ? "–" : String(format: "%.1f%%", p.errorRate * 100), milliseconds(p.latencyP50), milliseconds(p.latencyP95),
                           milliseconds(p.ttftP50), p.tokensPerSecondP50.map { String(format: "%.1f", $0) } ?? "–",
                           p.fertility.map { String(format: "%.2f", $0) } ?? "–"])
        }
        return t
    }

    /// Per suite: items compared and, per column, items dropped because another run lacks them.
    public static func coverage(_ c: Comparison) -> Table {
        var t = Table(header: ["suite", "items compared"] + c.columns.map { "dropped from \($0.label)" },
                      fit: [.elastic(min: 12)], keyColumns: 1)
        for cov in c.coverage {
            t.rows.append([cov.suite, String(cov.commonItems)] + cov.dropped.map { $0.map(String.init) ?? "–" })
        }
        return t
    }

    /// Footnotes: the reference, the tests, and any overridden incomparabilities.
    public static func notes(_ c: Comparison) -> [String] {
        let cellMethods = Set(c.rows.flatMap { $0.cells.compactMap { $0?.method } })
        let diffMethods = Set(c.rows.flatMap { $0.differences.compactMap { $0?.method } })
        let tests = Set(c.rows.flatMap { $0.differences.compactMap { $0?.test } })
        let clustered = c.rows.contains { $0.cells.contains { $0?.clusters != nil } }
        var out = ["Cells: mean [95% CI: \(IntervalMethod.list(cellMethods))]. Δ: paired difference against \(c.columns[c.reference].label) "
                   + "with its 95% CI (\(IntervalMethod.list(diffMethods))) and p-value (\(tests.sorted().joined(separator: ", "))); "
                   + "* marks p < \(trim(c.alpha)). Randomization: \(c.permutations) sign flips, seed \(c.seed)."
                   + (clustered ? " Intervals and tests of clustered suites run over clusters (shared passages, samples of one item)." : "")]
        let lower = Set(c.rows.map(\.metric) + c.suiteFigures.map(\.figure)).filter { MetricRegistry.direction(ofMetric: $0) == .lowerIsBetter }
        if !lower.isEmpty {
            out.append("↓ lower is better (\(lower.sorted().joined(separator: ", "))): there a negative Δ is an improvement. "
                       + "\"better\"/\"worse\" after a significant Δ say which way the column moved against the reference.")
        }
        if !c.suiteFigures.isEmpty {
            out.append("ece: expected calibration error (\(CalibrationFigure.bins) equal-width bins over the top softmax probability of the choices' "
                       + "log-likelihoods), a suite-level figure over the compared items: no CI, no test.")
        }
        for col in c.columns { if let note = col.performance.reuseNote { out.append("\(col.label): \(note).") } }
        for d in c.incomparabilities { out.append("WARNING (compared with \(CLIFlag.allowIncomparable)): \(d)") }
        for d in c.cautions { out.append("NOTE: \(cautionText(d))") }
        return out
    }

    /// A caution in words: what differs and why the runs are compared anyway.
    public static func cautionText(_ d: Incomparability) -> String {
        "\(d); both measure the log-likelihood of the same continuations, through server paths whose numerics can differ slightly "
            + "(docs/likelihood.md, Determinism)"
    }

    /// Long-format CSV: one row per suite × language × metric × column with raw numbers (ASCII minus, full precision).
    public static func csv(_ c: Comparison) -> String {
        var t = Table(header: ["suite", "suite_version", "language", "metric", "model", "runs", "reference", "mean", "ci_low", "ci_high",
                               "ci_method", "clusters", "n", "corpus", "diff", "diff_ci_low", "diff_ci_high", "diff_ci_method", "p_value", "test",
                               "significant", "direction", "answers_reused", "reused_from"])
        func num(_ x: Double?) -> String { x.map { String($0) } ?? "" }
        for row in c.rows {
            let version = row.suiteLabel.split(separator: "@", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            for (i, col) in c.columns.enumerated() {
                guard let cell = row.cells[i] else { continue }
                let d = row.differences[i]
                t.rows.append([row.suite, version, row.language, row.metric, col.label,
                               col.runs.filter { $0.suiteID == row.suite }.map(\.id).joined(separator: " "),
                               i == c.reference ? "true" : "false", num(cell.mean), num(cell.low), num(cell.high),
                               cell.method.rawValue, cell.clusters.map(String.init) ?? "", String(cell.n),
                               num(row.corpus.indices.contains(i) ? row.corpus[i] : nil), num(d?.mean), num(d?.low), num(d?.high),
                               d?.method.rawValue ?? "", num(d?.pValue), d?.test ?? "", d.map { $0.isSignificant(alpha: c.alpha) ? "true" : "false" } ?? "", row.direction.rawValue]
                              + reuseCells(col.performanceBySuite[row.suite]))
            }
        }
        // Suite-level figures: the value in `mean`, no interval (ci_method `none`), the difference without a test.
        for row in c.suiteFigures {
            let version = row.suiteLabel.split(separator: "@", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            let diffs = row.differences
            for (i, col) in c.columns.enumerated() {
                guard let v = row.values[i] else { continue }
                t.rows.append([row.suite, version, row.language, row.figure, col.label,
                               col.runs.filter { $0.suiteID == row.suite }.map(\.id).joined(separator: " "),
                               i == c.reference ? "true" : "false", num(v.ece), "", "", "none", "", String(v.n), "",
                               num(diffs[i]), "", "", "", "", "", "", row.direction.rawValue]
                              + reuseCells(col.performanceBySuite[row.suite]))
            }
        }
        return t.render(.csv)
    }

    /// CSV cells of a run's reused answers: how many, and from which runs (`id:count` separated by spaces, most
    /// frequent first; `unknown` for an origin recorded before schema version 6).
    static func reuseCells(_ p: PerformanceStats?) -> [String] {
        guard let p else { return ["", ""] }
        let from = p.reusedOrigins.map { "\($0.run.isEmpty ? "unknown" : $0.run):\($0.count)" }
        return [String(p.reused), from.joined(separator: " ")]
    }

    /// `0.734 [0.690, 0.780]`, or `0.500 [not estimable]`.
    public static func meanCell(_ m: MeanWithCI) -> String {
        "\(SummaryTables.format(m.mean)) \(SummaryTables.interval(m))"
    }

    /// `meanCell` with the numbers formatted for `metric` (`SummaryTables.formatScore`).
    public static func meanCell(_ m: MeanWithCI, metric: String) -> String {
        "\(SummaryTables.formatScore(m.mean, metric: metric)) \(SummaryTables.interval(m, metric: metric))"
    }

    /// `−0.120 [−0.180, −0.060] p=0.001 * worse` (star when p < alpha, then whether the column is better or worse
    /// than the reference given the metric's `direction`; U+2212 minus signs).
    /// `metric` in `SummaryTables.threeDecimalMetrics` keeps 3 decimals below 100.
    public static func differenceCell(_ d: PairedDifference, alpha: Double, direction: MetricDirection = .higherIsBetter,
                                      metric: String? = nil) -> String {
        let largest = max(abs(d.mean), abs(d.low ?? 0), abs(d.high ?? 0))
        let wide = metric.map { SummaryTables.threeDecimalMetrics.contains($0) } == true ? largest >= 100 : largest > 1.0001
        let interval = d.low.flatMap { lo in d.high.map { "[\(signed(lo, wide: wide)), \(signed($0, wide: wide))]" } } ?? "[not estimable]"
        let verdict = direction.isWorse(d.mean, than: 0) ? " worse" : direction.isWorse(0, than: d.mean) ? " better" : ""
        return "\(signed(d.mean, wide: wide)) \(interval) \(pText(d.pValue))" + (d.isSignificant(alpha: alpha) ? " *" + verdict : "")
    }

    /// A signed number with a typographic minus: `+0.050`, `−0.120`, `0.000`; `wide` (0–100 scales) gives 2 decimals.
    public static func signed(_ x: Double, wide: Bool = false) -> String {
        let s = abs(x) >= 1e6 ? String(format: "%.3e", abs(x)) : String(format: wide ? "%.2f" : "%.3f", abs(x))
        if s.allSatisfy({ $0 == "0" || $0 == "." }) { return s }
        return (x < 0 ? "\u{2212}" : "+") + s
    }

    /// `p=0.012`, or `p<0.001` below a thousandth.
    public static func pText(_ p: Double) -> String { p < 0.001 ? "p<0.001" : String(format: "p=%.3f", p) }

    /// Seconds as whole milliseconds, or `–`.
    static func milliseconds(_ x: Double?) -> String { x.map { String(format: "%.0f ms", $0 * 1000) } ?? "–" }

    /// `0.05` rather than `0.050000`.
    static func trim(_ x: Double) -> String { String(format: "%g", x) }
}
