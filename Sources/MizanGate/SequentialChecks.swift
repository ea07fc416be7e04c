import Foundation
import MizanCore
import MizanReport

extension Gate {
    /// The score checks with the sequential decisions applied. In a suite that stopped early every score check is
    /// the sequential one (decided by its confidence bound); in a suite whose items ran out the fixed-size checks
    /// stand, as without `--sequential`, and say where the bound ended.
    static func applying(_ summary: SequentialSummary, to checks: [GateCheck]) -> [GateCheck] {
        let early = Set(summary.suites.filter(\.stoppedEarly).map(\.suite))
        var out = checks
        for r in summary.checks {
            let index = out.firstIndex { $0.suite == r.suite && $0.language == r.language && $0.metric == r.metric && $0.check == r.check }
            if early.contains(r.suite) {
                let check = sequentialCheck(r)
                if let index { out[index] = check } else { out.append(check) }
            } else if let index {
                out[index].detail += "; " + boundText(r)
            }
        }
        return out
    }

    /// A check decided by its confidence sequence.
    static func sequentialCheck(_ r: SequentialCheckResult) -> GateCheck {
        let failed = r.outcome == .regression
        let measured: Double
        let limit: Double
        let failsLow = r.check == "min"
        if failed {
            (measured, limit) = (failsLow ? r.upper : r.lower, r.failBeyond)
        } else {
            (measured, limit) = (failsLow ? r.lower : r.upper, r.passWithin)
        }
        let f = { (x: Double) in SummaryTables.formatScore(x, metric: r.metric) }
        let what: String
        switch (r.outcome, failsLow) {
        case (.regression, false): what = "\(r.quantity) established above \(f(r.failBeyond))"
        case (.regression, true): what = "\(r.quantity) established below \(f(r.failBeyond))"
        case (.pass, false): what = "\(r.quantity) of \(f(r.passWithin)) or more ruled out"
        case (.pass, true): what = "\(r.quantity) below \(f(r.passWithin)) ruled out"
        case (.undecided, _): what = "undecided when the gate stopped (another check had established a regression)"
        }
        return GateCheck(check: r.check, rules: r.rules, suite: r.suite, language: r.language, metric: r.metric, passed: !failed,
                         measured: measured, limit: limit, detail: "sequential: \(what); " + boundText(r))
    }

    /// `confidence sequence of the worsening [0.12, 0.61] after 14 of 40 items (mean 0.35), decided after 14`.
    static func boundText(_ r: SequentialCheckResult) -> String {
        let f = { (x: Double) in SummaryTables.formatScore(x, metric: r.metric) }
        var s = "confidence sequence of the \(r.quantity) [\(f(r.lower)), \(f(r.upper))] after \(r.used) of \(r.population) items"
        if let m = r.mean { s += " (mean \(f(m)))" }
        s += r.decidedAfter.map { ", decided after \($0)" } ?? ", undecided"
        return s
    }
}
