import MizanCore
import MizanMetrics
import MizanStore

/// What the generation and likelihood paths share once a request is answered: a cache hit marked as reused, and the
/// scored item record.
extension Runner {
    /// The stored successful response to the request `requestHash`, marked as reused: attempts 0 and no latency or
    /// TTFT (those stay with the run that sent the request); nil without a cache or a hit.
    static func reusedResponse(from cache: (any ResultStore)?, requestHash: String) -> ModelResponse? {
        guard let cache, var hit = try? cache.cachedResponse(requestHash: requestHash) else { return nil }
        hit.attempts = 0
        hit.reused = true
        hit.latency = 0
        hit.timeToFirstToken = nil
        return hit
    }

    /// The item's record: `response` scored with every metric when it has text and no failure; nil when a metric
    /// was cancelled (the item stays unstored).
    static func scoredRecord(_ item: SuiteItem, suite: Suite, requestHash: String, prompt: String, response: ModelResponse,
                             metrics: [any Metric], sample: Int = 0) async -> ItemRecord? {
        let language = suite.language(of: item)
        var scores: [ScoreRecord] = []
        if let text = response.text, response.failure == nil {
            let input = MetricInput(itemID: item.id, output: text, references: item.references, choices: item.choices,
                                    answerIndex: item.answerIndex, language: language, finishReason: response.finishReason,
                                    fields: item.fields)
            do { scores = try await score(input, with: metrics) } catch { return nil }
        }
        return ItemRecord(itemID: item.id, language: language.description, requestHash: requestHash,
                          prompt: prompt, response: response, scores: scores,
                          references: item.references, choices: item.choices, answerIndex: item.answerIndex, fields: item.fields,
                          sample: sample)
    }
}
