import Foundation
import MizanCore
import MizanHuman
import MizanReport
import MizanStore

/// The human-preference column of `mizan compare`: for each compared column against the reference column, on each
/// suite, the win rate from every pairwise study between the two runs (`HumanStudies.preference`, the same figure the
/// gate and the web app show). Nothing when no study between compared runs has a judgment.
enum CompareHuman {
    /// One cell: a column's runs against the reference's on one suite.
    struct Row {
        /// Suite id.
        var suite: String
        /// The column's label.
        var label: String
        /// The preference of the column's run over the reference's.
        var preference: HumanPreference
    }

    /// The rows of `comparison` that have human judgments.
    static func rows(_ comparison: Comparison, store: any ResultStore) throws -> [Row] {
        guard let human = try? HumanStudies(store: store) else { return [] }
        let reference = comparison.columns[comparison.reference]
        var out: [Row] = []
        for (i, column) in comparison.columns.enumerated() where i != comparison.reference {
            for run in column.runs {
                guard let base = reference.runs.first(where: { $0.suiteID == run.suiteID }),
                      let p = try human.preference(runA: base.id, runB: run.id) else { continue }
                out.append(Row(suite: run.suiteID, label: column.label, preference: p))
            }
        }
        return out
    }

    /// The rows as a table: suite, column, win rate over the reference with its interval and n.
    static func table(_ rows: [Row], referenceLabel: String) -> Table {
        var t = Table(header: ["suite", "column", "human win rate vs \(referenceLabel)", "wins", "losses", "ties", "both bad", "n"])
        t.rows = rows.map {
            let w = $0.preference.tally
            return [$0.suite, $0.label, $0.preference.winRateB.map(StudyReport.percentWithInterval) ?? "–", String(w.runBWins),
                    String(w.runAWins), String(w.ties), String(w.bothBad), String(w.judged)]
        }
        return t
    }

    /// The rows as JSON (the `human_preference` array of `mizan compare --format json`).
    static func json(_ rows: [Row]) -> JSONValue {
        .array(rows.map { r in
            guard case .object(var o) = StudyReport.json(r.preference) else { return .null }
            o["suite"] = .string(r.suite)
            o["column"] = .string(r.label)
            return .object(o)
        })
    }
}
