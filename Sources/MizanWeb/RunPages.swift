import Foundation
import Hummingbird
import MizanCore
import MizanMetrics
import MizanReport
import MizanStore

/// The runs list (`/`) and a run's overview (`/runs/ID`).
extension WebApp {
    /// Runs, newest first, filtered by suite, language, model, status and name; checkboxes pick runs to compare.
    func runsPage(_ req: Request) async throws -> Response {
        let s = try browseAccess(req)
        let q = Self.query(req)
        let store = self.store
        let all = try await Self.blocking { try store.runs() }
        let suite = q.nonEmpty("suite"), language = q.nonEmpty("language"), model = q.nonEmpty("model")
        let status = q.nonEmpty("status"), name = q.nonEmpty("name")
        let runs = all.filter { r in
            (suite == nil || r.suiteID == suite)
                && (language == nil || (r.runManifest.suite?.language ?? "").lowercased().hasPrefix(language!.lowercased()))
                && (model == nil || r.model.localizedCaseInsensitiveContains(model!) || r.endpoint.localizedCaseInsensitiveContains(model!))
                && (status == nil || r.status.rawValue == status)
                && (name == nil || (r.runManifest.name ?? "").localizedCaseInsensitiveContains(name!) || r.id.hasPrefix(name!))
        }
        func select(_ field: String, _ values: [String], _ chosen: String?) -> String {
            "<label for=\"filter-\(field)\">\(field)<select id=\"filter-\(field)\" name=\"\(field)\"><option value=\"\">any</option>"
                + values.map { "<option\($0 == chosen ? " selected" : "")>\(Layout.h($0))</option>" }.joined() + "</select></label>"
        }
        func text(_ field: String, _ value: String?) -> String {
            "<label for=\"filter-\(field)\">\(field)<input id=\"filter-\(field)\" name=\"\(field)\" value=\"\(Layout.h(value ?? ""))\"></label>"
        }
        var body = "<form id=\"run-filters\" class=\"filters\" method=\"get\" action=\"/\">"
        body += select("suite", Array(Set(all.map(\.suiteID))).sorted(), suite)
        body += text("language", language) + text("model", model)
        body += select("status", RunStatus.allCases.map(\.rawValue), status) + text("name", name)
        body += "<button id=\"filter-apply\" type=\"submit\">Filter</button></form>\n"
        body += "<p class=\"note\" id=\"run-count\">\(runs.count) of \(all.count) runs.</p>\n"
        body += "<form id=\"compare-form\" method=\"get\" action=\"/compare\">\n<table id=\"runs\"><thead><tr>"
        body += ["compare", "run", "name", "suite", "language", "endpoint", "model", "status", "items", "started"]
            .map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in runs {
            let id = Layout.h(r.id)
            body += "<tr id=\"run-\(id)\"><td><input type=\"checkbox\" name=\"run\" value=\"\(id)\" id=\"pick-\(id)\" "
            body += "aria-label=\"compare \(id)\"></td><td><a class=\"run-link\" href=\"/runs/\(FormData.encode(r.id))\">\(id)</a></td>"
            body += "<td><bdi>\(Layout.h(r.runManifest.name ?? ""))</bdi></td><td>\(Layout.h("\(r.suiteID)@\(r.suiteVersion)"))</td>"
            body += "<td>\(Layout.h(r.runManifest.suite?.language ?? ""))</td><td><bdi>\(Layout.h(r.endpoint))</bdi></td>"
            body += "<td><bdi>\(Layout.h(r.model))</bdi></td><td class=\"status-\(r.status.rawValue)\">\(r.status.rawValue)</td>"
            body += "<td class=\"num\">\(r.itemCount)</td><td>\(Layout.h(r.startedAt))</td></tr>\n"
        }
        body += "</tbody></table>\n<button id=\"compare-submit\" type=\"submit\">Compare selected runs</button>\n</form>\n"
        return Self.html(Layout.page(title: "Runs", session: s, body))
    }

    /// A run's overview: the tables `mizan show` prints (overview; metric means with 95% CIs, per language),
    /// a chart of the first metric by language, links to its items.
    func runPage(_ req: Request, _ runID: String) async throws -> Response {
        let s = try browseAccess(req)
        let run = try await run(runID)
        let summary = try await summary(run)
        let items = "/runs/\(FormData.encode(run.id))/items"
        var body = "<p><a id=\"run-items\" href=\"\(items)\">Browse the \(summary.items) stored items</a>"
        body += " · <a id=\"run-errors\" href=\"\(items)?failed=1\">\(summary.errors) endpoint errors</a></p>\n"
        body += "<h2>Overview</h2>\n" + Layout.table(SummaryTables.overview(summary), id: "overview")
        body += "<h2>Metrics (mean, 95% CI)</h2>\n" + Layout.table(SummaryTables.metricsTable(summary, marks: true), id: "metrics")
        if let metric = summary.metricNames.first {
            let rows = summary.byLanguage.keys.sorted().compactMap { lang -> ComparisonRow? in
                guard let m = summary.byLanguage[lang]?[metric] else { return nil }
                return ComparisonRow.make(suite: run.suiteID, suiteLabel: run.suiteID, language: lang, metric: metric, cells: [m], differences: [nil])
            }
            if !rows.isEmpty {
                let direction = MetricRegistry.direction(ofMetric: metric)
                body += "<h2>Chart</h2>\n<figure id=\"chart-by-language\">" + SVGCharts.scoresByLanguage(
                    rows, columns: [run.runManifest.name ?? run.model], title: "\(metric) by language (\(direction.phrase))") + "</figure>\n"
            }
        }
        let title = "Run " + run.id + (run.runManifest.name.map { " · " + $0 } ?? "")
        return Self.html(Layout.page(title: title, session: s, body))
    }
}
