import Foundation
import Hummingbird
import MizanCore
import MizanReport
import MizanStore

/// A run's items (`/runs/ID/items`): filters, text search and keyset paging, read through `ResultStore.itemPage`
/// (bounded queries: a page never reads the whole run).
extension WebApp {
    /// Items per page unless `limit=` says otherwise (at most 500).
    static let pageSize = 50

    /// The item drill-down page.
    func itemsPage(_ req: Request, _ runID: String) async throws -> Response {
        let s = try browseAccess(req)
        let run = try await run(runID)
        let f = Self.query(req)
        var q = ItemQuery(limit: f.nonEmpty("limit").flatMap(Int.init) ?? Self.pageSize)
        q.language = f.nonEmpty("language")
        q.metric = f.nonEmpty("metric")
        q.minScore = try Self.number(f, "min")
        q.maxScore = try Self.number(f, "max")
        if (q.minScore != nil || q.maxScore != nil) && q.metric == nil {
            throw PageError(.badRequest, "A score range needs a metric: choose one in the metric field.")
        }
        q.search = f.nonEmpty("q")
        q.failed = f.nonEmpty("failed").map { $0 == "1" || $0 == "true" }
        if let after = f.nonEmpty("after") { q.after = (after, f.nonEmpty("after_sample").flatMap(Int.init) ?? Int.max) }
        let store = self.store, query = q
        let page = try await Self.blocking { try store.itemPage(runID: run.id, query: query) }
        let summary = try await summary(run)
        let base = "/runs/\(FormData.encode(run.id))/items"
        var body = "<p><a id=\"back-to-run\" href=\"/runs/\(FormData.encode(run.id))\">Run overview</a></p>\n"
        body += "<form id=\"item-filters\" class=\"filters\" method=\"get\" action=\"\(base)\">"
        body += "<label for=\"filter-language\">language<select id=\"filter-language\" name=\"language\"><option value=\"\">any</option>"
        body += summary.byLanguage.keys.sorted().map { "<option\($0 == q.language ? " selected" : "")>\(Layout.h($0))</option>" }.joined()
        body += "</select></label><label for=\"filter-metric\">metric<select id=\"filter-metric\" name=\"metric\"><option value=\"\">any</option>"
        body += summary.metricNames.map { "<option\($0 == q.metric ? " selected" : "")>\(Layout.h($0))</option>" }.joined() + "</select></label>"
        body += Self.field("min", "min score", f["min"]) + Self.field("max", "max score", f["max"]) + Self.field("q", "search", f["q"])
        body += "<label for=\"filter-failed\">endpoint errors<select id=\"filter-failed\" name=\"failed\">"
        body += [("", "any"), ("1", "only errors"), ("0", "no errors")].map { v, label in
            "<option value=\"\(v)\"\((f["failed"] ?? "") == v ? " selected" : "")>\(label)</option>"
        }.joined() + "</select></label><button id=\"filter-apply\" type=\"submit\">Filter</button></form>\n"
        body += "<p class=\"note\" id=\"item-count\">\(page.total) matching items\(q.after == nil ? "" : " (a later page)"); "
        body += "\(page.items.count) shown, ordered by item id.</p>\n"
        for item in page.items { body += Self.itemBlock(item) }
        let filters: [(String, String?)] = [("language", q.language), ("metric", q.metric), ("min", f["min"]), ("max", f["max"]),
                                            ("q", q.search), ("failed", f["failed"]), ("limit", f["limit"])]
        body += "<nav class=\"pager\" id=\"pager\">"
        if q.after != nil { body += "<a id=\"page-first\" href=\"\(base)\(FormData.query(filters))\">First page</a>" }
        if let next = page.next {
            let link = base + FormData.query(filters + [("after", next.itemID), ("after_sample", String(next.sample))])
            body += "<a id=\"page-next\" href=\"\(Layout.h(link))\">Next page</a>"
        }
        body += "</nav>\n"
        return Self.html(Layout.page(title: "Items of run \(run.id)", session: s, body))
    }

    /// One item: prompt, references, choices, output or error, scores, latency, tokens.
    static func itemBlock(_ item: ItemRecord) -> String {
        let r = item.response
        let anchor = Layout.h("item-\(item.itemID)-\(item.sample)")
        var h = "<article class=\"item\" id=\"\(anchor)\"><h3><bdi>\(Layout.h(item.itemID))</bdi>"
        h += item.sample > 0 ? " <span class=\"note\">sample \(item.sample)</span>" : ""
        h += " <span class=\"note\">\(Layout.h(item.language))</span></h3>\n<dl>"
        h += ItemMarkup.inputs(item, classes: true)
        h += r.failure == nil ? "<dt>Output</dt>" : "<dt>Error</dt>"
        h += "<dd>" + ItemMarkup.answer(r, language: item.language, outputClass: true) + "</dd>"
        if !item.scores.isEmpty {
            h += "<dt>Scores</dt><dd><table class=\"scores-of-item\"><tbody>" + item.scores.map { sc in
                let value = sc.value.map { SummaryTables.formatScore($0, metric: sc.metric) } ?? "–"
                return "<tr><td>\(Layout.h(sc.metric))</td><td class=\"num\">\(Layout.h(value))</td><td class=\"err\">\(Layout.h(sc.error ?? ""))</td></tr>"
            }.joined() + "</tbody></table></dd>"
        }
        var measured = [ItemMarkup.reusedNote(r) ?? String(format: "latency %.0f ms", r.latency * 1000)]
        if let t = r.timeToFirstToken, !r.reused { measured.append(String(format: "first token %.0f ms", t * 1000)) }
        if let p = r.usage.promptTokens, let c = r.usage.completionTokens { measured.append("tokens \(p) in, \(c) out") }
        if r.attempts > 1 { measured.append("\(r.attempts) attempts") }
        h += "<dt>Measured</dt><dd class=\"note\">\(Layout.h(measured.joined(separator: " · ")))</dd>"
        return h + "</dl></article>\n"
    }

    /// A labelled text input of the filter form.
    static func field(_ name: String, _ label: String, _ value: String?) -> String {
        "<label for=\"filter-\(name)\">\(label)<input id=\"filter-\(name)\" name=\"\(name)\" value=\"\(Layout.h(value ?? ""))\" size=\"8\"></label>"
    }

    /// A number field of the query, or a 400 naming the field.
    static func number(_ f: FormData, _ name: String) throws -> Double? {
        guard let v = f.nonEmpty(name) else { return nil }
        guard let d = Double(v), d.isFinite else { throw PageError(.badRequest, "\(name)=\(v) is not a number.") }
        return d
    }
}
