import Foundation
import MizanCore

/// The registered likelihood metrics (`acc`, `acc_norm`, `acc_bytes`, `gold_prob`, `brier`, `loglikelihood`, `is_greedy`,
/// `bits_per_byte`, `byte_perplexity`, `word_perplexity`). Each reads the stored `LikelihoodAnswer` from
/// `MetricInput.output` and applies `LikelihoodMetrics`; none contacts a model, so `rescore` recomputes them.
public struct LikelihoodMetric: Metric {
    /// Which quantity the metric computes.
    public enum Kind: String, Sendable, CaseIterable {
        /// 1 when the gold choice has the highest log-likelihood.
        case acc
        /// `acc` over log-likelihood ÷ the choice's code points (lm-eval's `acc_norm`).
        case accNorm = "acc_norm"
        /// `acc` over log-likelihood ÷ the choice's UTF-8 bytes (lm-eval's `acc_bytes`).
        case accBytes = "acc_bytes"
        /// Softmax probability of the gold choice among the choices.
        case goldProb = "gold_prob"
        /// Multi-class Brier score over the choices' softmax (0–2, lower is better).
        case brier
        /// Sum of the target's token log-probabilities, in nats.
        case loglikelihood
        /// 1 when greedy decoding produces the target.
        case isGreedy = "is_greedy"
        /// −ll ÷ bytes ÷ ln 2 of the text (lower is better).
        case bitsPerByte = "bits_per_byte"
        /// exp(−ll ÷ bytes) of the text (lower is better).
        case bytePerplexity = "byte_perplexity"
        /// exp(−ll ÷ words) of the text (lower is better).
        case wordPerplexity = "word_perplexity"

        /// The likelihood task whose stored answers this metric reads.
        public var task: LikelihoodTask {
            switch self {
            case .acc, .accNorm, .accBytes, .goldProb, .brier: return .multipleChoice
            case .loglikelihood, .isGreedy: return .loglikelihood
            case .bitsPerByte, .bytePerplexity, .wordPerplexity: return .rolling
            }
        }
    }

    /// The quantity computed.
    public let kind: Kind
    public var name: String { kind.rawValue }
    /// `acc_norm/2` divides by code points as lm-eval does (`acc_norm/1` divided by UTF-8 bytes, now `acc_bytes`).
    public var version: String { kind == .accNorm ? "acc_norm/2" : "\(kind.rawValue)/1" }

    /// Creates the metric; likelihood metrics take no options.
    public init(kind: Kind, spec: MetricSpec) throws {
        self.kind = kind
        if let extra = spec.options.keys.sorted().first {
            throw MetricConfigError(field: "metrics", message: "metric '\(kind.rawValue)' takes no options (got '\(extra)')")
        }
    }

    /// The likelihood task a metric name belongs to; nil for metrics of generated text.
    public static func task(ofMetric name: String) -> LikelihoodTask? { Kind(rawValue: name)?.task }

    /// The metric names that score `task`, in declaration order.
    public static func names(for task: LikelihoodTask) -> [String] { Kind.allCases.filter { $0.task == task }.map(\.rawValue) }

    public func score(_ input: MetricInput) async throws -> MetricResult {
        let answer: LikelihoodAnswer
        do { answer = try LikelihoodAnswer.parse(input.output) } catch { return MetricResult(value: nil, error: "\(error)") }
        switch kind.task {
        case .multipleChoice: return choiceScore(answer, input: input)
        case .loglikelihood:
            guard answer.rolling == nil, let target = answer.choices.first, let lp = target.logprob else {
                return MetricResult(value: nil, error: "\(name) needs a stored target log-likelihood (task: loglikelihood)")
            }
            if kind == .loglikelihood { return MetricResult(value: lp, details: ["tokens": .number(Double(target.tokens ?? 0))]) }
            guard let greedy = target.greedy else { return MetricResult(value: nil, error: "the stored answer does not say whether it is greedy") }
            return MetricResult(value: greedy ? 1 : 0)
        case .rolling:
            guard let r = answer.rolling else { return MetricResult(value: nil, error: "\(name) needs a stored whole-text score (task: rolling)") }
            let value: Double
            switch kind {
            case .bitsPerByte, .bytePerplexity:
                guard r.bytes > 0 else { return MetricResult(value: nil, error: "the text is empty (0 bytes)") }
                value = kind == .bitsPerByte ? LikelihoodMetrics.bitsPerByte(logLikelihoods: [r.logprob], bytes: [r.bytes])
                    : LikelihoodMetrics.bytePerplexity(logLikelihoods: [r.logprob], bytes: [r.bytes])
            default:
                value = LikelihoodMetrics.wordPerplexity(logLikelihoods: [r.logprob], words: [max(1, r.words)])
            }
            return MetricResult(value: value, details: ["logprob": .number(r.logprob), "bytes": .number(Double(r.bytes)),
                                                        "words": .number(Double(r.words)), "tokens": .number(Double(r.tokens))])
        }
    }

    /// acc, acc_norm, acc_bytes, gold_prob and brier from the choices' log-likelihoods. For chat-label answers a label outside the
    /// top k has probability 0 among the labels (its log-likelihood counts as −∞).
    func choiceScore(_ answer: LikelihoodAnswer, input: MetricInput) -> MetricResult {
        guard answer.rolling == nil, let gold = input.answerIndex, gold < answer.choices.count,
              answer.choices.count == (input.choices?.count ?? answer.choices.count) else {
            return MetricResult(value: nil, error: "\(name) needs one stored log-likelihood per choice and the gold answer index")
        }
        let lls = answer.choices.map { $0.logprob ?? -.infinity }
        guard lls.contains(where: { $0.isFinite }) else {
            return MetricResult(value: nil, error: "no choice label was among the endpoint's top log-probabilities")
        }
        let predicted = LikelihoodMetrics.argmax(lls) ?? 0
        let details: [String: JSONValue] = ["predicted": .number(Double(predicted))]
        switch kind {
        case .acc: return MetricResult(value: LikelihoodMetrics.acc(lls, gold: gold), details: details)
        case .accNorm, .accBytes:
            let lengths = kind == .accNorm ? answer.choices.compactMap { $0.continuation.map(LikelihoodMetrics.choiceLength) }
                : answer.choices.compactMap { $0.continuation.map(LikelihoodMetrics.choiceBytes) }
            guard lengths.count == lls.count else {
                return MetricResult(value: nil, error: "\(name) needs each continuation's text and length; method \(answer.method) gives "
                    + "label probabilities, not continuation log-likelihoods")
            }
            let normalised = LikelihoodMetrics.normalised(lls, lengths: lengths)
            return MetricResult(value: LikelihoodMetrics.accNorm(lls, lengths: lengths, gold: gold),
                                details: ["predicted": .number(Double(LikelihoodMetrics.argmax(normalised) ?? 0))])
        case .goldProb: return MetricResult(value: LikelihoodMetrics.goldProbability(lls, gold: gold), details: details)
        default: return MetricResult(value: LikelihoodMetrics.brier(lls, gold: gold), details: details)
        }
    }
}
