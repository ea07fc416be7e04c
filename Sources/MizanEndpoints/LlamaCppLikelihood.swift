import Foundation
import MizanCore
import MizanTransport

/// Log-likelihoods from llama.cpp's `llama-server` native API (docs/likelihood.md).
///
/// The context and context + continuation are tokenized with `POST /tokenize` (`add_special: true`, so BOS
/// comes first); the continuation tokens are the whole text's tokens after the context's token count (as
/// lm-eval does). One `POST /completion` per continuation sends the context as token ids, a token-id grammar
/// `root ::= <[id]> <[id]> …` forcing the continuation, `n_predict` = its length, `n_probs: 1` and
/// `temperature: 0`; llama-server reports each generated token's log-probability before the grammar is
/// applied, which is the model's own probability. A string grammar is never used: it forces an odd
/// tokenization and wrong numbers.
public struct LlamaCppLikelihoodBackend: LikelihoodBackend {
    /// The endpoint client (headers, TLS, timeouts, retries).
    public let client: ModelClient
    /// Tokens per request (llama-server's `n_ctx` per slot).
    public let contextSize: Int
    /// Paces requests (optional).
    public let pacer: EndpointPacer?
    public var method: LikelihoodMethod { .llamaCppNative }

    /// Creates a backend for a server whose per-slot context is `contextSize` tokens.
    public init(client: ModelClient, contextSize: Int, pacer: EndpointPacer? = nil) {
        self.client = client
        self.contextSize = contextSize
        self.pacer = pacer
    }

    /// Creates a backend, reading the context size from `GET /props` (`default_generation_settings.n_ctx`).
    public static func connect(client: ModelClient, pacer: EndpointPacer? = nil) async throws -> LlamaCppLikelihoodBackend {
        let url = client.config.serverRoot + "/props"
        let answer = try await client.exchange(url: url, body: nil)
        guard (200..<300).contains(answer.status), let props = answer.json,
              let n = props["default_generation_settings"]?["n_ctx"]?.exactInt ?? props["n_ctx"]?.exactInt, n > 1 else {
            throw LikelihoodError(.missingCapability, "endpoint '\(client.config.name)' gave no context size at \(url) (\(answer.summary))",
                                  remedy: "point the endpoint at a llama-server, or give the context size explicitly")
        }
        return LlamaCppLikelihoodBackend(client: client, contextSize: n, pacer: pacer)
    }

    /// Token ids of `text` from `POST /tokenize`.
    public func tokenize(_ text: String, addSpecial: Bool) async throws -> [Int] {
        let url = client.config.serverRoot + "/tokenize"
        let json = try await client.postJSON(url: url, body: .object(["content": .string(text), "add_special": .bool(addSpecial)]),
                                             pacer: pacer)
        guard let list = json["tokens"]?.arrayElements else {
            throw LikelihoodError(.malformedAnswer, "endpoint '\(client.config.name)' answered /tokenize without a 'tokens' array",
                                  remedy: "use a llama-server build that has /tokenize (any since 2023)")
        }
        let ids = list.compactMap { $0.exactInt ?? $0["id"]?.exactInt }
        guard ids.count == list.count else {
            throw LikelihoodError(.malformedAnswer, "endpoint '\(client.config.name)' /tokenize returned non-integer tokens",
                                  remedy: "check the server version")
        }
        return ids
    }

    public func loglikelihood(context: String, continuation: String) async throws -> ContinuationScore {
        let (ctx, cont) = splitAtWhitespace(context: context, continuation: continuation)
        guard !cont.isEmpty else {
            throw LikelihoodError(.invalidInput, "empty continuation", remedy: "give every choice or target some text")
        }
        let contextIDs = try await tokenize(ctx, addSpecial: true)
        let whole = try await tokenize(ctx + cont, addSpecial: true)
        guard whole.count > contextIDs.count else {
            throw LikelihoodError(.tokenBoundary, "the continuation \(cont.debugDescription) adds no token after the context",
                                  remedy: "check the continuation template (e.g. \" {{choice}}\")")
        }
        let continuationIDs = Array(whole[contextIDs.count...])
        let keep = contextSize - continuationIDs.count
        guard keep >= 1 else {
            throw LikelihoodError(.contextTooLong, "the continuation has \(continuationIDs.count) tokens; the context holds \(contextSize)",
                                  remedy: "shorten the continuation or start the server with a larger context (-c)")
        }
        return try await score(contextTokens: Array(whole[..<contextIDs.count].suffix(keep)), continuationTokens: continuationIDs)
    }

    /// Scores `continuationTokens` after `contextTokens` (which should start with BOS) in one `/completion` request.
    public func score(contextTokens: [Int], continuationTokens: [Int]) async throws -> ContinuationScore {
        let grammar = "root ::= " + continuationTokens.map { "<[\($0)]>" }.joined(separator: " ")
        let body: JSONValue = .object([
            "prompt": .array(contextTokens.map { .number(Double($0)) }), "n_predict": .number(Double(continuationTokens.count)),
            "n_probs": .number(1), "temperature": .number(0), "grammar": .string(grammar), "stream": .bool(false),
        ])
        let json = try await client.postJSON(url: client.config.serverRoot + "/completion", body: body, pacer: pacer)
        let name = client.config.name
        guard let rows = json["completion_probabilities"]?.arrayElements else {
            throw LikelihoodError(.malformedAnswer, "endpoint '\(name)' answered /completion without completion_probabilities",
                                  remedy: "use a llama-server that supports n_probs (any recent build)")
        }
        guard rows.count == continuationTokens.count else {
            throw LikelihoodError(.missingCapability, "endpoint '\(name)' generated \(rows.count) tokens where the grammar forced "
                + "\(continuationTokens.count)", remedy: "the server does not honour token-id grammars; use a recent llama-server")
        }
        var lps: [Double] = []
        var greedy = true
        for (row, id) in zip(rows, continuationTokens) {
            guard let lp = row["logprob"]?.doubleValue, lp.isFinite else {
                throw LikelihoodError(.malformedAnswer, "endpoint '\(name)' gave no finite 'logprob' in completion_probabilities "
                    + "(an old llama-server answers 'probs')", remedy: "upgrade llama-server (the 'logprob' format is from 2024-12)")
            }
            guard row["id"]?.exactInt == id else {
                throw LikelihoodError(.missingCapability, "endpoint '\(name)' did not follow the token-id grammar (token "
                    + "\(row["id"]?.exactInt.map(String.init) ?? "?") instead of \(id))", remedy: "use a recent llama-server")
            }
            lps.append(lp)
            if let top = row["top_logprobs"]?.arrayElements?.first?["id"]?.exactInt, top != id { greedy = false }
        }
        return ContinuationScore(tokenLogprobs: lps, isGreedy: greedy)
    }

    /// Scores `text` after BOS in `RollingWindows` of `contextSize − 1` predicted tokens.
    public func rollingLoglikelihood(text: String) async throws -> RollingScore {
        let tokens = try await tokenize(text, addSpecial: false)
        guard let bos = try await tokenize("", addSpecial: true).first else {
            throw LikelihoodError(.missingCapability, "endpoint '\(client.config.name)' adds no BOS token",
                                  remedy: "rolling log-likelihood needs a beginning-of-sequence token to predict the first token from")
        }
        var total = 0.0
        let windows = RollingWindows.windows(tokens, prefix: bos, maxLength: contextSize - 1)
        for w in windows {
            total += try await score(contextTokens: w.context, continuationTokens: w.continuation).logLikelihood
        }
        return RollingScore(logLikelihood: total, tokenCount: tokens.count, windows: windows.count)
    }
}
