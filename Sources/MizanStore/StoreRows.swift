import Foundation
import MizanCore

/// Turns rows of the shared schema (same columns in SQLite and PostgreSQL) into records.
enum StoreRows {
    /// The `runs` columns in the order `runRecord` reads them.
    static let runColumns = "id, suite_id, suite_version, suite_hash, endpoint, model, status, started_at, finished_at, item_count, manifest"

    /// The `responses` columns in the order `itemRecords` reads them.
    static let itemColumns = """
        item_id, lang, request_hash, prompt, output, http_status, latency, ttft, prompt_tokens, completion_tokens,
        finish_reason, error_kind, error_message, raw_body, refs, choices, answer_index, fields, attempts, sample,
        reused, reused_from
        """

    /// The number of `itemColumns` (a query's further columns start at this index).
    static let itemColumnCount = 22

    /// A run from a row of `runColumns`.
    static func runRecord(_ row: [SQLValue]) -> RunRecord {
        let manifest = row[10].text.flatMap { JSONValue.parse($0) } ?? .null
        return RunRecord(id: row[0].text ?? "", suiteID: row[1].text ?? "", suiteVersion: row[2].text ?? "",
                         suiteHash: row[3].text ?? "", endpoint: row[4].text ?? "", model: row[5].text ?? "",
                         status: RunStatus(stored: row[6].text ?? ""), startedAt: row[7].text ?? "", finishedAt: row[8].text,
                         itemCount: row[9].int ?? 0, manifest: manifest)
    }

    /// The same columns qualified as `r.<column>`, for queries that join `responses r` with `scores`.
    static let qualifiedItemColumns = itemColumns.split(separator: ",")
        .map { "r." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    /// A score from the five columns (metric, metric_version, value, details, error) starting at `i`.
    static func scoreRecord(_ row: [SQLValue], from i: Int) -> ScoreRecord {
        let details = row[i + 3].text.flatMap { JSONValue.parse($0) } ?? .object([:])
        return ScoreRecord(metric: row[i].text ?? "", metricVersion: row[i + 1].text ?? "", value: row[i + 2].double, details: details,
                           error: row[i + 4].text)
    }

    /// Scores by `item_id#sample` from rows of (key, metric, metric_version, value, details, error).
    static func scoreRecords(_ rows: [[SQLValue]]) -> [String: [ScoreRecord]] {
        var scores: [String: [ScoreRecord]] = [:]
        for row in rows { scores[row[0].text ?? "", default: []].append(scoreRecord(row, from: 1)) }
        return scores
    }

    /// An item from a row that starts with `itemColumns`, with the given scores.
    static func itemRecord(_ row: [SQLValue], scores: [ScoreRecord]) -> ItemRecord {
        func decode(_ v: SQLValue) -> JSONValue? { v.text.flatMap { JSONValue.parse($0) } }
        func strings(_ v: JSONValue?) -> [String]? {
            if case .array(let a)? = v { return a.compactMap(\.stringValue) } else { return nil }
        }
        var failure: EndpointFailure?
        if let k = row[11].text { failure = EndpointFailure(kind: EndpointErrorKind(rawValue: k) ?? .transfer, message: row[12].text ?? "") }
        var response = ModelResponse(text: row[4].text, httpStatus: row[5].int ?? 0, latency: row[6].double ?? 0,
                                     timeToFirstToken: row[7].double,
                                     usage: TokenUsage(promptTokens: row[8].int, completionTokens: row[9].int),
                                     finishReason: row[10].text, failure: failure, rawBody: row[13].text)
        response.attempts = row[18].int ?? 1
        response.reused = row[20].int == 1
        response.reusedFrom = row[21].text
        var fields: [String: JSONValue] = [:]
        if case .object(let o)? = decode(row[17]) { fields = o }
        return ItemRecord(itemID: row[0].text ?? "", language: row[1].text ?? "", requestHash: row[2].text ?? "", prompt: row[3].text ?? "",
                          response: response, scores: scores, references: strings(decode(row[14])) ?? [],
                          choices: strings(decode(row[15])), answerIndex: row[16].int, fields: fields,
                          sample: row[19].int ?? 0)
    }

    /// The `responses` columns `cachedResponse` reads, each prefixed with `prefix` (e.g. `r.`).
    static func cacheColumns(_ prefix: String = "") -> String {
        ["output", "http_status", "prompt_tokens", "completion_tokens", "finish_reason", "run_id", "reused", "reused_from"]
            .map { prefix + $0 }.joined(separator: ", ")
    }

    /// A response-cache hit from a row of `cacheColumns`: the answer (text, status, token counts, finish reason)
    /// marked reused, from the run that produced it (the stored row's own run, or the run *it* was reused from).
    /// It carries no latency, TTFT or attempts: those were measured in the original run and stay there.
    static func cachedResponse(_ row: [SQLValue]) -> ModelResponse {
        var r = ModelResponse(text: row[0].text, httpStatus: row[1].int ?? 200, latency: 0,
                              usage: TokenUsage(promptTokens: row[2].int, completionTokens: row[3].int), finishReason: row[4].text)
        r.attempts = 0
        r.reused = true
        r.reusedFrom = row[6].int == 1 ? row[7].text : row[5].text
        return r
    }

    /// Items from rows of `itemColumns`, with their scores.
    static func itemRecords(_ rows: [[SQLValue]], scores: [String: [ScoreRecord]]) -> [ItemRecord] {
        rows.map { row in itemRecord(row, scores: scores["\(row[0].text ?? "")#\(row[19].int ?? 0)"] ?? []) }
    }
}
