import Foundation
import MizanCore
import MizanReport

/// The gate's report in the formats CI systems read: terminal text, JUnit XML, Markdown and GitHub annotations.
public enum GateReports {
    /// One line with the verdict.
    public static func verdict(_ r: GateReport) -> String {
        verdictOnly(r) + (r.sequential.map { "; " + sequentialLine($0) } ?? "")
    }

    /// `sequential: 14 of 39 items (seed 7), stopped early`.
    public static func sequentialLine(_ s: SequentialSummary) -> String {
        "sequential: \(s.used) of \(s.planned) items (seed \(s.seed)), " + (s.stoppedEarly ? "stopped early" : "ran every item")
    }

    /// Each sequentially tested check: outcome, confidence bounds at the stop, items used.
    public static func sequentialTable(_ s: SequentialSummary) -> Table {
        var t = Table(header: ["suite", "language", "metric", "check", "outcome", "bound at the stop", "items"],
                      fit: [.elastic(min: 12), .fixed, .elastic(min: 8), .fixed, .fixed, .elastic(min: 16), .fixed])
        for c in s.checks {
            let f = { (x: Double) in SummaryTables.formatScore(x, metric: c.metric) }
            let items = "\(c.used)/\(c.population)" + (c.decidedAfter.map { " (decided at \($0))" } ?? "")
            t.rows.append([c.suite, c.language, c.metric, c.check, c.outcome.rawValue, "\(c.quantity) [\(f(c.lower)), \(f(c.upper))]", items])
        }
        return t
    }

    static func verdictOnly(_ r: GateReport) -> String {
        let failed = r.failures.count
        switch r.decision {
        case .pass: return "gate PASSED: \(r.checks.count) checks against baseline \(r.baselineName) (rules: \(r.rulesSource))"
        case .regression:
            let slices = Set(r.failures.map(\.slice)).count
            return "gate FAILED: \(failed) of \(r.checks.count) checks failed on \(slices) slice\(slices == 1 ? "" : "s") against baseline \(r.baselineName) (rules: \(r.rulesSource))"
        case .undecidable(let why): return "gate UNDECIDED: \(why)"
        }
    }

    /// The failed checks (or every check with `all`) as a table.
    public static func checksTable(_ r: GateReport, all: Bool = false) -> Table {
        var t = Table(header: ["result", "suite", "language", "metric", "check", "measured", "rules"],
                      fit: [.fixed, .elastic(min: 12), .fixed, .elastic(min: 8), .fixed, .fixed, .elastic(min: 12)])
        for c in all ? r.checks : r.failures {
            t.rows.append([c.passed ? "pass" : "FAIL", c.suite, c.language, c.metric ?? "–", c.check, c.detail, c.rules.joined(separator: ", ")])
        }
        return t
    }

    /// The most regressed items.
    public static func worstItemsTable(_ r: GateReport) -> Table {
        var t = Table(header: ["suite", "item", "language", "metric", "baseline", "candidate", "candidate output"],
                      fit: [.elastic(min: 12), .elastic(min: 10), .fixed, .elastic(min: 8), .fixed, .fixed, .elastic(min: 16)])
        for i in r.worstItems {
            let output = (i.candidateOutput ?? "(none)").replacingOccurrences(of: "\n", with: " ")
            t.rows.append([i.suite, i.itemID, i.language, i.metric, SummaryTables.formatScore(i.baseline, metric: i.metric),
                           SummaryTables.formatScore(i.candidate, metric: i.metric),
                           String(output.unicodeScalars.prefix(80).map(Character.init))])
        }
        return t
    }

    /// Terminal text: verdict, failed checks, worst items.
    public static func text(_ r: GateReport, format: TableFormat = .table) -> String {
        var out = verdict(r) + "\n"
        if let seq = r.sequential, !seq.checks.isEmpty { out += "\nSequential tests:\n" + sequentialTable(seq).render(format) }
        if !r.failures.isEmpty {
            out += "\nFailed checks:\n" + checksTable(r).render(format)
            if !r.worstItems.isEmpty { out += "\nMost regressed items:\n" + worstItemsTable(r).render(format) }
        }
        let dropped = r.comparison.coverage.filter { $0.dropped.contains { ($0 ?? 0) > 0 } }
        for c in dropped {
            out += "\nnote: suite \(c.suite): compared on \(c.commonItems) common items; dropped baseline \(c.dropped[0] ?? 0), candidate \(c.dropped[1] ?? 0)"
        }
        let reuse = reuseNotes(r)
        for note in reuse { out += "\nnote: \(note)" }
        for i in r.comparison.incomparabilities { out += "\nwarning (guard overridden): \(i)" }
        for i in r.comparison.cautions { out += "\nnote: \(ComparisonTables.cautionText(i))" }
        return out + (dropped.isEmpty && reuse.isEmpty && r.comparison.incomparabilities.isEmpty && r.comparison.cautions.isEmpty ? "" : "\n")
    }

    /// Per baseline or candidate run with answers reused from the response cache: `candidate run X: 20 of 21
    /// answers reused from run Y; latency … over the 1 answer sent`.
    public static func reuseNotes(_ r: GateReport) -> [String] {
        var out: [String] = []
        for col in r.comparison.columns {
            for run in col.runs {
                guard let note = col.performanceBySuite[run.suiteID]?.reuseNote else { continue }
                out.append("\(col.label) run \(run.id) (\(run.suiteID)): \(note)")
            }
        }
        return out
    }

