import Foundation
import MizanCore

/// Turns rows of the shared schema (same columns in SQLite and PostgreSQL) into records.
enum StoreRows {
    /// The `runs` columns in the order `runRecord` reads them.
    static let runColumns = "id, suite_id, suite_version, suite_hash, endpoint, model, status, started_at, finished_at, item_count, manifest"

    /// The `responses` columns in the order `itemRecords` reads them.
    static let itemColumns = """
        item_id, lang, request_hash, prompt, output, http_status, latency, ttft, prompt_tokens, completion_tokens,
        finish_reason, error_kind, error_message, raw_body, refs, choices, answer_index, fields, attempts, sample
        """

    /// A run from a row of `runColumns`.
    static func runRecord(_ row: [SQLValue]) -> RunRecord {
        let manifest = row[10].text.flatMap { JSONValue.parse($0) } ?? .null
        return RunRecord(id: row[0].text ?? "", suiteID: row[1].text ?? "", suiteVersion: row[2].text ?? "",
                         suiteHash: row[3].text ?? "", endpoint: row[4].text ?? "", model: row[5].text ?? "",
                         status: row[6].text ?? "", startedAt: row[7].text ?? "", finishedAt: row[8].text,
                         itemCount: row[9].int ?? 0, manifest: manifest)
    }

    /// Scores by `item_id#sample` from rows of (key, metric, metric_version, value, details, error).
    static func scoreRecords(_ rows: [[SQLValue]]) -> [String: [ScoreRecord]] {
        var scores: [String: [ScoreRecord]] = [:]
        for row in rows {
            let details = row[4].text.flatMap { JSONValue.parse($0) } ?? .object([:])
            scores[row[0].text ?? "", default: []].append(
                ScoreRecord(metric: row[1].text ?? "", metricVersion: row[2].text ?? "", value: row[3].double, details: details, error: row[5].text))
        }
        return scores
    }

    /// Items from rows of `itemColumns`, with their scores.
    static func itemRecords(_ rows: [[SQLValue]], scores: [String: [ScoreRecord]]) -> [ItemRecord] {
        func decode(_ v: SQLValue) -> JSONValue? { v.text.flatMap { JSONValue.parse($0) } }
        func strings(_ v: JSONValue?) -> [String]? {
            if case .array(let a)? = v { return a.compactMap(\.stringValue) } else { return nil }
        }
        return rows.map { row in
            var failure: EndpointFailure?
            if let k = row[11].text { failure = EndpointFailure(kind: EndpointErrorKind(rawValue: k) ?? .transfer, message: row[12].text ?? "") }
            var response = ModelResponse(text: row[4].text, httpStatus: row[5].int ?? 0, latency: row[6].double ?? 0,
                                         timeToFirstToken: row[7].double,
                                         usage: TokenUsage(promptTokens: row[8].int, completionTokens: row[9].int),
                                         finishReason: row[10].text, failure: failure, rawBody: row[13].text)
            response.attempts = row[18].int ?? 1
            let id = row[0].text ?? ""
            var fields: [String: JSONValue] = [:]
            if case .object(let o)? = decode(row[17]) { fields = o }
            return ItemRecord(itemID: id, language: row[1].text ?? "", requestHash: row[2].text ?? "", prompt: row[3].text ?? "",
                              response: response, scores: scores["\(id)#\(row[19].int ?? 0)"] ?? [], references: strings(decode(row[14])) ?? [],
                              choices: strings(decode(row[15])), answerIndex: row[16].int, fields: fields,
                              sample: row[19].int ?? 0)
        }
    }
}
