import Foundation
import MizanCore
import MizanTransport

/// The next-token log-probabilities of each choice label (e.g. "A"…"D") after a chat prompt.
public struct LabelScores: Sendable, Hashable {
    /// The labels, in the order asked.
    public var labels: [String]
    /// Each label's log-probability, nil when it is not among the top-k tokens the endpoint returned.
    public var logprobs: [Double?]
    /// The token the model generated.
    public var generated: String
    /// Always `.chatLabelTopLogprobs`: a next-token reading, not a continuation log-likelihood.
    public var method: LikelihoodMethod { .chatLabelTopLogprobs }
}

/// Multiple choice for chat-only APIs by the next-token probabilities of the choice labels: one chat request
/// with `max_tokens: 1`, `temperature: 0`, `logprobs: true`, `top_logprobs: k`. A label's log-probability is
/// the highest among returned tokens equal to the label once surrounding whitespace is trimmed ("A", " A").
/// This is a different method from log-likelihood scoring of the choices' text (`LikelihoodMethod`).
public struct ChatLabelScorer: Sendable {
    /// The endpoint client.
    public let client: ModelClient
    /// Top log-probs asked for (OpenAI allows at most 20).
    public let topK: Int
    /// Paces requests (optional).
    public let pacer: EndpointPacer?

    /// Creates a scorer asking for the `topK` most likely next tokens.
    public init(client: ModelClient, topK: Int = 20, pacer: EndpointPacer? = nil) {
        self.client = client
        self.topK = topK
        self.pacer = pacer
    }

    /// The labels' next-token log-probabilities after `prompt` (sent as the user turn, after `system` if any).
    public func scores(prompt: String, system: String? = nil, labels: [String]) async throws -> LabelScores {
        var messages: [JSONValue] = []
        if let system { messages.append(.object(["role": .string("system"), "content": .string(system)])) }
        messages.append(.object(["role": .string("user"), "content": .string(prompt)]))
        let body: JSONValue = .object([
            "model": .string(client.config.model), "messages": .array(messages), "max_tokens": .number(1),
            "temperature": .number(0), "logprobs": .bool(true), "top_logprobs": .number(Double(topK)), "stream": .bool(false),
        ])
        let url = client.config.apiBase + "/chat/completions"
        let json = try await client.postJSON(url: url, body: body, pacer: pacer)
        guard let first = json["choices"]?.arrayElements?.first?["logprobs"]?["content"]?.arrayElements?.first,
              let top = first["top_logprobs"]?.arrayElements else {
            throw LikelihoodError(.missingCapability, "endpoint '\(client.config.name)' returned no chat logprobs.content[0].top_logprobs",
                                  remedy: "use an endpoint whose chat API returns logprobs + top_logprobs (OpenAI, vLLM, llama-server)")
        }
        var best: [String: Double] = [:]
        for entry in top {
            guard let token = entry["token"]?.stringValue, let lp = entry["logprob"]?.doubleValue else { continue }
            let key = token.trimmingCharacters(in: .whitespacesAndNewlines)
            best[key] = max(best[key] ?? -.infinity, lp)
        }
        return LabelScores(labels: labels, logprobs: labels.map { best[$0] },
                           generated: first["token"]?.stringValue ?? "")
    }
}
