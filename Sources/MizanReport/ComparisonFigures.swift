import MizanCore
import MizanMetrics
import MizanStore

extension ComparisonRow {
    /// Which way the row's metric improves (`MetricRegistry.direction(ofMetric:)`).
    public var direction: MetricDirection { MetricRegistry.direction(ofMetric: metric) }
}

/// One suite × language slice of a suite-level figure (expected calibration error) across the compared columns:
/// a value per column, no interval and no test (docs/likelihood.md, "Reports").
public struct SuiteFigureRow: Sendable {
    /// Suite id.
    public var suite: String
    /// `id@version` of the reference column's run.
    public var suiteLabel: String
    /// Language tag, or `all`.
    public var language: String
    /// The figure's name (`ece`).
    public var figure: String
    /// Per column: the figure over the compared items (nil if the column has no run of the suite, or no answer to compute it from).
    public var values: [CalibrationFigure?]
    /// Index of the reference column.
    public var reference: Int

    /// Which way the figure improves.
    public var direction: MetricDirection { MetricRegistry.direction(ofMetric: figure) }

    /// Per column: its value minus the reference's (nil for the reference and where either is missing).
    public var differences: [Double?] {
        values.indices.map { i in
            guard i != reference, let v = values[i], reference < values.count, let r = values[reference] else { return nil }
            return v.ece - r.ece
        }
    }

    /// The calibration rows of one suite: `items` holds, per column, the compared items of its run (nil: no run).
    /// Empty unless some column's run holds log-likelihood multiple-choice answers.
    static func calibration(suite: String, suiteLabel: String, items: [[ItemRecord]?], reference: Int) -> [SuiteFigureRow] {
        let perColumn = items.map { $0.map(Calibration.figures) }
        let languages = Set(perColumn.flatMap { $0?.keys.map { $0 } ?? [] })
        guard !languages.isEmpty else { return [] }
        return (languages.subtracting(["all"]).sorted() + ["all"]).map { language in
            SuiteFigureRow(suite: suite, suiteLabel: suiteLabel, language: language, figure: CalibrationFigure.name,
                           values: perColumn.map { $0?[language] }, reference: reference)
        }
    }
}
