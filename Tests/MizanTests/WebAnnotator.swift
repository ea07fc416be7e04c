import Foundation
import MizanHuman
import MizanStore

/// The judgment form of an annotation page, read as a browser would: the form that carries a `verdict` choice, its
/// action, its hidden fields (CSRF token, pair, submission key) and the verdicts it offers.
struct AnnotationForm: Sendable {
    /// Where the form posts.
    let action: String
    /// The hidden fields, in page order.
    let hidden: [(String, String)]
    /// The verdict values the page offers (buttons or radio inputs named `verdict`).
    let verdicts: [String]

    /// The hidden field `name`, if the form has it.
    subscript(_ name: String) -> String? { hidden.last { $0.0 == name }?.1 }

    /// The judgment form in `html`, or nil when the page has none (the study is finished for this annotator).
    static func parse(_ html: String) -> AnnotationForm? {
        var rest = html[...]
        while let start = rest.range(of: "<form", options: .caseInsensitive) {
            guard let end = rest.range(of: "</form>", options: .caseInsensitive, range: start.upperBound..<rest.endIndex) else { return nil }
            let text = String(rest[start.lowerBound..<end.upperBound])
            rest = rest[end.upperBound...]
            let choices = (FormClient.tags("button", in: text) + FormClient.tags("input", in: text))
                .filter { FormClient.attribute("name", of: $0) == "verdict" }.compactMap { FormClient.attribute("value", of: $0) }
            guard !choices.isEmpty else { continue }
            let open = FormClient.tags("form", in: text).first ?? ""
            let hidden = FormClient.tags("input", in: text).filter { FormClient.attribute("type", of: $0)?.lowercased() == "hidden" }
                .compactMap { tag in FormClient.attribute("name", of: tag).map { ($0, FormClient.attribute("value", of: tag) ?? "") } }
            return AnnotationForm(action: FormClient.attribute("action", of: open) ?? "", hidden: hidden, verdicts: choices)
        }
        return nil
    }

    /// The fields to post for `verdict` (with a comment), with `csrf` replaced when the session changed.
    func fields(verdict: String, comment: String = "", csrf: String? = nil) -> [(String, String)] {
        hidden.map { $0.0 == "csrf" ? ($0.0, csrf ?? $0.1) : $0 } + [("verdict", verdict), ("comment", comment)]
    }
}

/// One judgment a simulated annotator sent, and whether the server acknowledged it (a redirect or a page without an
/// error: the browser would have shown the next pair).
struct SentJudgment: Sendable {
    /// The submitting annotator's name.
    let annotator: String
    /// The pair field of the form.
    let pair: String
    /// The verdict sent.
    let verdict: String
    /// The form as it was (to resend it after a restart, with the same submission key).
    let form: AnnotationForm
    /// The server answered with success.
    let acknowledged: Bool
}

/// An annotator without a browser: logs in with their token and judges pair after pair over HTTP.
final class SimulatedAnnotator: @unchecked Sendable {
    // @unchecked Sendable: each annotator runs in one task.

    /// The annotator's name (as added to the study).
    let name: String
    /// Their token.
    let token: String
    /// The HTTP client (its session cookie).
    private(set) var client: FormClient
    /// The annotation page (where login sends them).
    private(set) var home = ""

    /// An annotator of the server at `base`.
    init(name: String, token: String, base: String) {
        self.name = name
        self.token = token
        self.client = FormClient(base: base)
    }

    /// Logs in (again, after a restart: sessions live in memory) with a fresh client.
    func login() async throws {
        client = FormClient(base: client.base)
        home = try await client.login(token: token)
    }

    /// The current judgment form, or nil when nothing is left.
    func currentForm() async throws -> AnnotationForm? {
        let page = try await client.follow(home)
        guard page.status == 200 else { throw WebDriverError("GET \(home) → \(page.status): \(page.body.prefix(400))") }
        return AnnotationForm.parse(page.body)
    }

    /// Posts `form` with `verdict`; true when acknowledged (303, or 200 without an error message).
    func submit(_ form: AnnotationForm, verdict: String, csrf: String? = nil) async throws -> Bool {
        let reply = try await client.post(form.action, form.fields(verdict: verdict, comment: "", csrf: csrf))
        return reply.status == 303 || (reply.status == 200 && !reply.body.contains("id=\"error-message\""))
    }

    /// The CSRF token of the current session (from the annotation page).
    func csrf() async throws -> String? { try await currentForm()?["csrf"] }
}

/// Reading what the store holds, after the server has stopped (the check is the store, not the server's word).
enum StoredJudgments {
    /// Every judgment of `study` in the SQLite store at `path`.
    static func of(study: String, store path: String) throws -> [Judgment] {
        try HumanStudies(store: SQLiteStore(path: path)).judgments(study: study)
    }
}
