import Foundation
import MizanCore
import MizanTransport

/// Log-likelihoods from an OpenAI-compatible legacy completions endpoint with `echo: true` + `logprobs: 1`
/// and `max_tokens: 1` (the request lm-eval sends), as vLLM and llama-cpp-python's server answer.
///
/// The continuation is located by `text_offset` (Unicode scalars into the prompt): its tokens are those
/// starting at or after the context's end and before the prompt's end (the one generated token is ignored).
/// Every answer is validated: the text must start with the prompt, the offsets must start at 0, and for a
/// one-prompt request that reports `usage.prompt_tokens` the prompt log-probs must number exactly that many; otherwise the endpoint
/// ignores `echo` (llama-server does, with HTTP 200) and a `LikelihoodError.echoIgnored` is thrown rather
/// than a wrong number. Several pairs go in one request (`prompt` as an array).
public struct OpenAIEchoLikelihoodBackend: LikelihoodBackend {
    /// The endpoint client (headers, TLS, timeouts, retries).
    public let client: ModelClient
    /// Paces requests (optional).
    public let pacer: EndpointPacer?
    /// Prompts per request in `loglikelihoods`.
    public let batchSize: Int
    /// Whether the endpoint accepts a list of prompts: unknown (nil) until the first batch; llama-cpp-python's server
    /// answers a list with HTTP 500, vLLM accepts it. Shared by every copy of this backend.
    let acceptsPromptLists = Locked<Bool?>(nil)
    public var method: LikelihoodMethod { .openAIEcho }

    /// Creates a backend; `batchSize` prompts go in one request.
    public init(client: ModelClient, pacer: EndpointPacer? = nil, batchSize: Int = 8) {
        self.client = client
        self.pacer = pacer
        self.batchSize = max(1, batchSize)
    }

    var url: String { client.config.apiBase + "/completions" }

    public func loglikelihood(context: String, continuation: String) async throws -> ContinuationScore {
        try await loglikelihoods([(context, continuation)])[0]
    }

    public func loglikelihoods(_ pairs: [(context: String, continuation: String)]) async throws -> [ContinuationScore] {
        var out: [ContinuationScore] = []
        var start = 0
        while start < pairs.count {
            let batch = pairs[start..<min(pairs.count, start + batchSize)].map { splitAtWhitespace(context: $0.context, continuation: $0.continuation) }
            if let empty = batch.first(where: { $0.1.isEmpty }) {
                throw LikelihoodError(.invalidInput, "empty continuation after context \(empty.0.suffix(40).debugDescription)",
                                      remedy: "give every choice or target some text")
            }
            let choices = try await requestBatch(batch.map { $0.0 + $0.1 })
            for (pair, choice) in zip(batch, choices) {
                out.append(try Self.continuation(choice, prompt: pair.0 + pair.1,
                                                  contextScalars: pair.0.unicodeScalars.count, endpoint: client.config.name))
            }
            start += batch.count
        }
        return out
    }

    /// Scores the whole text in one request (BOS, added by the server, predicts the first token). Texts longer
    /// than the model's context fail at the server: windows need a tokenizer, which only the llama.cpp
    /// native backend has.
    public func rollingLoglikelihood(text: String) async throws -> RollingScore {
        guard !text.isEmpty else { return RollingScore(logLikelihood: 0, tokenCount: 0, windows: 0) }
        let choice = try await request([text])[0]
        let score = try Self.continuation(choice, prompt: text, contextScalars: 0, endpoint: client.config.name)
        return RollingScore(logLikelihood: score.logLikelihood, tokenCount: score.tokenCount, windows: 1)
    }

    /// The choices for `prompts`: one request carrying the list when the endpoint accepts lists, else one request per
    /// prompt. The first list is sent once without retries; if it fails, lists are not sent again and its prompts go
    /// one at a time (with the endpoint's retry policy), so a server without list support costs one extra request per
    /// request in flight before the first refusal came back.
    func requestBatch(_ prompts: [String]) async throws -> [(choice: JSONValue, promptTokens: Int?)] {
        if prompts.count > 1, acceptsPromptLists.current != false {
            if acceptsPromptLists.current == true { return try await request(prompts) }
            if let answer = try? await request(prompts, retries: false) {
                acceptsPromptLists.withLock { $0 = true }
                return answer
            }
            acceptsPromptLists.withLock { $0 = false }
        }
        var out: [(choice: JSONValue, promptTokens: Int?)] = []
        for prompt in prompts { out += try await request([prompt]) }
        return out
    }

