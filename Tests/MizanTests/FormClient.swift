import Foundation
import MizanTransport

/// One user of `mizan serve` without a browser: an HTTP client over mizan's libcurl transport that keeps the session
/// cookie the server sets and reads the forms' hidden fields (the CSRF token, the submission key), as a browser would.
/// The kill -9 and load tests use it; the browser tests use `WebDriver`.
final class FormClient: @unchecked Sendable {
    // @unchecked Sendable: `cookie` is the only mutable state; each simulated user drives its client from one task.

    /// The server's base URL (`http://127.0.0.1:PORT`).
    let base: String
    /// The session cookie (`name=value`) last set by the server, if any.
    private(set) var cookie: String?

    /// A client for the server at `base`, with no session yet.
    init(base: String) { self.base = base }

    /// A response as the tests read it.
    struct Page: Sendable {
        /// HTTP status (a redirect is not followed).
        let status: Int
        /// The body as UTF-8 text.
        let body: String
        /// Response headers, names lowercased.
        let headers: [String: String]
        /// Seconds the exchange took.
        let latency: Double
        /// The `Location` header of a redirect.
        var location: String? { headers["location"] }
    }

    /// GETs `path` (not following redirects).
    func get(_ path: String) async throws -> Page { try await send("GET", path, body: nil) }

    /// POSTs `fields` as `application/x-www-form-urlencoded` to `path` (not following redirects).
    func post(_ path: String, _ fields: [(String, String)]) async throws -> Page {
        let body = fields.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        return try await send("POST", path, body: body)
    }

    /// GETs `path`, following up to 5 redirects (GET after each).
    func follow(_ path: String) async throws -> Page {
        var page = try await get(path)
        var hops = 0
        while (300..<400).contains(page.status), let next = page.location, hops < 5 {
            page = try await get(next)
            hops += 1
        }
        return page
    }

    /// Logs in with `token` through the login form (GET /login for the session and CSRF token, POST /login) and
    /// returns where the server sends the user. Throws if the login is refused.
    @discardableResult
    func login(token: String) async throws -> String {
        let form = try await get("/login")
        guard form.status == 200, let csrf = Self.hiddenFields(form.body)["csrf"] else {
            throw WebDriverError("GET /login → \(form.status) without a csrf field: \(form.body.prefix(300))")
        }
        let reply = try await post("/login", [("csrf", csrf), ("token", token)])
        guard reply.status == 303, let home = reply.location, !home.contains("failed") else {
            throw WebDriverError("POST /login → \(reply.status) \(reply.location ?? ""): the token was refused")
        }
        return home
    }

    private func send(_ method: String, _ path: String, body: String?) async throws -> Page {
        var headers: [(String, String)] = []
        if let cookie { headers.append(("Cookie", cookie)) }
        if body != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        var request = HTTPRequest(url: base + path, method: method, headers: headers, body: body.map { Array($0.utf8) },
                                  timeouts: Timeouts(connect: 10, total: 120, stall: nil))
        request.maxResponseBytes = 32 << 20
        let r = try await CurlEngine.shared.send(request)
        if let set = r.headers["set-cookie"], let pair = set.split(separator: ";").first {
            // A cleared cookie (empty value) ends the session.
            cookie = pair.hasSuffix("=") ? nil : String(pair)
        }
        return Page(status: r.status, body: String(decoding: r.body, as: UTF8.self), headers: r.headers, latency: r.latency)
    }

    // MARK: - Reading pages

    /// The hidden inputs of an HTML page (or fragment), name → value, HTML entities decoded; the last one wins.
    static func hiddenFields(_ html: String) -> [String: String] {
        var fields: [String: String] = [:]
        for tag in tags("input", in: html) where attribute("type", of: tag)?.lowercased() == "hidden" {
            if let name = attribute("name", of: tag) { fields[name] = attribute("value", of: tag) ?? "" }
        }
        return fields
    }

    /// The form with `id` in `html`: its action and its hidden fields; nil if there is none.
    static func form(id: String, in html: String) -> (action: String, hidden: [String: String])? {
        guard let start = html.range(of: "<form[^>]*id=\"\(NSRegularExpression.escapedPattern(for: id))\"", options: .regularExpression),
              let end = html.range(of: "</form>", range: start.upperBound..<html.endIndex) else { return nil }
        let text = String(html[start.lowerBound..<end.upperBound])
        let open = tags("form", in: text).first ?? ""
        return (decode(attribute("action", of: open) ?? ""), hiddenFields(text))
    }

    /// The text of the element with `id` (tags stripped, entities decoded), or nil.
    static func text(ofID id: String, in html: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\"[^>]*>", options: .regularExpression) else { return nil }
        let rest = html[start.upperBound...]
        let end = rest.range(of: "</")?.lowerBound ?? rest.endIndex
        return decode(String(rest[..<end]).replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression))
    }

    /// Every `<name …>` opening tag in `html`.
    static func tags(_ name: String, in html: String) -> [String] {
        guard let re = try? NSRegularExpression(pattern: "<\(name)\\b[^>]*>", options: [.caseInsensitive]) else { return [] }
        let ns = html as NSString
        return re.matches(in: html, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    /// The value of a double-quoted attribute in one tag, entities decoded.
    static func attribute(_ name: String, of tag: String) -> String? {
        guard let re = try? NSRegularExpression(pattern: "\\s\(name)=\"([^\"]*)\"", options: [.caseInsensitive]) else { return nil }
        let ns = tag as NSString
        guard let m = re.firstMatch(in: tag, range: NSRange(location: 0, length: ns.length)) else { return nil }
        return decode(ns.substring(with: m.range(at: 1)))
    }

    /// Decodes the entities mizan's pages use (`&amp;` last, so `&amp;lt;` stays `&lt;`).
    static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&#x27;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Percent-encoding for a form field (everything but unreserved characters).
    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
