import MizanCore
import MizanStore

/// Repetition statistics of a run with several samples per item (`--samples K`).
public struct SamplingStats: Sendable, Hashable {
    /// Samples per item (the most seen).
    public var samplesPerItem: Int
    /// Metric → pass@1 (mean share of correct samples), pass@K (some sample correct) and
    /// pass^K (every sample correct), over items; only for metrics whose scores are all 0 or 1.
    public var passAt: [String: (pass1: Double, passK: Double, passAllK: Double)]
    /// Share of items whose successful samples all gave the same output (after trimming).
    public var agreement: Double

    public static func == (a: SamplingStats, b: SamplingStats) -> Bool {
        a.samplesPerItem == b.samplesPerItem && a.agreement == b.agreement
            && a.passAt.keys == b.passAt.keys && a.passAt.allSatisfy { k, v in b.passAt[k].map { $0 == v } ?? false }
    }

    public func hash(into h: inout Hasher) { h.combine(samplesPerItem); h.combine(agreement) }

    /// The statistics of `items`, or nil when every item has one sample.
    public static func of(_ items: [ItemRecord]) -> SamplingStats? {
        let byItem = Dictionary(grouping: items, by: \.itemID)
        let k = byItem.values.map(\.count).max() ?? 0
        guard k > 1 else { return nil }
        var perMetric: [String: [[Double]]] = [:]
        var agreeing = 0, considered = 0
        for (_, samples) in byItem {
            let outputs = samples.compactMap { $0.response.failure == nil ? $0.response.text?.trimmingCharacters(in: .whitespacesAndNewlines) : nil }
            if outputs.count > 1 {
                considered += 1
                if Set(outputs).count == 1 { agreeing += 1 }
            }
            var values: [String: [Double]] = [:]
            for s in samples { for score in s.scores { if let v = score.value { values[score.metric, default: []].append(v) } } }
            for (metric, v) in values { perMetric[metric, default: []].append(v) }
        }
        var passAt: [String: (Double, Double, Double)] = [:]
        for (metric, perItem) in perMetric where perItem.allSatisfy({ $0.allSatisfy { $0 == 0 || $0 == 1 } }) {
            let n = Double(perItem.count)
            passAt[metric] = (perItem.map { $0.reduce(0, +) / Double($0.count) }.reduce(0, +) / n,
                              Double(perItem.filter { $0.contains(1) }.count) / n,
                              Double(perItem.filter { $0.count == k && $0.allSatisfy { $0 == 1 } }.count) / n)
        }
        return SamplingStats(samplesPerItem: k, passAt: passAt, agreement: considered == 0 ? 0 : Double(agreeing) / Double(considered))
    }
}

extension SummaryTables {
    /// pass@1, pass@K, pass^K and agreement for a multi-sample run.
    public static func samplingTable(_ s: SamplingStats) -> Table {
        var t = Table(header: ["metric", "pass@1", "pass@\(s.samplesPerItem)", "pass^\(s.samplesPerItem)", "agreement"])
        for metric in s.passAt.keys.sorted() {
            let p = s.passAt[metric]!
            t.rows.append([metric, format(p.pass1), format(p.passK), format(p.passAllK), format(s.agreement)])
        }
        if t.rows.isEmpty { t.rows.append(["–", "–", "–", "–", format(s.agreement)]) }
        return t
    }
}
