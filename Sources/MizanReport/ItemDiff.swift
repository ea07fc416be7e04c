import Foundation
import MizanCore
import MizanMetrics
import MizanStore

/// One item whose score on one metric changed between two runs.
public struct ItemChange: Sendable, Hashable {
    /// Item id.
    public var itemID: String
    /// Language tag.
    public var language: String
    /// Metric name.
    public var metric: String
    /// Score in run A (mean over samples).
    public var before: Double
    /// Score in run B.
    public var after: Double
    /// True when B is worse than A (lower, or higher for lower-is-better metrics: `MetricRegistry.direction(ofMetric:)`).
    public var isRegression: Bool
    /// The prompt (from run A).
    public var prompt: String
    /// The item's references.
    public var references: [String]
    /// Run A's output (first sample), or its endpoint error.
    public var outputA: String
    /// Run B's output (first sample), or its endpoint error.
    public var outputB: String
}

/// Filters of `mizan diff`.
public struct ItemDiffFilter: Sendable {
    /// Only this metric.
    public var metric: String?
    /// Only this language tag.
    public var language: String?
    /// Only items where B is worse than A.
    public var regressionsOnly = false
    /// A filter; all nil/false keeps every changed item.
    public init(metric: String? = nil, language: String? = nil, regressionsOnly: Bool = false) {
        self.metric = metric
        self.language = language
        self.regressionsOnly = regressionsOnly
    }
}

/// Item-level differences between two runs of the same suite.
public enum ItemDiff {
    /// Items scored in both runs whose score changed, regressions first (largest change first), then improvements.
    public static func changes(_ a: LoadedRun, _ b: LoadedRun, filter: ItemDiffFilter = ItemDiffFilter()) -> [ItemChange] {
        let sa = ItemScores(a.items), sb = ItemScores(b.items)
        let firstA = firstSamples(a.items), firstB = firstSamples(b.items)
        var out: [ItemChange] = []
        let metrics = Set(sa.values.keys).intersection(sb.values.keys).sorted()
        for metric in metrics where filter.metric == nil || filter.metric == metric {
            for (id, before) in sa.values[metric] ?? [:] {
                guard let after = sb.values[metric]?[id], abs(after - before) > 1e-12,
                      let ia = firstA[id], let ib = firstB[id] else { continue }
                if let l = filter.language, ia.language != l { continue }
                let regression = MetricRegistry.direction(ofMetric: metric).isWorse(after, than: before)
                if filter.regressionsOnly && !regression { continue }
                out.append(ItemChange(itemID: id, language: ia.language, metric: metric, before: before, after: after,
                                      isRegression: regression, prompt: ia.prompt, references: ia.references,
                                      outputA: output(ia), outputB: output(ib)))
            }
        }
        return out.sorted {
            if $0.isRegression != $1.isRegression { return $0.isRegression }
            let d0 = abs($0.after - $0.before), d1 = abs($1.after - $1.before)
            if d0 != d1 { return d0 > d1 }
            return ($0.itemID, $0.metric) < ($1.itemID, $1.metric)
        }
    }

    /// The first stored sample of each item.
    static func firstSamples(_ items: [ItemRecord]) -> [String: ItemRecord] {
        var out: [String: ItemRecord] = [:]
        for i in items where out[i.itemID].map({ i.sample < $0.sample }) ?? true { out[i.itemID] = i }
        return out
    }

    /// The output text, or `[error kind: message]`.
    static func output(_ i: ItemRecord) -> String {
        if let f = i.response.failure { return "[error \(f.kind.rawValue): \(f.message)]" }
        return i.response.text ?? ""
    }

    /// Side-by-side table: item, language, metric, A → B, both outputs (shortened to `width` characters).
    public static func table(_ changes: [ItemChange], labelA: String, labelB: String, width: Int = 60) -> Table {
        var t = Table(header: ["item", "lang", "metric", "change", "reference", labelA, labelB],
                      fit: [.elastic(min: 10), .fixed, .elastic(min: 8), .fixed, .elastic(min: 12), .elastic(min: 12), .elastic(min: 12)])
        for c in changes {
            t.rows.append([c.itemID, c.language, c.metric,
                           "\(SummaryTables.formatScore(c.before, metric: c.metric)) → \(SummaryTables.formatScore(c.after, metric: c.metric))" + (c.isRegression ? " ▼" : " ▲"),
                           short(c.references.first ?? "", width), short(c.outputA, width), short(c.outputB, width)])
        }
        return t
    }

    /// The changes as JSON (full texts).
    public static func json(_ changes: [ItemChange], runA: String, runB: String) -> JSONValue {
        .object(["schema": .string("mizan.diff"), "schema_version": .number(1), "run_a": .string(runA), "run_b": .string(runB),
                 "changes": .array(changes.map { c in
                     .object(["item": .string(c.itemID), "language": .string(c.language), "metric": .string(c.metric),
                              "before": .number(c.before), "after": .number(c.after), "regression": .bool(c.isRegression),
                              "prompt": .string(c.prompt), "references": .array(c.references.map { .string($0) }),
                              "output_a": .string(c.outputA), "output_b": .string(c.outputB)])
                 })])
    }

    /// One line, at most `width` characters (grapheme clusters), newlines shown as ⏎; `Int.max` keeps the text as is.
    static func short(_ s: String, _ width: Int) -> String {
        if width == Int.max { return s }
        let flat = s.replacingOccurrences(of: "\r\n", with: "⏎").replacingOccurrences(of: "\n", with: "⏎")
        return flat.count > width ? String(flat.prefix(width)) + "…" : flat
    }
}
