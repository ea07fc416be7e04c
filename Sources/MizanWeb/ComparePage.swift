import Foundation
import Hummingbird
import MizanCore
import MizanReport
import MizanStore

/// `/compare?run=A&run=B…`: the tables `mizan compare` prints (same builder, same statistics), the charts, and the
/// item-level differences side by side (the HTML export's drill-down).
extension WebApp {
    /// The compare page, or the run picker when fewer than two runs are named.
    func comparePage(_ req: Request) async throws -> Response {
        let s = try browseAccess(req)
        let f = Self.query(req)
        let ids = f.all("run").filter { !$0.isEmpty }
        guard ids.count >= 2 else { return try await comparePicker(s, chosen: ids) }
        var options = ComparisonOptions()
        if let a = f.nonEmpty("alpha") {
            guard let alpha = Double(a), alpha > 0, alpha < 1 else { throw PageError(.badRequest, "alpha=\(a) must be between 0 and 1.") }
            options.alpha = alpha
        }
        options.allowIncomparable = f["allow_incomparable"] == "1"
        let limit = min(max(f.nonEmpty("items").flatMap(Int.init) ?? 200, 0), 2000)
        var records: [RunRecord] = []
        for id in ids { records.append(try await run(id)) }
        if let reference = f.nonEmpty("reference") {
            guard let i = records.firstIndex(where: { $0.id == reference || $0.id.hasPrefix(reference) }) else {
                throw PageError(.badRequest, "reference=\(reference) is none of the compared runs.")
            }
            options.reference = i
        }
        let store = self.store, picked = records, chosen = options
        let (comparison, loaded): (Comparison, [LoadedRun])
        do {
            (comparison, loaded) = try await Self.blocking {
                let loaded = try picked.map { try LoadedRun($0, from: store) }
                return (try ComparisonBuilder.build(loaded, options: chosen), loaded)
            }
        } catch let e as any UserFacingError {
            var again = ids.map { ("run", Optional($0)) } + [("allow_incomparable", Optional("1"))]
            again += [("reference", f["reference"])]
            let body = "<p id=\"compare-error\" class=\"err\">\(Layout.h(e.description))</p>\n"
                + "<p><a id=\"compare-anyway\" href=\"/compare\(Layout.h(FormData.query(again)))\">Compare anyway (allow incomparable runs)</a></p>\n"
            return Self.html(Layout.page(title: "These runs cannot be compared", session: s, body), status: .badRequest)
        }
        var body = ""
        for r in records where r.status != .completed {
            body += "<p class=\"flash\">Run \(Layout.h(r.id)) is \(r.status.rawValue): only the items it stored are compared.</p>\n"
        }
        body += "<p class=\"note\" id=\"compare-notes\">" + ComparisonTables.notes(comparison).map(Layout.h).joined(separator: "<br>") + "</p>\n"
        for d in comparison.incomparabilities { body += "<p class=\"flash\">Compared with allow-incomparable: \(Layout.h("\(d)"))</p>\n" }
        for d in comparison.cautions { body += "<p class=\"flash\">\(Layout.h(ComparisonTables.cautionText(d)))</p>\n" }
        body += "<h2>Scores</h2>\n" + HTMLExport.scoresTable(comparison)
        if !comparison.suiteFigures.isEmpty {
            body += "<h2>Calibration (suite-level, no CI)</h2>\n" + Layout.table(ComparisonTables.suiteFigures(comparison), id: "suite-figures")
        }
        body += "<h2>Charts</h2>\n<div class=\"charts\" id=\"charts\">" + HTMLExport.charts(comparison) + "</div>\n"
        body += "<h2>Performance</h2>\n" + Layout.table(ComparisonTables.performance(comparison), id: "performance")
        body += "<h2>Coverage</h2>\n" + Layout.table(ComparisonTables.coverage(comparison), id: "coverage")
        body += "<h2>Item-level differences</h2>\n<div id=\"item-differences\">"
        body += HTMLItems.drillDown(comparison, runs: loaded, limit: limit) + "</div>\n"
        let title = "Compare " + comparison.columns.map(\.label).joined(separator: " vs ")
        return Self.html(Layout.page(title: title, session: s, body))
    }

    /// The run picker: every run with a checkbox (the same form as the runs list).
    func comparePicker(_ s: Session?, chosen: [String]) async throws -> Response {
        let store = self.store
        let runs = try await Self.blocking { try store.runs() }
        var body = "<p>Pick two or more runs (the first is the reference).</p>\n"
        body += "<form id=\"compare-form\" method=\"get\" action=\"/compare\"><table id=\"runs\"><thead><tr>"
        body += "<th>compare</th><th>run</th><th>name</th><th>suite</th><th>model</th><th>status</th></tr></thead><tbody>\n"
        for r in runs {
            let id = Layout.h(r.id)
            body += "<tr><td><input type=\"checkbox\" name=\"run\" value=\"\(id)\" id=\"pick-\(id)\"\(chosen.contains(r.id) ? " checked" : "")></td>"
            body += "<td>\(id)</td><td><bdi>\(Layout.h(r.runManifest.name ?? ""))</bdi></td><td>\(Layout.h(r.suiteID))</td>"
            body += "<td><bdi>\(Layout.h(r.model))</bdi></td><td>\(r.status.rawValue)</td></tr>\n"
        }
        body += "</tbody></table><button id=\"compare-submit\" type=\"submit\">Compare</button></form>\n"
        return Self.html(Layout.page(title: "Compare runs", session: s, body))
    }
}
