import Foundation
import MizanCore

/// The stored answer of a likelihood item (`response.text`): canonical JSON, read back by the likelihood metrics so
/// `mizan rescore` recomputes them without the model (format in docs/likelihood.md).
public struct LikelihoodAnswer: Sendable, Hashable {
    /// One scored choice (multiple choice), the target (`loglikelihood` task), or one label (chat-labels).
    public struct Choice: Sendable, Hashable {
        /// The continuation text scored (nil for chat-labels).
        public var continuation: String?
        /// The label whose next-token log-probability was read (chat-labels only).
        public var label: String?
        /// Sum of the continuation tokens' natural-log probabilities; nil when a label was outside the top k.
        public var logprob: Double?
        /// Continuation tokens.
        public var tokens: Int?
        /// Whether greedy decoding produces the continuation.
        public var greedy: Bool?
        /// UTF-8 bytes of the continuation (after the context's trailing whitespace moved into it).
        public var bytes: Int?

        /// Creates a choice entry.
        public init(continuation: String? = nil, label: String? = nil, logprob: Double?, tokens: Int? = nil, greedy: Bool? = nil,
                    bytes: Int? = nil) {
            self.continuation = continuation
            self.label = label
            self.logprob = logprob
            self.tokens = tokens
            self.greedy = greedy
            self.bytes = bytes
        }
    }

    /// A whole text's score (`rolling` task).
    public struct Rolling: Sendable, Hashable {
        /// Sum of every token's natural-log probability.
        public var logprob: Double
        /// Tokens scored.
        public var tokens: Int
        /// Requests (windows) used.
        public var windows: Int
        /// UTF-8 bytes of the text.
        public var bytes: Int
        /// Words of the text, counted as lm-eval does (`LikelihoodMetrics.wordCount`).
        public var words: Int

        /// Creates a rolling entry.
        public init(logprob: Double, tokens: Int, windows: Int, bytes: Int, words: Int) {
            self.logprob = logprob
            self.tokens = tokens
            self.windows = windows
            self.bytes = bytes
            self.words = words
        }
    }

    /// The method that produced the numbers (`LikelihoodMethod` raw value).
    public var method: String
    /// The choices (multiple choice, chat-labels) or the single target (`loglikelihood` task).
    public var choices: [Choice]
    /// The whole-text score (`rolling` task).
    public var rolling: Rolling?

    /// Creates an answer.
    public init(method: String, choices: [Choice] = [], rolling: Rolling? = nil) {
        self.method = method
        self.choices = choices
        self.rolling = rolling
    }

    /// The answer as a JSON value.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["likelihood": .number(1), "method": .string(method)]
        if let r = rolling {
            o["rolling"] = .object(["logprob": .number(r.logprob), "tokens": .number(Double(r.tokens)), "windows": .number(Double(r.windows)),
                                    "bytes": .number(Double(r.bytes)), "words": .number(Double(r.words))])
        } else {
            o["choices"] = .array(choices.map { c in
                var e: [String: JSONValue] = ["logprob": c.logprob.map { .number($0) } ?? .null]
                if let v = c.continuation { e["continuation"] = .string(v) }
                if let v = c.label { e["label"] = .string(v) }
                if let v = c.tokens { e["tokens"] = .number(Double(v)) }
                if let v = c.greedy { e["greedy"] = .bool(v) }
                if let v = c.bytes { e["bytes"] = .number(Double(v)) }
                return .object(e)
            })
        }
        return .object(o)
    }

    /// The canonical JSON text stored as the item's response.
    public var text: String { json.canonicalJSON }

    /// Parses a stored answer; throws a message saying what is wrong (e.g. a generative answer given to a likelihood metric).
    public static func parse(_ text: String) throws -> LikelihoodAnswer {
        guard let json = try? StrictJSON.parse(text), json["likelihood"]?.doubleValue == 1, let method = json["method"]?.stringValue else {
            throw LikelihoodAnswerError("the output is not a stored likelihood answer ({\"likelihood\":1,…}); "
                + "likelihood metrics score likelihood suites only")
        }
        if let r = json["rolling"] {
            guard let lp = r["logprob"]?.doubleValue, let tokens = r["tokens"]?.doubleValue, let bytes = r["bytes"]?.doubleValue,
                  let words = r["words"]?.doubleValue else {
                throw LikelihoodAnswerError("the stored rolling answer lacks logprob, tokens, bytes or words")
            }
            return LikelihoodAnswer(method: method, rolling: Rolling(logprob: lp, tokens: Int(tokens), windows: Int(r["windows"]?.doubleValue ?? 1),
                                                                     bytes: Int(bytes), words: Int(words)))
        }
        guard case .array(let list)? = json["choices"] else { throw LikelihoodAnswerError("the stored answer has neither choices nor rolling") }
        let choices = list.map { c in
            Choice(continuation: c["continuation"]?.stringValue, label: c["label"]?.stringValue, logprob: c["logprob"]?.doubleValue,
                   tokens: c["tokens"]?.doubleValue.map { Int($0) }, greedy: c["greedy"].flatMap { if case .bool(let b) = $0 { b } else { nil } },
                   bytes: c["bytes"]?.doubleValue.map { Int($0) })
        }
        return LikelihoodAnswer(method: method, choices: choices)
    }
}

/// A stored answer a likelihood metric cannot read.
public struct LikelihoodAnswerError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
