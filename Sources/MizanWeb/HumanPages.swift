import Foundation
import Hummingbird
import MizanCore
import MizanHuman

/// The human-study pages: the annotation page (one pair at a time, blind, in the recorded order) and its POST.
/// Results and owner actions are in StudyResultsPage.swift, suite review in ReviewPages.swift.
extension WebApp {
    /// The human-study routes.
    func addHumanRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/studies/:study") { req, ctx in try await self.studyPage(req, ctx.parameters.require("study")) }
        router.post("/studies/:study/judgments") { req, ctx in try await self.submitJudgment(req, ctx.parameters.require("study")) }
        router.post("/studies/:study/reviews") { req, ctx in try await self.submitReview(req, ctx.parameters.require("study")) }
        router.get("/studies/:study/results") { req, ctx in try await self.resultsPage(req, ctx.parameters.require("study")) }
        router.post("/studies/:study/annotators") { req, ctx in try await self.addAnnotators(req, ctx.parameters.require("study")) }
    }

    /// The human-study API over this app's store.
    func human() throws -> HumanStudies { try HumanStudies(store: store) }

    /// The role of an annotator or owner token (nil: neither).
    func humanRole(forToken token: String) async throws -> SessionRole? {
        let human = try human()
        return try await Self.blocking {
            if let a = try human.authenticate(token: token) { return .annotator(studyID: a.studyID, annotatorID: a.id, name: a.name) }
            for study in try human.studies() {
                if try human.isOwner(study: study.id, token: token) { return .owner(studyID: study.id) }
            }
            return nil
        }
    }

    /// The session's annotator for `study`, or a redirect to the login page (no session) / 403 (another study or role).
    func annotator(_ req: Request, study: String) async throws -> (Session, Annotator) {
        guard let s = session(req), s.role != .visitor else { throw PageError.redirect("/login") }
        guard case .annotator(let sid, let aid, _) = s.role, sid == study else {
            if case .owner(let sid) = s.role, sid == study { throw PageError.redirect("/studies/\(FormData.encode(study))/results") }
            throw PageError(.forbidden, "This session does not open study \(study): log in with a token of that study.")
        }
        let human = try human()
        let found = try await Self.blocking { try human.annotators(study: sid).first { $0.id == aid } }
        guard let found else { throw PageError(.forbidden, "This annotator no longer exists.") }
        return (s, found)
    }

    /// Maps MizanHuman's refusals to pages: not found 404, forbidden 403, invalid 400.
    static func page(for e: HumanError) -> PageError {
        switch e.kind {
        case .notFound: return PageError(.notFound, e.message)
        case .forbidden: return PageError(.forbidden, e.message)
        case .invalid: return PageError(.badRequest, e.message)
        }
    }

    /// Runs a MizanHuman call off the cooperative pool, turning its errors into pages.
    func humanCall<T: Sendable>(_ body: @escaping @Sendable (HumanStudies) throws -> T) async throws -> T {
        let human = try human()
        do { return try await Self.blocking { try body(human) } } catch let e as HumanError { throw Self.page(for: e) }
    }

    /// `/studies/ID`: the annotation page of a pairwise study, the review page of a review study.
    func studyPage(_ req: Request, _ studyID: String) async throws -> Response {
        let (s, annotator) = try await annotator(req, study: studyID)
        let study = try await humanCall { try $0.study(matching: studyID) }
        if study.spec.kind == .review { return try await reviewPage(req, s, annotator, study) }
        let pair = try await humanCall { try $0.nextPair(for: annotator) }
        let flash = Self.query(req)["saved"].map { $0 == "duplicate" ? "That form was already recorded; nothing was counted twice." : "Saved." }
        var body = flash.map { "<p id=\"flash\" class=\"flash\" role=\"status\">\(Layout.h($0))</p>\n" } ?? ""
        guard let pair else {
            let p = try await humanCall { try $0.progress(annotator: annotator) }
            body += "<p id=\"done\" class=\"ok\">You have judged every pair open to you (\(p.done) judgments). Thank you.</p>\n"
            return Self.html(Layout.page(title: "Study \(study.id)", session: s, body))
        }
        body += Self.annotationBody(pair, session: s, action: "/studies/\(FormData.encode(study.id))/judgments")
        return Self.html(Layout.page(title: "Study \(study.id) · pair \(pair.pair)", session: s, script: true, body))
    }

    /// The annotation form: prompt, references when shown, answers A and B in the recorded order (no run or model named),
    /// four verdict buttons with keyboard keys, an optional comment, progress. A fresh submission key per page view.
    static func annotationBody(_ pair: PresentedPair, session s: Session, action: String) -> String {
        let lang = Layout.lang(pair.language)
        var h = "<p id=\"progress\">Judged \(pair.progress.done) of \(pair.progress.total) "
        h += "<progress id=\"progress-bar\" value=\"\(pair.progress.done)\" max=\"\(max(pair.progress.total, 1))\"></progress></p>\n"
        h += "<section id=\"prompt\"><h2>Prompt</h2><pre id=\"prompt-text\"\(lang)>\(Layout.h(pair.prompt))</pre></section>\n"
        if !pair.references.isEmpty {
            h += "<section id=\"reference\"><h2>Reference</h2>"
            h += pair.references.map { "<pre class=\"reference-text\"\(lang)>\(Layout.h($0))</pre>" }.joined() + "</section>\n"
        }
        h += "<div class=\"answers\">"
        for (label, answer) in [("a", pair.answerA), ("b", pair.answerB)] {
            h += "<section class=\"answer\" id=\"answer-\(label)\"><h2>Answer \(label.uppercased())</h2>"
            if let text = answer.text {
                h += "<pre id=\"answer-\(label)-text\" lang=\"\(Layout.h(pair.language))\" dir=\"auto\">\(Layout.h(text))</pre>"
            } else {
                h += "<p id=\"answer-\(label)-text\" class=\"err\">No answer (the endpoint failed: \(Layout.h(answer.error ?? "")))</p>"
            }
            h += "</section>"
        }
        h += "</div>\n<form id=\"judgment-form\" method=\"post\" action=\"\(Layout.h(action))\">" + Layout.csrfField(s)
        h += "<input type=\"hidden\" name=\"pair\" value=\"\(pair.pair)\"><input type=\"hidden\" name=\"submission\" value=\"\(Secrets.token())\">"
        h += "<label for=\"comment\">Comment (optional)<textarea id=\"comment\" name=\"comment\" rows=\"2\" cols=\"60\" dir=\"auto\"></textarea></label>"
        h += "<div class=\"verdicts\" role=\"group\" aria-label=\"verdict\">"
        for (value, label, keys) in [("a", "A is better", "1 a"), ("b", "B is better", "2 b"), ("tie", "Tie", "3 t"), ("both_bad", "Both bad", "4 x")] {
            let shown = keys.split(separator: " ").map { "<kbd>\($0)</kbd>" }.joined(separator: "/")
            h += "<button type=\"submit\" name=\"verdict\" value=\"\(value)\" id=\"choice-\(value.replacingOccurrences(of: "_", with: "-"))\" "
            h += "data-key=\"\(keys)\" aria-pressed=\"false\">\(label)</button> <span class=\"note\">\(shown)</span>"
        }
        h += "</div><p id=\"shortcut-status\" class=\"note\" aria-live=\"polite\">Keyboard: 1/a, 2/b, 3/t, 4/x mark a verdict; Enter submits it.</p>"
        return h + "</form>\n"
    }

    /// Records a verdict (one transaction; a resent form's submission key counts once) and shows the next pair.
    func submitJudgment(_ req: Request, _ studyID: String) async throws -> Response {
        let (_, form) = try await checkedForm(req)
        let (_, annotator) = try await annotator(req, study: studyID)
        guard let pair = form["pair"].flatMap(Int.init) else { throw PageError(.badRequest, "The form has no pair number.") }
        guard let verdict = form["verdict"].flatMap(Verdict.init(rawValue:)) else {
            throw PageError(.badRequest, "Choose a verdict: a, b, tie or both_bad.")
        }
        guard let key = form.nonEmpty("submission"), key.count <= 128 else { throw PageError(.badRequest, "The form has no submission key.") }
        let comment = form.nonEmpty("comment")
        let outcome = try await humanCall {
            try $0.recordJudgment(annotator: annotator, pair: pair, verdict: verdict, comment: comment, submissionKey: key)
        }
        let saved = outcome == .recorded ? "1" : "duplicate"
        return Self.redirect("/studies/\(FormData.encode(annotator.studyID))?saved=\(saved)")
    }
}
