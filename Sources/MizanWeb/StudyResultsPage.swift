import Foundation
import Hummingbird
import MizanCore
import MizanHuman
import MizanReport

/// A study's results page (`/studies/ID/results`, owner only) and the owner's admin action: adding annotators.
extension WebApp {
    /// The owner's session for `study`, or a redirect to the login page / a 403.
    func owner(_ req: Request, study: String) throws -> Session {
        guard let s = session(req), s.role != .visitor else { throw PageError.redirect("/login") }
        guard case .owner(let sid) = s.role, sid == study else {
            throw PageError(.forbidden, "Only the owner of study \(study) sees its results: log in with its owner token.")
        }
        return s
    }

    /// Win/tie/loss per model and language, the win rate with its bootstrap CI, Bradley–Terry strengths with CIs and
    /// agreement — the numbers `mizan human results` prints, from the same `HumanStudies.results` call.
    func resultsPage(_ req: Request, _ studyID: String) async throws -> Response {
        let s = try owner(req, study: studyID)
        let (r, annotators) = try await humanCall { h in (try h.results(study: studyID), try h.annotators(study: studyID)) }
        let st = r.study
        var body = "<dl id=\"study-facts\">"
        let facts: [(String, String)] = [
            ("Name", st.spec.name), ("Kind", st.spec.kind.rawValue), ("Run A (baseline)", "\(r.labelA) · \(st.runA)"),
            ("Run B (candidate)", "\(r.labelB) · \(st.runB)"), ("Suite", st.suiteID + (st.spec.language.map { " · \($0)" } ?? "")),
            ("Pairs", "\(st.pairCount), each for \(st.spec.perItem) annotator(s)"), ("Reference shown", st.spec.showReference ? "yes" : "no"),
            ("Seed", String(st.seed)), ("Created", st.createdAt),
            ("Progress", "\(r.progress.done) of \(r.progress.total) judgments by \(r.annotators) annotator(s)"),
        ]
        body += facts.map { "<dt>\($0.0)</dt><dd><bdi>\(Layout.h($0.1))</bdi></dd>" }.joined() + "</dl>\n"
        if st.spec.kind == .pairwise {
            body += "<h2>Win / tie / loss</h2>\n" + Layout.table(Self.tallyTable(r), id: "tally")
            body += "<p class=\"note\">Win rate of B: (B wins + (ties + both bad) / 2) / judged, with a bootstrap 95% interval over pairs "
            body += "(\(r.resamples) resamples, seed \(r.bootstrapSeed)).</p>\n"
            var bt = Table(header: ["run", "label", "Bradley–Terry log-strength θ [95% CI]"])
            for x in r.strengths { bt.rows.append([x.runID, x.label, Self.estimateText(x.logStrength, signed: true)]) }
            body += "<h2>Bradley–Terry strengths (run A fixed at 0)</h2>\n" + Layout.table(bt, id: "strengths")
            body += "<h2>Agreement</h2>\n"
            if let a = r.agreement {
                var t = Table(header: ["statistic", "κ", "observed agreement", "pairs", "annotators per pair"])
                t.rows.append([a.method == .cohen ? "Cohen's κ" : "Fleiss' κ", a.kappa.map(SummaryTables.format) ?? "undefined",
                               SummaryTables.format(a.observed), String(a.pairs), String(a.ratersPerPair)])
                body += Layout.table(t, id: "agreement")
            } else {
                body += "<p id=\"agreement\" class=\"note\">No pair has two judgments yet.</p>\n"
            }
        }
        body += "<h2>Annotators</h2>\n<ul id=\"annotators\">"
        body += annotators.map { "<li><bdi>\(Layout.h($0.name))</bdi> <span class=\"note\">\(Layout.h($0.id))</span></li>" }.joined() + "</ul>\n"
        body += Self.addAnnotatorsForm(s, study: st.id)
        return Self.html(Layout.page(title: "Results of study \(st.spec.name)", session: s, body))
    }

    /// Overall and per-language counts with the win rate of B.
    static func tallyTable(_ r: StudyResults) -> Table {
        var t = Table(header: ["language", "judged", "\(r.labelB) wins", "\(r.labelA) wins", "ties", "both bad", "win rate of \(r.labelB) [95% CI]"])
        func row(_ lang: String, _ w: WinTieLoss, _ e: Estimate?) -> [String] {
            [lang, String(w.judged), String(w.runBWins), String(w.runAWins), String(w.ties), String(w.bothBad), e.map { estimateText($0) } ?? "–"]
        }
        t.rows.append(row("all", r.overall, r.preference.winRateB))
        for l in r.byLanguage { t.rows.append(row(l.language, l.tally, l.winRateB)) }
        return t
    }

    /// `0.625 [0.500, 0.750]` (signed with +/− for strengths), as the results page shows an estimate.
    public static func estimateText(_ e: Estimate, signed: Bool = false) -> String {
        let f: (Double) -> String = signed ? { ComparisonTables.signed($0) } : { SummaryTables.format($0) }
        return "\(f(e.value)) [\(f(e.low)), \(f(e.high))]"
    }

    /// The owner's form to add annotators: names, one per line, and the owner token again (admin actions need it).
    static func addAnnotatorsForm(_ s: Session, study: String) -> String {
        """
        <h2>Add annotators</h2>
        <form id="add-annotators-form" method="post" action="/studies/\(Layout.h(FormData.encode(study)))/annotators">
        \(Layout.csrfField(s))
        <label for="annotator-names">Names, one per line<textarea id="annotator-names" name="names" rows="3" cols="40" dir="auto" required></textarea></label>
        <label for="owner-token">Owner token<input id="owner-token" name="owner_token" type="password" autocomplete="off" required></label>
        <button id="add-annotators-submit" type="submit">Add and show their tokens</button>
        </form>

        """
    }

    /// Adds annotators (owner session, CSRF token and the owner token) and shows their tokens once.
    func addAnnotators(_ req: Request, _ studyID: String) async throws -> Response {
        let (_, form) = try await checkedForm(req)
        let s = try owner(req, study: studyID)
        let token = form["owner_token"] ?? ""
        let names = (form["names"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw PageError(.badRequest, "Give at least one name.") }
        let issued = try await humanCall { h in
            try h.authorizeOwner(study: studyID, token: token)
            return try h.addAnnotators(study: studyID, names: names)
        }
        var body = "<p class=\"flash\">Hand each person their token now: it is shown only here and stored only as a hash.</p>\n"
        body += "<table id=\"issued-tokens\"><thead><tr><th>name</th><th>token</th></tr></thead><tbody>"
        body += issued.map { "<tr><td><bdi>\(Layout.h($0.annotator.name))</bdi></td><td><code>\(Layout.h($0.token))</code></td></tr>" }.joined()
        body += "</tbody></table>\n<p><a id=\"back-to-results\" href=\"/studies/\(Layout.h(FormData.encode(studyID)))/results\">Back to the results</a></p>\n"
        return Self.html(Layout.page(title: "Annotators added", session: s, body))
    }
}
