import Foundation
import MizanCore
import MizanStore

/// Item-level listings of a run.
public enum ItemTable {
    /// One row per item: id, language, status, reference, output (shortened), scores.
    public static func table(_ items: [ItemRecord]) -> Table {
        var t = Table(header: ["item", "lang", "status", "reference", "output", "scores"],
                      fit: [.elastic(min: 12), .fixed, .fixed, .elastic(min: 12), .elastic(min: 16), .elastic(min: 12)])
        for i in items {
            let status = i.response.failure.map { "error: \($0.kind.rawValue)" } ?? (i.response.reused ? "ok (reused)" : "ok")
            let output = i.response.failure?.message ?? i.response.text ?? ""
            let scores = i.scores.map { "\($0.metric)=\($0.value.map(SummaryTables.format) ?? "n/a")" }.joined(separator: " ")
            t.rows.append([i.sample > 0 ? "\(i.itemID) #\(i.sample)" : i.itemID, i.language, status,
                           oneLine(reference(i), 40), oneLine(output, 60), scores])
        }
        return t
    }

    /// The item's reference as shown: the first reference (`+N` when there are more), or the correct choice.
    static func reference(_ i: ItemRecord) -> String {
        if let first = i.references.first { return first + (i.references.count > 1 ? " (+\(i.references.count - 1))" : "") }
        if let a = i.answerIndex, let choices = i.choices, choices.indices.contains(a) {
            return "\(Character(Unicode.Scalar(UInt8(ascii: "A") + UInt8(a))))) \(choices[a])"
        }
        return ""
    }

    /// One line of at most `limit` Unicode scalars (then `…`), newlines shown as ⏎.
    static func oneLine(_ s: String, _ limit: Int) -> String {
        let short = s.unicodeScalars.count > limit ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit))) + "…" : s
        return short.replacingOccurrences(of: "\n", with: "⏎")
    }

    /// The items in suite order: by the position of their id in `suiteOrder` (the suite's item ids, variants
    /// included), then sample; items the order does not know, and every item when it is nil, follow in id
    /// order with numbers compared by value (`item-2` before `item-10`).
    public static func inSuiteOrder(_ items: [ItemRecord], suiteOrder: [String]?) -> [ItemRecord] {
        var position: [String: Int] = [:]
        for (k, id) in (suiteOrder ?? []).enumerated() where position[id] == nil { position[id] = k }
        return items.sorted { a, b in
            switch (position[a.itemID], position[b.itemID]) {
            case (let pa?, let pb?): return pa != pb ? pa < pb : a.sample < b.sample
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil):
                let c = a.itemID.compare(b.itemID, options: [.numeric])
                return c != .orderedSame ? c == .orderedAscending : a.sample < b.sample
            }
        }
    }

    /// Every item as JSON (output, references, measurements, error, scores); a reused answer has `reused: true`,
    /// `reused_from` (its origin run, null if unknown) and a null `latency`: it was not measured in this run.
    public static func json(_ items: [ItemRecord]) -> JSONValue {
        .array(items.map { i in
            var o: [String: JSONValue] = [
                "id": .string(i.itemID), "lang": .string(i.language), "sample": .number(Double(i.sample)),
                "http_status": .number(Double(i.response.httpStatus)), "attempts": .number(Double(i.response.attempts)),
                "latency": i.response.reused ? .null : .number(i.response.latency), "output": i.response.text.map { .string($0) } ?? .null,
                "reused": .bool(i.response.reused), "reused_from": i.response.reusedFrom.map { .string($0) } ?? .null,
                "references": .array(i.references.map { .string($0) }),
                "scores": .object(Dictionary(uniqueKeysWithValues: i.scores.map { ($0.metric, $0.value.map { .number($0) } ?? .null) })),
                "ttft": i.response.timeToFirstToken.map { .number($0) } ?? .null,
                "finish_reason": i.response.finishReason.map { .string($0) } ?? .null,
                "prompt_tokens": i.response.usage.promptTokens.map { .number(Double($0)) } ?? .null,
                "completion_tokens": i.response.usage.completionTokens.map { .number(Double($0)) } ?? .null,
                "error": i.response.failure.map { .object(["kind": .string($0.kind.rawValue), "message": .string($0.message)]) } ?? .null,
            ]
            if let choices = i.choices { o["choices"] = .array(choices.map { .string($0) }) }
            if let a = i.answerIndex { o["answer_index"] = .number(Double(a)) }
            return .object(o)
        })
    }
}
