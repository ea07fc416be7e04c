import Foundation
import Hummingbird

/// Logging in and out, and the CSRF check every POST goes through.
extension WebApp {
    /// The login form: one token field. A visitor gets a session (cookie) first, so the form carries a CSRF token too.
    func loginPage(_ req: Request) -> Response {
        var cookie: String?
        var s = session(req)
        if s == nil {
            let fresh = sessions.create(role: .visitor)
            cookie = Sessions.setCookie(fresh)
            s = fresh
        }
        guard let s else { return Self.html("") }
        let failed = Self.query(req)["failed"] != nil
        var body = failed ? "<p id=\"login-error\" class=\"err\">That token opens nothing here.</p>\n" : ""
        body += """
            <p>Paste the token the study owner gave you (annotators and reviewers), the study's owner token, or the browse
            token <code>mizan serve</code> printed. It is sent once, in this form's body, and never appears in an address.</p>
            <form id="login-form" method="post" action="/login">
            \(Layout.csrfField(s))
            <label for="token">Token<input id="token" name="token" type="password" autocomplete="off" required></label>
            <button id="login-submit" type="submit">Log in</button>
            </form>

            """
        return Self.html(Layout.page(title: "Log in", session: s, body), cookie: cookie)
    }

    /// Checks the token, replaces the session with a fresh one for its role and goes to that role's first page.
    func login(_ req: Request) async throws -> Response {
        let (s, form) = try await checkedForm(req)
        let token = form["token"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard let role = try await role(forToken: token) else { return Self.redirect("/login?failed=1") }
        let fresh = sessions.create(role: role, replacing: s.id)
        let home: String
        switch role {
        case .annotator(let study, _, _): home = "/studies/\(FormData.encode(study))"
        case .owner(let study): home = "/studies/\(FormData.encode(study))/results"
        case .browser, .visitor: home = "/"
        }
        return Self.redirect(home, cookie: Sessions.setCookie(fresh))
    }

    /// Ends the session.
    func logout(_ req: Request) async throws -> Response {
        let (s, _) = try await checkedForm(req)
        sessions.remove(s.id)
        return Self.redirect("/login", cookie: Sessions.clearCookie)
    }

    /// The role a token opens: the browse token, else a study's owner or annotator token (MizanHuman).
    func role(forToken token: String) async throws -> SessionRole? {
        guard !token.isEmpty else { return nil }
        if let browse = options.browseToken, Secrets.equal(token, browse) { return .browser }
        return try await humanRole(forToken: token)
    }

    /// The POST body as a form, after the CSRF check: the request must come with a live session whose CSRF token the
    /// form's `csrf` field repeats; otherwise 403 and nothing happens. Bodies are limited to 1 MiB.
    func checkedForm(_ req: Request) async throws -> (Session, FormData) {
        let body = try await req.body.collect(upTo: 1 << 20)
        let form = FormData(String(buffer: body))
        guard let s = session(req) else { throw PageError(.forbidden, "No session: open the page again and resend the form.") }
        guard let sent = form["csrf"], Secrets.equal(sent, s.csrf) else {
            throw PageError(.forbidden, "The form's CSRF token is missing or wrong: reload the page and resend the form.")
        }
        return (s, form)
    }
}