    /// One validated request; returns each prompt's choice (by `index`) with the prompt-token count from usage
    /// when there is a single prompt.
    func request(_ prompts: [String], retries: Bool = true) async throws -> [(choice: JSONValue, promptTokens: Int?)] {
        let body: JSONValue = .object([
            "model": .string(client.config.model),
            "prompt": prompts.count == 1 ? .string(prompts[0]) : .array(prompts.map { .string($0) }),
            "max_tokens": .number(1), "echo": .bool(true), "logprobs": .number(1), "temperature": .number(0),
            "stream": .bool(false),
        ])
        let json: JSONValue
        if retries {
            json = try await client.postJSON(url: url, body: body, pacer: pacer)
        } else {
            try await pacer?.acquire(tokens: 1)
            let answer = try await client.exchange(url: url, body: body)
            guard (200..<300).contains(answer.status), let parsed = answer.json else {
                throw LikelihoodError(.endpoint, "endpoint '\(client.config.name)' \(url): \(answer.summary)", remedy: "send one prompt per request")
            }
            json = parsed
        }
        guard let list = json["choices"]?.arrayElements, list.count == prompts.count else {
            throw LikelihoodError(.malformedAnswer, "endpoint '\(client.config.name)' returned \(json["choices"]?.arrayElements?.count ?? 0) "
                + "choices for \(prompts.count) prompts", remedy: "use a server that accepts a list of prompts, or batch size 1")
        }
        var byIndex: [Int: JSONValue] = [:]
        for (i, c) in list.enumerated() { byIndex[c["index"]?.exactInt ?? i] = c }
        let usage = prompts.count == 1 ? json["usage"]?["prompt_tokens"]?.exactInt : nil
        return try (0..<prompts.count).map { i in
            guard let c = byIndex[i] else {
                throw LikelihoodError(.malformedAnswer, "endpoint '\(client.config.name)' returned no choice \(i)", remedy: "check the server")
            }
            return (c, usage)
        }
    }

    /// Extracts and validates the log-probs of the prompt's scalars `contextScalars...` from one choice.
    static func continuation(_ answer: (choice: JSONValue, promptTokens: Int?), prompt: String, contextScalars: Int,
                             endpoint: String) throws -> ContinuationScore {
        let choice = answer.choice
        let promptScalars = prompt.unicodeScalars.count
        func ignored(_ what: String) -> LikelihoodError {
            LikelihoodError(.echoIgnored, "endpoint '\(endpoint)' ignores echo: \(what), so it gives no prompt log-probabilities",
                            remedy: "score with \(LikelihoodError.workingKinds)")
        }
        guard let lp = choice["logprobs"], let tokens = lp["tokens"]?.arrayElements,
              let values = lp["token_logprobs"]?.arrayElements, let offsets = lp["text_offset"]?.arrayElements?.map(\.exactInt),
              values.count == tokens.count, offsets.count == tokens.count else {
            throw ignored("its answer has no legacy logprobs listing (tokens, token_logprobs, text_offset)")
        }
        guard let text = choice["text"]?.stringValue, text.hasPrefix(prompt) else {
            throw ignored("the returned text does not start with the prompt")
        }
        guard offsets.first == 0, offsets.allSatisfy({ $0 != nil }) else { throw ignored("text_offset does not start at 0") }
        let offs = offsets.map { $0 ?? 0 }
        let inPrompt = offs.indices.filter { offs[$0] < promptScalars }
        // llama-cpp-python counts BOS in usage.prompt_tokens but does not echo it: one fewer log-prob is its answer.
        // An endpoint that ignores echo returns the generated text alone, caught above by the prefix check.
        if let expected = answer.promptTokens, inPrompt.count != expected, inPrompt.count != expected - 1 {
            throw ignored("\(inPrompt.count) log-probs cover a prompt of \(expected) tokens")
        }
        for i in inPrompt where offs[i] < contextScalars {
            let next = i + 1 < offs.count ? offs[i + 1] : promptScalars
            if next > contextScalars {
                throw LikelihoodError(.tokenBoundary, "endpoint '\(endpoint)': a token spans the end of the context "
                    + String(String.UnicodeScalarView(prompt.unicodeScalars.prefix(contextScalars).suffix(20))).debugDescription,
                    remedy: "start continuations with a space (\" {{choice}}\") and end contexts without one")
            }
        }
        var result: [Double] = []
        var greedy = true
        for i in inPrompt where offs[i] >= contextScalars {
            guard let v = values[i].doubleValue, v.isFinite else {
                if contextScalars == 0, result.isEmpty, values[i] == .null, tokens[i].stringValue?.isEmpty ?? false { continue }
                if contextScalars == 0 {
                    throw LikelihoodError(.missingCapability, "endpoint '\(endpoint)' gives no log-prob for a text's first token "
                        + "(it does not echo BOS), so a whole text cannot be scored from its beginning",
                        remedy: "score rolling suites with the llama.cpp native backend (llama-server); this endpoint still scores continuations")
                }
                throw LikelihoodError(.malformedAnswer, "endpoint '\(endpoint)' gave no log-prob for a continuation token",
                                      remedy: "use a non-empty context, or the llama.cpp native backend")
            }
            result.append(v)
            let top = lp["top_logprobs"]?.arrayElements?[i].members ?? [:]
            if let best = top.max(by: { ($0.value.doubleValue ?? -.infinity) < ($1.value.doubleValue ?? -.infinity) }),
               best.key != tokens[i].stringValue, (best.value.doubleValue ?? -.infinity) > v {
                greedy = false
            }
        }
        guard !result.isEmpty else {
            throw ignored("no log-prob falls inside the continuation")
        }
        return ContinuationScore(tokenLogprobs: result, isGreedy: greedy)
    }
}
