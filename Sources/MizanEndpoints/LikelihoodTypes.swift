import Foundation
import MizanCore
import MizanTransport

/// The log-likelihood of one continuation given its context.
public struct ContinuationScore: Sendable, Hashable, Codable {
    /// Sum of the continuation tokens' natural-log probabilities.
    public var logLikelihood: Double
    /// Each continuation token's log-probability, in order.
    public var tokenLogprobs: [Double]
    /// Whether every continuation token is the most likely token at its position (greedy decoding would produce it).
    public var isGreedy: Bool

    /// Creates a score; `logLikelihood` is the sum of `tokenLogprobs`.
    public init(tokenLogprobs: [Double], isGreedy: Bool) {
        self.tokenLogprobs = tokenLogprobs
        self.logLikelihood = tokenLogprobs.reduce(0, +)
        self.isGreedy = isGreedy
    }

    /// Number of continuation tokens.
    public var tokenCount: Int { tokenLogprobs.count }
}

/// The log-likelihood of a whole text (perplexity), scored in windows (see `RollingWindows`).
public struct RollingScore: Sendable, Hashable, Codable {
    /// Sum of every token's natural-log probability.
    public var logLikelihood: Double
    /// Tokens scored.
    public var tokenCount: Int
    /// Requests (windows) used.
    public var windows: Int

    /// Creates a rolling score.
    public init(logLikelihood: Double, tokenCount: Int, windows: Int) {
        self.logLikelihood = logLikelihood
        self.tokenCount = tokenCount
        self.windows = windows
    }
}

/// How a backend obtains log-probabilities (recorded with results: the methods are not interchangeable).
public enum LikelihoodMethod: String, Sendable, Codable, CaseIterable {
    /// llama.cpp native: `/tokenize`, then `/completion` with a token-id grammar forcing the continuation.
    case llamaCppNative = "llama.cpp-native"
    /// OpenAI-compatible legacy completions with `echo: true` + `logprobs` (vLLM, llama-cpp-python).
    case openAIEcho = "openai-echo"
    /// Chat `logprobs` + `top_logprobs` of one generated token, read for the choice labels (not a log-likelihood).
    case chatLabelTopLogprobs = "chat-label-top-logprobs"
}

/// Something that scores continuations and whole texts by log-likelihood.
public protocol LikelihoodBackend: Sendable {
    /// How this backend obtains log-probabilities.
    var method: LikelihoodMethod { get }
    /// log p(continuation | context). Trailing whitespace of the context moves to the start of the
    /// continuation first (as lm-eval does), so `"is "` + `"Rabat"` is scored as `"is"` + `" Rabat"`.
    func loglikelihood(context: String, continuation: String) async throws -> ContinuationScore
    /// Several `loglikelihood` calls; backends that can batch send fewer requests.
    func loglikelihoods(_ pairs: [(context: String, continuation: String)]) async throws -> [ContinuationScore]
    /// log p(text) from a beginning of sequence, in windows when the text exceeds the context (`RollingWindows`).
    func rollingLoglikelihood(text: String) async throws -> RollingScore
}

extension LikelihoodBackend {
    /// One request per pair, in order.
    public func loglikelihoods(_ pairs: [(context: String, continuation: String)]) async throws -> [ContinuationScore] {
        var out: [ContinuationScore] = []
        for pair in pairs { out.append(try await loglikelihood(context: pair.context, continuation: pair.continuation)) }
        return out
    }
}

/// A likelihood request that could not be answered, with what to do about it.
public struct LikelihoodError: UserFacingError, Hashable {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable {
        /// The endpoint failed (connection, timeout, HTTP status) after the retries.
        case endpoint
        /// The answer lacked or mangled the fields this backend needs.
        case malformedAnswer = "malformed_answer"
        /// The endpoint answered without prompt log-probabilities: it ignores `echo`.
        case echoIgnored = "echo_ignored"
        /// The endpoint cannot serve this method (no native tokenizer, no log-probs, grammar not honoured).
        case missingCapability = "missing_capability"
        /// The continuation alone does not fit in the model's context.
        case contextTooLong = "context_too_long"
        /// A token spans the context/continuation boundary, so the continuation has no exact score.
        case tokenBoundary = "token_boundary"
        /// The request itself is unusable (e.g. an empty continuation).
        case invalidInput = "invalid_input"
    }
    /// What went wrong.
    public var kind: Kind
    /// What happened, naming the endpoint (never secrets).
    public var message: String
    /// What to do about it.
    public var remedy: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, remedy: String) {
        self.kind = kind
        self.message = message
        self.remedy = remedy
    }

    public var exitCode: Int32 { kind == .endpoint ? 3 : 2 }
    public var description: String { "\(message) — \(remedy)" }

    /// The endpoint kinds that return prompt log-probabilities, for remedies.
    public static let workingKinds = "the llama.cpp native backend (llama-server: /tokenize + /completion with a token-id grammar), "
        + "or an OpenAI completions server that honours echo + logprobs (vLLM, llama-cpp-python's server)"
}

/// lm-eval's rolling windows (`get_rolling_token_windows` with `context_len = 1`, then `make_disjoint_window`).
///
/// The first window predicts the first `maxLength` tokens after `prefix` (BOS); each later window predicts the
/// next `maxLength` tokens (fewer at the end) with the tokens just before them as context, so every window
/// sends at most `maxLength + 1` tokens and every token is predicted exactly once. Full later windows get one
/// token of context; the last, shorter window is filled back to `maxLength + 1` tokens with earlier ones.
public enum RollingWindows {
    /// The (context, continuation) windows over `tokens`.
    public static func windows(_ tokens: [Int], prefix: Int, maxLength: Int) -> [(context: [Int], continuation: [Int])] {
        guard !tokens.isEmpty, maxLength >= 1 else { return [] }
        let first = min(maxLength, tokens.count)
        var out: [(context: [Int], continuation: [Int])] = [([prefix], Array(tokens[0..<first]))]
        var predicted = first
        while predicted < tokens.count {
            let n = min(tokens.count - predicted, maxLength)
            let end = predicted + n
            let start = end - maxLength - 1
            out.append((Array(tokens[start..<end - n]), Array(tokens[end - n..<end])))
            predicted = end
        }
        return out
    }
}

/// Moves the context's trailing whitespace to the start of the continuation (lm-eval's rule).
func splitAtWhitespace(context: String, continuation: String) -> (String, String) {
    var ctx = Substring(context)
    var moved = ""
    while let last = ctx.last, last.isWhitespace { moved.insert(last, at: moved.startIndex); ctx = ctx.dropLast() }
    return (String(ctx), moved + continuation)
}
