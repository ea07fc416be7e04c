import Foundation
import MizanCore
import MizanStore
import MizanText

/// Latency, throughput and token cost of a slice of a run (all items, or one language).
public struct PerformanceStats: Sendable, Hashable {
    /// Items in the slice.
    public var items: Int
    /// Items that ended in an endpoint error.
    public var errors: Int
    /// Median and 95th-percentile latency (s) of successful items.
    public var latencyP50: Double?
    /// 95th-percentile latency (s).
    public var latencyP95: Double?
    /// Median and 95th-percentile time to first token (s), streaming only.
    public var ttftP50: Double?
    /// 95th-percentile time to first token (s).
    public var ttftP95: Double?
    /// Median inter-token time (s): (latency − TTFT) / (completion tokens − 1), streaming only.
    public var interTokenP50: Double?
    /// Median output tokens per second (completion tokens over generation time).
    public var tokensPerSecondP50: Double?
    /// Prompt tokens (the endpoint's `usage`) per word (Unicode-letter words) of the rendered prompt sent.
    public var fertility: Double?
    /// Retries spent (attempts beyond the first).
    public var retries: Int

    /// Error rate of the slice.
    public var errorRate: Double { items == 0 ? 0 : Double(errors) / Double(items) }

    /// Computes the stats of `items`.
    public static func of(_ items: [ItemRecord]) -> PerformanceStats {
        var acc = PerformanceAccumulator()
        for item in items { acc.add(item) }
        return acc.stats
    }

    /// The stats as JSON (seconds, rates and ratios as numbers; absent values as null).
    public var json: JSONValue {
        func n(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        return .object(["items": .number(Double(items)), "errors": .number(Double(errors)), "error_rate": .number(errorRate),
                        "latency_p50": n(latencyP50), "latency_p95": n(latencyP95), "ttft_p50": n(ttftP50), "ttft_p95": n(ttftP95),
                        "inter_token_p50": n(interTokenP50), "tokens_per_second_p50": n(tokensPerSecondP50),
                        "fertility": n(fertility), "retries": .number(Double(retries))])
    }
}

/// Collects `PerformanceStats` item by item, keeping only the numbers it needs.
public struct PerformanceAccumulator: Sendable {
    private var latencies: [Double] = [], ttfts: [Double] = [], itts: [Double] = [], tps: [Double] = []
    private var items = 0, promptTokens = 0, words = 0, retries = 0, errors = 0

    public init() {}

    /// Adds one item.
    public mutating func add(_ item: ItemRecord) {
        items += 1
        let r = item.response
        retries += max(0, r.attempts - 1)
        if r.failure != nil { errors += 1; return }
        latencies.append(r.latency)
        if let t = r.timeToFirstToken { ttfts.append(t) }
        if let c = r.usage.completionTokens, c > 0 {
            let generation = r.latency - (r.timeToFirstToken ?? 0)
            if generation > 0 { tps.append(Double(c) / generation) }
            if let t = r.timeToFirstToken, c > 1 { itts.append((r.latency - t) / Double(c - 1)) }
        }
        // The endpoint counts every token of the prompt it was sent (template and few-shot examples included),
        // so the words are counted over the same text: the rendered prompt (the item's input if none is stored).
        if let p = r.usage.promptTokens, let text = item.prompt.isEmpty ? item.fields["input"]?.stringValue : item.prompt {
            let n = Tokenizer.words(text).count
            if n > 0 { promptTokens += p; words += n }
        }
    }

    /// The stats of the items added so far.
    public var stats: PerformanceStats {
        PerformanceStats(items: items, errors: errors,
                         latencyP50: Summarizer.percentile(latencies, 0.5), latencyP95: Summarizer.percentile(latencies, 0.95),
                         ttftP50: Summarizer.percentile(ttfts, 0.5), ttftP95: Summarizer.percentile(ttfts, 0.95),
                         interTokenP50: Summarizer.percentile(itts, 0.5), tokensPerSecondP50: Summarizer.percentile(tps, 0.5),
                         fertility: words > 0 ? Double(promptTokens) / Double(words) : nil, retries: retries)
    }
}

extension SummaryTables {
    /// Rows: each language and all, with error rate, latency, TTFT, tokens/s and token fertility.
    public static func performanceTable(_ summary: RunSummary) -> Table {
        var t = Table(header: ["language", "items", "errors", "latency p50", "p95", "TTFT p50", "tok/s p50", "fertility", "retries"])
        func ms(_ x: Double?) -> String { x.map { String(format: "%.0f ms", $0 * 1000) } ?? "–" }
        func row(_ name: String, _ s: PerformanceStats) -> [String] {
            [name, String(s.items), s.errors == 0 ? "0" : String(format: "%d (%.1f%%)", s.errors, s.errorRate * 100),
             ms(s.latencyP50), ms(s.latencyP95), ms(s.ttftP50), s.tokensPerSecondP50.map { String(format: "%.1f", $0) } ?? "–",
             s.fertility.map { String(format: "%.2f", $0) } ?? "–", String(s.retries)]
        }
        for lang in summary.performanceByLanguage.keys.sorted() { t.rows.append(row(lang, summary.performanceByLanguage[lang]!)) }
        var all = row("all", summary.performance)
        if let w = summary.wallSeconds, w > 0 { all[0] = String(format: "all (%.1f req/s)", Double(summary.items) / w) }
        t.rows.append(all)
        return t
    }
}
