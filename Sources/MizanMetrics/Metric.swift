import MizanCore

/// Everything a metric may look at for one item.
public struct MetricInput: Sendable, Hashable {
    /// Item id (for error messages).
    public var itemID: String
    /// The model's output exactly as received.
    public var output: String
    /// Accepted references (generation tasks).
    public var references: [String]
    /// Choices in label order (multiple choice).
    public var choices: [String]?
    /// Zero-based index of the correct choice.
    public var answerIndex: Int?
    /// The item's language tag.
    public var language: LanguageTag
    /// The endpoint's finish reason, if reported.
    public var finishReason: String?
    /// All fields of the item's JSON line.
    public var fields: [String: JSONValue]

    public init(itemID: String, output: String, references: [String] = [], choices: [String]? = nil,
                answerIndex: Int? = nil, language: LanguageTag, finishReason: String? = nil,
                fields: [String: JSONValue] = [:]) {
        self.itemID = itemID
        self.output = output
        self.references = references
        self.choices = choices
        self.answerIndex = answerIndex
        self.language = language
        self.finishReason = finishReason
        self.fields = fields
    }
}

/// One metric's verdict on one item.
public struct MetricResult: Sendable, Hashable, Codable {
    /// The score (usually 0…1, or 0…100 for sacrebleu-style metrics); nil when it could not be computed.
    public var value: Double?
    /// Measurements stored beside the score (e.g. fidelity's script shares, choice validity).
    public var details: [String: JSONValue]
    /// Why the score could not be computed (never an endpoint failure: those are not scored at all).
    public var error: String?

    public init(value: Double?, details: [String: JSONValue] = [:], error: String? = nil) {
        self.value = value
        self.details = details
        self.error = error
    }
}

/// The plug point for scoring: one implementation per metric name.
public protocol Metric: Sendable {
    /// The name suites use, e.g. `exact`.
    var name: String { get }
    /// Versioned identity including the normalization level, e.g. `exact/1 l1`; stored with every score.
    var version: String { get }
    /// Scores one item.
    func score(_ input: MetricInput) async throws -> MetricResult
}

/// A metric whose run-level value is computed over the whole corpus (BLEU, chrF, TER), not as a mean.
public protocol CorpusMetric: Metric {
    /// Corpus-level score over all scored items, sacrebleu-style.
    func corpusScore(_ inputs: [MetricInput]) -> Double?
    /// sacrebleu-style signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`.
    var signature: String { get }
}

/// The values a metric's per-item scores can take; it decides how intervals are computed (docs/statistics.md).
public enum ScoreScale: Sendable, Hashable {
    /// Scores from `low` to `high` inclusive (0…1 for rates and 0/1 metrics, 0…100 for sacrebleu-style metrics).
    case bounded(low: Double, high: Double)
    /// Scores with no upper bound (TER; external metrics).
    case unbounded

    /// Scores from 0 to 1.
    public static let unit = ScoreScale.bounded(low: 0, high: 1)
}
