import Foundation
import MizanCore
import MizanStore
import MizanText

/// Latency, throughput and token cost of a slice of a run (all items, or one language).
///
/// Every figure is over the items *sent* in the run: an answer reused from the response cache was measured
/// in another run, so it is counted in `reused` (by origin run in `reusedFrom`) and in nothing else here —
/// not in latency, TTFT, inter-token time, tokens/s, fertility, retries, or the error rate's denominator.
public struct PerformanceStats: Sendable, Hashable {
    /// Items in the slice (sent and reused).
    public var items: Int
    /// Items that ended in an endpoint error.
    public var errors: Int
    /// Items whose answer was reused from the response cache (no request sent in this run).
    public var reused = 0
    /// Reused items by the run their answer was measured in (`""`: reused before mizan recorded the origin).
    public var reusedFrom: [String: Int] = [:]
    /// The most frequent endpoint error messages, most frequent first (at most `ErrorMessages.shown`).
    public var topErrors: [ErrorCount] = []
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

    /// Items sent in this run (not reused).
    public var sent: Int { items - reused }

    /// Error rate of the slice: errors over the items sent (0 when none was sent).
    public var errorRate: Double { sent == 0 ? 0 : Double(errors) / Double(sent) }

    /// `20 of 21 answers reused from run 20261123-…` (several origins: `from runs A (15), B (5)`; an unknown
    /// origin: `from an earlier run`); nil when nothing was reused.
    public var reuseSummary: String? {
        guard reused > 0 else { return nil }
        let known = reusedOrigins.filter { !$0.run.isEmpty }
        var origins: String
        switch known.count {
        case 0: origins = "an earlier run"
        case 1 where reusedFrom[""] == nil: origins = "run \(known[0].run)"
        default:
            origins = "runs " + known.map { "\($0.run) (\($0.count))" }.joined(separator: ", ")
            if let unknown = reusedFrom[""] { origins += ", an earlier run (\(unknown))" }
        }
        return "\(reused) of \(items) answer\(items == 1 ? "" : "s") reused from \(origins)"
    }

    /// `reusedFrom` with the most frequent origin first (ties in run id order).
    public var reusedOrigins: [(run: String, count: Int)] {
        reusedFrom.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, $0.value) }
    }

    /// `reusedFrom` as JSON: run id → count, the unknown origin under `unknown`.
    public var reusedFromJSON: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: reusedFrom.map { ($0.key.isEmpty ? "unknown" : $0.key, .number(Double($0.value))) }))
    }

    /// `reuseSummary` and what that means for the figures: over the answers sent, or none at all.
    public var reuseNote: String? {
        reuseSummary.map {
            $0 + " (response cache)" + (sent == 0 ? "; no request was sent in this run, so it has no latency, TTFT, tokens/s or error rate"
                : "; latency, TTFT, tokens/s, retries and error rate are over the \(sent) answer\(sent == 1 ? "" : "s") sent")
        }
    }

    /// Computes the stats of `items`.
    public static func of(_ items: [ItemRecord]) -> PerformanceStats {
        var acc = PerformanceAccumulator()
        for item in items { acc.add(item) }
        return acc.stats
    }

    /// The stats as JSON (seconds, rates and ratios as numbers; absent values as null).
    public var json: JSONValue {
        func n(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        return .object(["items": .number(Double(items)), "sent": .number(Double(sent)), "reused": .number(Double(reused)),
                        "reused_from": reusedFromJSON,
                        "top_errors": .array(topErrors.map(\.json)),
                        "errors": .number(Double(errors)), "error_rate": .number(errorRate),
                        "latency_p50": n(latencyP50), "latency_p95": n(latencyP95), "ttft_p50": n(ttftP50), "ttft_p95": n(ttftP95),
                        "inter_token_p50": n(interTokenP50), "tokens_per_second_p50": n(tokensPerSecondP50),
                        "fertility": n(fertility), "retries": .number(Double(retries))])
    }
}

/// Collects `PerformanceStats` item by item, keeping only the numbers it needs.
public struct PerformanceAccumulator: Sendable {
    private var latencies: [Double] = [], ttfts: [Double] = [], itts: [Double] = [], tps: [Double] = []
    private var items = 0, promptTokens = 0, words = 0, retries = 0, errors = 0, reused = 0
    private var reusedFrom: [String: Int] = [:]
    private var messages = ErrorMessages()

    public init() {}

    /// Adds one item; a reused one only counts as reused (its measurements belong to the run it came from).
    public mutating func add(_ item: ItemRecord) {
        items += 1
        let r = item.response
        if r.reused {
            reused += 1
            reusedFrom[r.reusedFrom ?? "", default: 0] += 1
            return
        }
        retries += max(0, r.attempts - 1)
        if let f = r.failure { errors += 1; messages.add(f); return }
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
        PerformanceStats(items: items, errors: errors, reused: reused, reusedFrom: reusedFrom, topErrors: messages.top,
                         latencyP50: Summarizer.percentile(latencies, 0.5), latencyP95: Summarizer.percentile(latencies, 0.95),
                         ttftP50: Summarizer.percentile(ttfts, 0.5), ttftP95: Summarizer.percentile(ttfts, 0.95),
                         interTokenP50: Summarizer.percentile(itts, 0.5), tokensPerSecondP50: Summarizer.percentile(tps, 0.5),
                         fertility: words > 0 ? Double(promptTokens) / Double(words) : nil, retries: retries)
    }
}

extension SummaryTables {
    /// Rows: each language and all, with error rate, latency, TTFT, tokens/s and token fertility.
    public static func performanceTable(_ summary: RunSummary) -> Table {
        var t = Table(header: ["language", "items", "errors", "latency p50", "p95", "TTFT p50", "tok/s p50", "fertility", "retries"],
                      fit: [.elastic(min: 12)])
        func ms(_ x: Double?) -> String { x.map { String(format: "%.0f ms", $0 * 1000) } ?? "–" }
        func row(_ name: String, _ s: PerformanceStats) -> [String] {
            [name, s.reused == 0 ? String(s.items) : "\(s.items) (\(s.reused) reused)",
             s.errors == 0 ? "0" : String(format: "%d (%.1f%%)", s.errors, s.errorRate * 100),
             ms(s.latencyP50), ms(s.latencyP95), ms(s.ttftP50), s.tokensPerSecondP50.map { String(format: "%.1f", $0) } ?? "–",
             s.fertility.map { String(format: "%.2f", $0) } ?? "–", String(s.retries)]
        }
        for lang in summary.performanceByLanguage.keys.sorted() { t.rows.append(row(lang, summary.performanceByLanguage[lang]!)) }
        var all = row("all", summary.performance)
        // Requests per second: the items sent over the run's wall time (reused answers were not requested).
        if let w = summary.wallSeconds, w > 0, summary.performance.sent > 0 {
            all[0] = String(format: "all (%.1f req/s)", Double(summary.performance.sent) / w)
        }
        t.rows.append(all)
        return t
    }
}
