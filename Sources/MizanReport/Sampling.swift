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
        var acc = SamplingAccumulator()
        for item in items { acc.add(item) }
        return acc.stats
    }
}

/// Collects `SamplingStats` item by item: per item id, the trimmed outputs and metric values only.
public struct SamplingAccumulator: Sendable {
    private var byItem: [String: (samples: Int, outputs: [String], values: [String: [Double]])] = [:]

    public init() {}

    /// Adds one stored sample.
    public mutating func add(_ item: ItemRecord) {
        var entry = byItem[item.itemID] ?? (0, [], [:])
        entry.samples += 1
        if item.response.failure == nil, let text = item.response.text {
            entry.outputs.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for score in item.scores { if let v = score.value { entry.values[score.metric, default: []].append(v) } }
        byItem[item.itemID] = entry
    }

    /// The statistics, or nil when every item has one sample.
    public var stats: SamplingStats? {
        let k = byItem.values.map(\.samples).max() ?? 0
        guard k > 1 else { return nil }
        var perMetric: [String: [[Double]]] = [:]
        var agreeing = 0, considered = 0
        for (_, entry) in byItem {
            if entry.outputs.count > 1 {
                considered += 1
                if Set(entry.outputs).count == 1 { agreeing += 1 }
            }
            for (metric, v) in entry.values { perMetric[metric, default: []].append(v) }
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
