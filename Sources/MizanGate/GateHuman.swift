import Foundation
import MizanCore
import MizanHuman
import MizanStore

extension Gate {
    /// The human-preference checks of one suite (`min_human_win_rate`, `max_human_loss_rate`, suite-level rules): the
    /// candidate's win and loss rates against the baseline from every pairwise study between the two runs. A rule
    /// without any judgment fails, saying which study to create: a gate never passes on a figure it does not have.
    static func humanChecks(baseline: RunRecord, candidate: RunRecord, rules: GateRules, human: HumanStudies?) throws -> [GateCheck] {
        let l = rules.suiteLimits(suite: candidate.suiteID, metric: nil)
        guard l.minHumanWinRate != nil || l.maxHumanLossRate != nil else { return [] }
        let preference = try human?.preference(runA: baseline.id, runB: candidate.id)
        var out: [GateCheck] = []
        func add(_ check: String, _ passed: Bool, _ measured: Double, _ limit: Double, _ detail: String) {
            out.append(GateCheck(check: check, rules: l.source(of: check), suite: candidate.suiteID, language: "all", metric: nil,
                                 passed: passed, measured: measured, limit: limit, detail: detail))
        }
        guard let p = preference, let win = p.winRateB else {
            let detail = "no human judgment between baseline run \(baseline.id) and candidate run \(candidate.id); create a study with "
                + "`\(CLICommand.humanNew) \(CLIFlag.runs) \(baseline.id) \(candidate.id) \(CLIFlag.name) NAME` and collect judgments"
            if let min = l.minHumanWinRate { add("min_human_win_rate", false, .nan, min, detail) }
            if let max = l.maxHumanLossRate { add("max_human_loss_rate", false, .nan, max, detail) }
            return out
        }
        let n = p.judgments
        if let min = l.minHumanWinRate {
            add("min_human_win_rate", win.value >= min, win.value, min,
                "human win rate \(StudyReport.percentWithInterval(win)) over \(n) judgment(s) (minimum \(StudyReport.percent(min)))")
        }
        if let max = l.maxHumanLossRate {
            let loss = Double(p.tally.runAWins) / Double(n)
            add("max_human_loss_rate", loss <= max, loss, max,
                "baseline preferred in \(p.tally.runAWins) of \(n) judgment(s) (\(StudyReport.percent(loss)); allowed \(StudyReport.percent(max)))")
        }
        return out
    }
}
