import Foundation
import Hummingbird
import MizanCore
import MizanHuman

/// Suite review by native speakers: the review page of a review study (`/studies/ID` for its annotators), one item at
/// a time, and its POST.
extension WebApp {
    /// The item `?item=` names, else the first this reviewer has not reviewed; the decision form; the item list.
    func reviewPage(_ req: Request, _ s: Session, _ annotator: Annotator, _ study: Study) async throws -> Response {
        let items = try await humanCall { try $0.reviewItems(for: annotator) }
        let q = Self.query(req)
        var body = q["saved"] != nil ? "<p id=\"flash\" class=\"flash\" role=\"status\">Saved.</p>\n" : ""
        let reviewed = items.filter { $0.existing != nil }.count
        body += "<p id=\"progress\">Reviewed \(reviewed) of \(items.count) items "
        body += "<progress id=\"progress-bar\" value=\"\(reviewed)\" max=\"\(max(items.count, 1))\"></progress></p>\n"
        let current = q.nonEmpty("item").flatMap { id in items.first { $0.itemID == id } } ?? items.first { $0.existing == nil }
        if let item = current {
            body += Self.reviewForm(item, session: s, action: "/studies/\(FormData.encode(study.id))/reviews")
        } else {
            body += "<p id=\"done\" class=\"ok\">Every item has your review. Open one below to change it.</p>\n"
        }
        body += "<h2>Items</h2>\n<ol id=\"review-items\">"
        for it in items {
            let state = it.existing.map { $0.submission.decision.rawValue } ?? "not reviewed"
            let link = "/studies/\(FormData.encode(study.id))" + FormData.query([("item", it.itemID)])
            body += "<li><a class=\"review-item-link\" href=\"\(Layout.h(link))\"><bdi>\(Layout.h(it.itemID))</bdi></a> "
            body += "<span class=\"note\">\(Layout.h(state))</span></li>"
        }
        body += "</ol>\n"
        return Self.html(Layout.page(title: "Review of suite \(study.suiteID)", session: s, script: true, body))
    }

    /// The decision form of one item: its prompt, input and references as they are, fields for corrections, a comment,
    /// and the ok / fix / remove buttons (keys 1/o, 2/f, 3/r, then Enter).
    static func reviewForm(_ item: ReviewItem, session s: Session, action: String) -> String {
        let lang = Layout.lang(item.language)
        let old = item.existing?.submission
        var h = "<section id=\"review-item\"><h2>Item <bdi>\(Layout.h(item.itemID))</bdi> <span class=\"note\">\(Layout.h(item.language))</span></h2>"
        h += "<h3>Prompt</h3><pre id=\"review-prompt\"\(lang)>\(Layout.h(item.prompt))</pre>"
        if let input = item.input { h += "<h3>Input</h3><pre id=\"review-input\"\(lang)>\(Layout.h(input))</pre>" }
        if !item.references.isEmpty {
            h += "<h3>Reference\(item.references.count > 1 ? "s" : "")</h3>"
            h += item.references.map { "<pre class=\"review-reference\"\(lang)>\(Layout.h($0))</pre>" }.joined()
        }
        h += "</section>\n<form id=\"review-form\" method=\"post\" action=\"\(Layout.h(action))\">" + Layout.csrfField(s)
        h += "<input type=\"hidden\" name=\"item\" value=\"\(Layout.h(item.itemID))\">"
        func area(_ name: String, _ label: String, _ value: String?) -> String {
            "<label for=\"\(name)\">\(label)<textarea id=\"\(name)\" name=\"\(name)\" rows=\"3\" cols=\"60\"\(lang)>"
                + Layout.h(value ?? "") + "</textarea></label>"
        }
        h += area("suggested-input", "Corrected input (for “needs a fix”)", old?.suggestedInput)
        h += area("suggested-reference", "Corrected reference (for “needs a fix”)", old?.suggestedReference)
        h += area("review-comment", "Comment (optional)", old?.comment)
        h += "<div class=\"verdicts\" role=\"group\" aria-label=\"decision\">"
        for (value, label, keys) in [("ok", "OK", "1 o"), ("fix", "Needs a fix", "2 f"), ("remove", "Remove", "3 r")] {
            let shown = keys.split(separator: " ").map { "<kbd>\($0)</kbd>" }.joined(separator: "/")
            h += "<button type=\"submit\" name=\"decision\" value=\"\(value)\" id=\"decision-\(value)\" data-key=\"\(keys)\" "
            h += "aria-pressed=\"\(old?.decision.rawValue == value ? "true" : "false")\">\(label)</button> <span class=\"note\">\(shown)</span>"
        }
        h += "</div><p id=\"shortcut-status\" class=\"note\" aria-live=\"polite\">Keyboard: 1/o, 2/f, 3/r mark a decision; Enter submits it.</p>"
        return h + "</form>\n"
    }

    /// Records a review (replacing this reviewer's earlier one of the item) and goes to the next unreviewed item.
    func submitReview(_ req: Request, _ studyID: String) async throws -> Response {
        let (_, form) = try await checkedForm(req)
        let (_, annotator) = try await annotator(req, study: studyID)
        guard let item = form.nonEmpty("item") else { throw PageError(.badRequest, "The form names no item.") }
        guard let decision = form["decision"].flatMap(ReviewDecision.init(rawValue:)) else {
            throw PageError(.badRequest, "Choose ok, fix or remove.")
        }
        let submission = ReviewSubmission(decision: decision, suggestedInput: form.nonEmpty("suggested-input"),
                                          suggestedReference: form.nonEmpty("suggested-reference"), comment: form.nonEmpty("review-comment"))
        try await humanCall { try $0.recordReview(annotator: annotator, itemID: item, submission: submission) }
        return Self.redirect("/studies/\(FormData.encode(annotator.studyID))?saved=1")
    }
}
