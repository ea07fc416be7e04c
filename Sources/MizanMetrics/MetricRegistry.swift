import MizanCore
import MizanText

/// A problem with a metric's configuration (unknown name, bad option).
public struct MetricConfigError: Error, Sendable, CustomStringConvertible {
    /// Field at fault, e.g. `metrics[1].pattern`.
    public var field: String
    /// What is wrong and what to do.
    public var message: String
    /// Creates a configuration error.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    /// The message.
    public var description: String { message }
}

/// Maps metric names used in suites to implementations.
public enum MetricRegistry {
    /// Builds a metric from its suite configuration.
    public typealias Factory = @Sendable (MetricSpec) throws -> any Metric

    /// Every metric name a suite may use.
    public static let factories: [String: Factory] = [
        "exact": { try ExactMatch(spec: $0) },
        "contains": { try ContainsMatch(spec: $0) },
        "regex": { try RegexMatch(spec: $0) },
        "choice": { try ChoiceAccuracy(spec: $0) },
        "f1": { try TokenF1(spec: $0) },
        "rouge-l": { try RougeL(spec: $0) },
        "json": { try JSONValidity(spec: $0) },
        "fidelity": { try Fidelity(spec: $0) },
        "refusal": { try RefusalMetric(spec: $0) },
        "length": { try LengthMetric(spec: $0) },
        "bleu": { try ReferenceMetric(kind: .bleu, spec: $0) },
        "chrf": { try ReferenceMetric(kind: .chrf, spec: $0) },
        "chrf++": { try ReferenceMetric(kind: .chrfpp, spec: $0) },
        "ter": { try ReferenceMetric(kind: .ter, spec: $0) },
        "acc": { try LikelihoodMetric(kind: .acc, spec: $0) },
        "acc_norm": { try LikelihoodMetric(kind: .accNorm, spec: $0) },
        "acc_bytes": { try LikelihoodMetric(kind: .accBytes, spec: $0) },
        "gold_prob": { try LikelihoodMetric(kind: .goldProb, spec: $0) },
        "brier": { try LikelihoodMetric(kind: .brier, spec: $0) },
        "loglikelihood": { try LikelihoodMetric(kind: .loglikelihood, spec: $0) },
        "is_greedy": { try LikelihoodMetric(kind: .isGreedy, spec: $0) },
        "bits_per_byte": { try LikelihoodMetric(kind: .bitsPerByte, spec: $0) },
        "byte_perplexity": { try LikelihoodMetric(kind: .bytePerplexity, spec: $0) },
        "word_perplexity": { try LikelihoodMetric(kind: .wordPerplexity, spec: $0) },
    ]

    /// Builds a metric that needs a `MetricContext` (suite folder, judge endpoints).
    public typealias ContextFactory = @Sendable (MetricSpec, MetricContext) throws -> any Metric

    /// Metrics that need a context: `judge` (a judge endpoint) and `external` (a command beside the suite).
    public static let contextFactories: [String: ContextFactory] = [
        "judge": { try JudgeMetric(spec: $0, context: $1) },
        "external": { try ExternalMetric(spec: $0, context: $1) },
    ]

    /// The scale of a metric's per-item scores, by name: BLEU, chrF and chrF++ sentence scores are 0–100,
    /// the multi-class Brier score is 0–2, TER and the likelihood measures (`loglikelihood` in nats, ≤ 0;
    /// `bits_per_byte`, `byte_perplexity`, `word_perplexity`) have no fixed bounds (Student t), an external
    /// command's scores are not known in advance (treated as unbounded), and every other built-in metric
    /// (0/1 checks such as `acc`, `acc_norm`, `is_greedy`; F1, ROUGE-L, `gold_prob`, judge scores
    /// normalised to 0–1) is 0–1. The direction of each is `direction(ofMetric:)`.
    public static func scale(ofMetric name: String) -> ScoreScale {
        switch name {
        case "bleu", "chrf", "chrf++": return .bounded(low: 0, high: 100)
        case "ter", "external", "loglikelihood", "bits_per_byte", "byte_perplexity", "word_perplexity": return .unbounded
        case "brier": return .bounded(low: 0, high: 2)
        default: return .unit
        }
    }

    /// Sorted list of known metric names.
    public static var names: [String] { (Array(factories.keys) + Array(contextFactories.keys)).sorted() }

    /// Builds a context-free metric for `spec`, or throws a `MetricConfigError` naming the remedy
    /// (`judge` needs `make(_:context:)`; `external` resolves its command against the working directory).
    public static func make(_ spec: MetricSpec) throws -> any Metric {
        if spec.name == "judge" {
            throw MetricConfigError(field: "metrics", message: "metric 'judge' needs a judge endpoint and the suite folder; "
                + "build it with MetricRegistry.make(_:context:) (mizan run and mizan rescore do)")
        }
        return try make(spec, context: MetricContext())
    }

    /// Builds the metric for `spec` with `context` (suite folder for relative paths, judge endpoints).
    public static func make(_ spec: MetricSpec, context: MetricContext) throws -> any Metric {
        // bleu's spm_model is a path relative to the suite folder
        if spec.name == "bleu" { return try ReferenceMetric(kind: .bleu, spec: spec, context: context) }
        if let factory = factories[spec.name] { return try factory(spec) }
        if let factory = contextFactories[spec.name] { return try factory(spec, context) }
        throw MetricConfigError(field: "metrics",
                                message: "unknown metric '\(spec.name)'; use one of: \(names.joined(separator: ", "))")
    }

    /// Checks a spec's options without reaching any endpoint (suite validation): a `judge` entry
    /// is checked for its rubric, scale and parse options, not for a reachable judge.
    public static func validate(_ spec: MetricSpec, context: MetricContext) throws {
        if spec.name == "judge" {
            _ = try JudgeSettings(spec: spec, context: context)
        } else {
            _ = try make(spec, context: context)
        }
    }
}

extension MetricSpec {
    /// Reads the `normalize` option, defaulting as given; throws on an unknown level.
    public func normalizationLevel(default level: NormalizationLevel) throws -> NormalizationLevel {
        guard let raw = options["normalize"] else { return level }
        guard let s = raw.stringValue, let parsed = NormalizationLevel(rawValue: s) else {
            throw MetricConfigError(field: "normalize",
                                    message: "metric '\(name)': normalize must be one of none, l0, l1")
        }
        return parsed
    }

    /// Reads a string option.
    public func stringOption(_ key: String) -> String? { options[key]?.stringValue }

    /// Reads a boolean option.
    public func boolOption(_ key: String, default value: Bool) -> Bool {
        if case .bool(let b)? = options[key] { return b }
        return value
    }
}
