import MizanCore
import MizanStore

/// Item-level listings of a run.
public enum ItemTable {
    /// One row per item: id, language, status, output (shortened), scores.
    public static func table(_ items: [ItemRecord]) -> Table {
        var t = Table(header: ["item", "lang", "status", "output", "scores"])
        for i in items {
            let status = i.response.failure.map { "error: \($0.kind.rawValue)" } ?? (i.response.reused ? "ok (reused)" : "ok")
            let output = i.response.failure?.message ?? i.response.text ?? ""
            let short = output.unicodeScalars.count > 60 ? String(String.UnicodeScalarView(output.unicodeScalars.prefix(60))) + "…" : output
            let scores = i.scores.map { "\($0.metric)=\($0.value.map(SummaryTables.format) ?? "n/a")" }.joined(separator: " ")
            t.rows.append([i.itemID, i.language, status, short.replacingOccurrences(of: "\n", with: "⏎"), scores])
        }
        return t
    }

    /// Every item as JSON (output, measurements, error, scores); a reused answer has `reused: true`, `reused_from`
    /// (its origin run, null if unknown) and a null `latency`: it was not measured in this run.
    public static func json(_ items: [ItemRecord]) -> JSONValue {
        .array(items.map { i in
            var o: [String: JSONValue] = [
                "id": .string(i.itemID), "lang": .string(i.language), "http_status": .number(Double(i.response.httpStatus)),
                "latency": i.response.reused ? .null : .number(i.response.latency), "output": i.response.text.map { .string($0) } ?? .null,
                "reused": .bool(i.response.reused), "reused_from": i.response.reusedFrom.map { .string($0) } ?? .null,
                "scores": .object(Dictionary(uniqueKeysWithValues: i.scores.map { ($0.metric, $0.value.map { .number($0) } ?? .null) })),
            ]
            if let t = i.response.timeToFirstToken { o["ttft"] = .number(t) }
            if let f = i.response.finishReason { o["finish_reason"] = .string(f) }
            if let p = i.response.usage.promptTokens { o["prompt_tokens"] = .number(Double(p)) }
            if let c = i.response.usage.completionTokens { o["completion_tokens"] = .number(Double(c)) }
            if let f = i.response.failure { o["error"] = .object(["kind": .string(f.kind.rawValue), "message": .string(f.message)]) }
            return .object(o)
        })
    }
}
