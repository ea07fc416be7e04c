import Foundation
import MizanCore
import MizanMetrics
import MizanStore

/// Expected calibration error (`ece`) of one slice of a log-likelihood multiple-choice run: a suite-level figure
/// computed from the stored items, not a per-item metric, so it has no confidence interval and no paired test.
public struct CalibrationFigure: Sendable, Hashable {
    /// The figure's name in tables and exports.
    public static let name = "ece"
    /// Equal-width confidence bins (`LikelihoodMetrics.expectedCalibrationError`).
    public static let bins = 10

    /// Expected calibration error, 0–1 (lower is better).
    public var ece: Double
    /// Answers it was computed over (every stored successful sample of the slice's items).
    public var n: Int

    /// Creates a figure.
    public init(ece: Double, n: Int) {
        self.ece = ece
        self.n = n
    }

    /// The figure as JSON: `value`, `n`, `bins`, `ci95` (always null: a suite-level figure has no interval), `direction`.
    public var json: JSONValue {
        .object(["value": .number(ece), "n": .number(Double(n)), "bins": .number(Double(Self.bins)), "ci95": .null,
                 "direction": .string(MetricRegistry.direction(ofMetric: Self.name).rawValue)])
    }
}

/// Reads the calibration data of stored log-likelihood multiple-choice answers (docs/likelihood.md, "Reports").
public enum Calibration {
    /// One answer's prediction: the top softmax probability over the choices' log-probabilities, and whether that
    /// choice is gold (ties: the first maximum, as `acc`). Nil when the item failed, has no gold answer, or its
    /// stored text is not a likelihood answer with one log-probability per choice. A null log-probability (a
    /// `chat-label-top-logprobs` label outside the top k) has probability 0; an answer with none is skipped.
    public static func prediction(_ item: ItemRecord) -> (confidence: Double, correct: Bool)? {
        guard item.response.failure == nil, let gold = item.answerIndex, let text = item.response.text, text.hasPrefix("{"),
              let answer = try? LikelihoodAnswer.parse(text), answer.rolling == nil, gold >= 0, gold < answer.choices.count,
              item.choices.map({ $0.count == answer.choices.count }) ?? true else { return nil }
        // As the `acc` metric reads the answer (LikelihoodMetric): a null log-probability is −∞.
        let logprobs = answer.choices.map { $0.logprob ?? -.infinity }
        guard logprobs.contains(where: \.isFinite) else { return nil }
        let p = LikelihoodMetrics.softmax(logprobs)
        let correct = LikelihoodMetrics.acc(logprobs, gold: gold) == 1
        return (p.max() ?? 0, correct)
    }

    /// ECE of `predictions`, sorted first so that the figure does not depend on the order items were stored in
    /// (the same answers give the same number in `show`, `compare` and every export); nil for none.
    public static func figure(_ predictions: [(confidence: Double, correct: Bool)]) -> CalibrationFigure? {
        guard !predictions.isEmpty else { return nil }
        let sorted = predictions.sorted { ($0.confidence, $0.correct ? 1 : 0) < ($1.confidence, $1.correct ? 1 : 0) }
        let ece = LikelihoodMetrics.expectedCalibrationError(confidences: sorted.map(\.confidence), correct: sorted.map(\.correct),
                                                             bins: CalibrationFigure.bins)
        return CalibrationFigure(ece: ece, n: sorted.count)
    }

    /// Figures by language tag and `all` for `items` (every sample); empty when no item is a likelihood multiple-choice answer.
    public static func figures(_ items: [ItemRecord]) -> [String: CalibrationFigure] {
        var acc = CalibrationAccumulator()
        for item in items { acc.add(item) }
        return acc.figures
    }
}

/// Collects the predictions of a run's items one at a time (`SummaryAggregator`), by language.
public struct CalibrationAccumulator: Sendable {
    private var byLanguage: [String: [(confidence: Double, correct: Bool)]] = [:]

    /// An empty accumulator.
    public init() {}

    /// Adds one stored item (ignored unless it is a likelihood multiple-choice answer).
    public mutating func add(_ item: ItemRecord) {
        guard let p = Calibration.prediction(item) else { return }
        byLanguage[item.language, default: []].append(p)
    }

    /// Language tag (and `all`) → figure.
    public var figures: [String: CalibrationFigure] {
        var out: [String: CalibrationFigure] = [:]
        for (language, predictions) in byLanguage { out[language] = Calibration.figure(predictions) }
        if let all = Calibration.figure(byLanguage.values.flatMap { $0 }) { out["all"] = all }
        return out
    }
}
