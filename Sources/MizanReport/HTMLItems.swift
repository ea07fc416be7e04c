import Foundation
import MizanCore
import MizanStore

/// The item drill-down of the HTML report: per suite, one `<details>` per compared item with the prompt,
/// the references and every column's output and scores. Items whose scores differ between columns come first.
public enum HTMLItems {
    /// The drill-down of `c`'s items from `runs`, at most `limit` per suite.
    public static func drillDown(_ c: Comparison, runs: [LoadedRun], limit: Int) -> String {
        let itemsByRun = Dictionary(runs.map { ($0.run.id, ItemDiff.firstSamples($0.items)) }, uniquingKeysWith: { a, _ in a })
        let scoresByRun = Dictionary(runs.map { ($0.run.id, ItemScores($0.items)) }, uniquingKeysWith: { a, _ in a })
        var h = ""
        for cov in c.coverage {
            let suite = cov.suite
            let runIDs = c.columns.map { col in col.runs.first { $0.suiteID == suite }?.id }
            let maps = runIDs.map { $0.flatMap { itemsByRun[$0] } }
            let present = maps.compactMap { $0 }
            guard let first = present.first else { continue }
            let common = first.keys.filter { id in present.allSatisfy { $0[id] != nil } }
            let metrics = Array(Set(c.rows.filter { $0.suite == suite }.map(\.metric))).sorted()
            func scores(_ col: Int, _ id: String) -> [String: Double] {
                guard let rid = runIDs[col], let s = scoresByRun[rid] else { return [:] }
                var out: [String: Double] = [:]
                for m in metrics { if let v = s.values[m]?[id] { out[m] = v } }
                return out
            }
            func changed(_ id: String) -> Bool {
                let all = c.columns.indices.filter { runIDs[$0] != nil }.map { scores($0, id) }
                return Set(all).count > 1
            }
            let ordered = common.map { ($0, changed($0)) }.sorted { a, b in a.1 != b.1 ? a.1 : a.0.localizedStandardCompare(b.0) == .orderedAscending }
            let shown = ordered.prefix(limit)
            h += "<h3>\(HTMLExport.escape(c.rows.first { $0.suite == suite }?.suiteLabel ?? suite))</h3>\n"
            h += "<p class=\"note\">\(ordered.filter(\.1).count) of \(ordered.count) items score differently between models"
            h += ordered.count > shown.count ? "; the first \(shown.count) are listed.</p>\n" : ".</p>\n"
            for (id, isChanged) in shown {
                guard let item = first[id] else { continue }
                let summary = c.columns.indices.filter { runIDs[$0] != nil }.map { i -> String in
                    let s = scores(i, id)
                    return "\(c.columns[i].label): " + metrics.compactMap { m in s[m].map { "\(m) \(SummaryTables.format($0))" } }.joined(separator: ", ")
                }.joined(separator: " · ")
                h += "<details class=\"item\(isChanged ? " changed" : "")\"><summary><bdi>\(HTMLExport.escape(id))</bdi> "
                h += "<span class=\"note\">\(HTMLExport.escape(item.language)) — <bdi>\(HTMLExport.escape(summary))</bdi></span></summary>\n<dl>"
                h += ItemMarkup.inputs(item, classes: false)
                for (i, map) in maps.enumerated() {
                    guard let rec = map?[id] else { continue }
                    let s = scores(i, id)
                    h += "<dt><bdi>\(HTMLExport.escape(c.columns[i].label))</bdi> <span class=\"note\">"
                    h += HTMLExport.escape(metrics.compactMap { m in s[m].map { "\(m) \(SummaryTables.format($0))" } }.joined(separator: ", "))
                    if let reused = ItemMarkup.reusedNote(rec.response) { h += HTMLExport.escape(" · " + reused) }
                    h += "</span></dt><dd>" + ItemMarkup.answer(rec.response, language: item.language, outputClass: false)
                    h += "</dd>"
                }
                h += "</dl></details>\n"
            }
        }
        return h
    }
}