    /// JUnit XML: one test suite per mizan suite, one test case per check (rule × slice).
    public static func junit(_ r: GateReport) -> String {
        let bySuite = Dictionary(grouping: r.checks, by: \.suite)
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuites name=\"mizan gate\" tests=\"\(r.checks.count)\" failures=\"\(r.failures.count)\" errors=\"\(isUndecided(r) ? 1 : 0)\">\n"
        for suite in bySuite.keys.sorted() {
            let checks = bySuite[suite]!
            x += "  <testsuite name=\"\(xml(suite))\" tests=\"\(checks.count)\" failures=\"\(checks.filter { !$0.passed }.count)\">\n"
            x += reuseProperties(r, suite: suite)
            for c in checks {
                let name = "\(c.language) · \(c.metric.map { "\($0) · " } ?? "")\(c.check)"
                x += "    <testcase classname=\"mizan.gate.\(xml(suite))\" name=\"\(xml(name))\">"
                if c.passed {
                    x += "<system-out>\(xml(c.detail))</system-out></testcase>\n"
                } else {
                    x += "\n      <failure message=\"\(xml(c.slice + ": " + c.detail))\" type=\"\(xml(c.check))\">"
                    x += xml("\(c.detail)\nrules: \(c.rules.joined(separator: ", "))") + "</failure>\n    </testcase>\n"
                }
            }
            x += "  </testsuite>\n"
        }
        if case .undecidable(let why) = r.decision {
            x += "  <testsuite name=\"endpoint\" tests=\"1\" failures=\"0\" errors=\"1\">\n"
            x += "    <testcase classname=\"mizan.gate\" name=\"endpoint errors within budget\"><error message=\"\(xml(why))\"/></testcase>\n  </testsuite>\n"
        }
        return x + "</testsuites>\n"
    }

    /// `<properties>` with the answers reused by the baseline and candidate runs of `suite` and the sequential gate's
    /// item use (none when there is neither).
    static func reuseProperties(_ r: GateReport, suite: String) -> String {
        var props = ""
        for col in r.comparison.columns {
            guard let p = col.performanceBySuite[suite], p.reused > 0 else { continue }
            props += "      <property name=\"\(xml(col.label)).reused\" value=\"\(p.reused)\"/>\n"
            props += "      <property name=\"\(xml(col.label)).reuse\" value=\"\(xml(p.reuseNote ?? ""))\"/>\n"
        }
        props += sequentialProperties(r, suite: suite)
        return props.isEmpty ? "" : "    <properties>\n" + props + "    </properties>\n"
    }

    /// `<property>` lines with the sequential gate's item use for `suite` (none for a fixed-size gate).
    static func sequentialProperties(_ r: GateReport, suite: String) -> String {
        guard let s = r.sequential, let use = s.suites.first(where: { $0.suite == suite }) else { return "" }
        return "      <property name=\"sequential.seed\" value=\"\(s.seed)\"/>\n"
            + "      <property name=\"sequential.items_used\" value=\"\(use.used)\"/>\n"
            + "      <property name=\"sequential.items_planned\" value=\"\(use.planned)\"/>\n"
            + "      <property name=\"sequential.stopped_early\" value=\"\(use.stoppedEarly)\"/>\n"
    }

    static func isUndecided(_ r: GateReport) -> Bool { if case .undecidable = r.decision { return true } else { return false } }

    /// Markdown for a CI job summary: verdict, failed checks, worst items, and every check folded away.
    public static func markdown(_ r: GateReport) -> String {
        let icon: String
        switch r.decision {
        case .pass: icon = "✅"
        case .regression: icon = "❌"
        case .undecidable: icon = "⚠️"
        }
        var md = "## \(icon) mizan gate\n\n\(verdict(r))\n\n"
        md += "Candidate: " + r.candidateRuns.map { "`\($0.id)` (\($0.suiteID)@\($0.suiteVersion), \($0.endpoint) · \($0.model))" }.joined(separator: ", ") + "\n\n"
        for note in reuseNotes(r) { md += "- Reused answers: \(note)\n" }
        if !reuseNotes(r).isEmpty { md += "\n" }
        if let seq = r.sequential, !seq.checks.isEmpty {
            md += "### Sequential tests\n\n" + sequentialTable(seq).render(.md) + "\n"
        }
        if !r.failures.isEmpty {
            md += "### Failed checks\n\n" + checksTable(r).render(.md) + "\n"
            if !r.worstItems.isEmpty { md += "### Most regressed items\n\n" + worstItemsTable(r).render(.md) + "\n" }
        }
        md += "<details><summary>All \(r.checks.count) checks</summary>\n\n" + checksTable(r, all: true).render(.md) + "\n</details>\n"
        return md
    }

    /// GitHub Actions workflow commands: an `::error` line per failed check, a `::notice` with the verdict.
    public static func githubAnnotations(_ r: GateReport) -> String {
        var lines: [String] = []
        for c in r.failures {
            lines.append("::error title=\(ghProperty("mizan gate: " + c.slice))::\(ghData(c.detail + " (rules: " + c.rules.joined(separator: ", ") + ")"))")
        }
        if case .undecidable(let why) = r.decision { lines.append("::error title=mizan gate::\(ghData(why))") }
        lines.append("::notice title=mizan gate::\(ghData(verdict(r)))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Escapes text for XML content and attributes (characters XML 1.0 forbids become U+FFFD).
    static func xml(_ s: String) -> String { Markup.escape(s) }

    /// Escapes a workflow-command message.
    static func ghData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Escapes a workflow-command property value.
    static func ghProperty(_ s: String) -> String {
        ghData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
