/// Which way a metric improves. The one source of truth for `compare`, `diff`, `gate` and the exports.
public enum MetricDirection: String, Sendable, Hashable, CaseIterable {
    /// A larger score is better (accuracy, F1, BLEU, log-likelihood …).
    case higherIsBetter = "higher"
    /// A smaller score is better (TER, bits per byte, perplexities, Brier score, calibration error).
    case lowerIsBetter = "lower"

    /// How much worse `after` is than `before` (positive: worse, negative: better), in the metric's units.
    public func worsening(from before: Double, to after: Double) -> Double {
        self == .lowerIsBetter ? after - before : before - after
    }

    /// True when `after` is strictly worse than `before`.
    public func isWorse(_ after: Double, than before: Double) -> Bool { worsening(from: before, to: after) > 0 }

    /// `↑` (higher is better) or `↓` (lower is better).
    public var arrow: String { self == .lowerIsBetter ? "↓" : "↑" }

    /// `higher is better` or `lower is better`.
    public var phrase: String { self == .lowerIsBetter ? "lower is better" : "higher is better" }
}

extension MetricRegistry {
    /// Metrics (and suite-level figures) where a lower score is better; every other name is higher-is-better.
    /// `ece` is the suite-level expected calibration error of log-likelihood multiple choice (not a per-item metric).
    public static let lowerIsBetter: Set<String> = ["ter", "bits_per_byte", "byte_perplexity", "word_perplexity", "brier", "ece"]

    /// The direction of a metric by name: lower is better for TER, bits per byte, byte and word perplexity, the
    /// Brier score and expected calibration error; higher for every other metric (`loglikelihood` included: a
    /// log-probability closer to 0 is better).
    public static func direction(ofMetric name: String) -> MetricDirection {
        lowerIsBetter.contains(name) ? .lowerIsBetter : .higherIsBetter
    }
}
