/// How a multiple-choice suite is answered (`scoring:` in suite.yaml).
public enum ScoringMethod: String, Sendable, Codable, CaseIterable {
    /// The model generates an answer (a label), scored by the `choice` metric.
    case generate
    /// Each choice is scored as a continuation of the prompt by log-likelihood (docs/likelihood.md).
    case loglikelihood
}

/// The three kinds of likelihood measurement a suite can ask for.
public enum LikelihoodTask: String, Sendable, Hashable, CaseIterable {
    /// Multiple choice scored by each choice's log-likelihood (`task: multiple-choice` + `scoring: loglikelihood`).
    case multipleChoice = "multiple-choice"
    /// One target continuation per item (`task: loglikelihood`).
    case loglikelihood
    /// Whole texts from the beginning of sequence (`task: rolling`).
    case rolling
}

/// Likelihood settings of a suite.
public struct LikelihoodSuiteSettings: Sendable, Hashable {
    /// The per-choice continuation template (`prompt.continuation`); nil means the default `" {{choice}}"`.
    public var continuation: String?
    /// Score one request at a time (`likelihood: {sequential: true}`), for bit-reproducible numbers.
    public var sequential = false

    /// The default continuation template.
    public static let defaultContinuation = " {{choice}}"

    /// Creates settings.
    public init(continuation: String? = nil, sequential: Bool = false) {
        self.continuation = continuation
        self.sequential = sequential
    }

    /// The continuation template in effect.
    public var continuationTemplate: String { continuation ?? Self.defaultContinuation }
}

extension Suite {
    /// The likelihood measurement this suite asks for; nil for a generative suite.
    public var likelihoodTask: LikelihoodTask? {
        switch task {
        case .generation: return nil
        case .multipleChoice: return scoring == .loglikelihood ? .multipleChoice : nil
        case .loglikelihood: return .loglikelihood
        case .rolling: return .rolling
        }
    }
}
