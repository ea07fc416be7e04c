import Foundation
import Hummingbird
import MizanCore
import MizanReport
import MizanStore

/// Where and how `mizan serve` listens.
public struct WebOptions: Sendable {
    /// The address to bind (127.0.0.1 unless `--host` says otherwise).
    public var host: String
    /// The TCP port (0: any free port; the chosen one is reported to `onRunning`).
    public var port: Int
    /// With a non-loopback host, browse pages need a login with this token (printed once at start; never stored).
    public var browseToken: String?

    /// Options for `host:port`; `browseToken` nil leaves the browse pages open (loopback only).
    public init(host: String = "127.0.0.1", port: Int = 8765, browseToken: String? = nil) {
        self.host = host
        self.port = port
        self.browseToken = browseToken
    }

    /// True for 127.0.0.0/8, ::1 and `localhost`: only this machine can connect.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

/// The web app: the store it reads, its sessions and the routes of every page (docs/web.md).
public final class WebApp: Sendable {
    /// The store pages read (and the human-study pages write through MizanHuman).
    let store: any ResultStore
    /// Browser sessions (memory only).
    let sessions = Sessions()
    /// Listening options and the browse token.
    let options: WebOptions
    /// Summaries of finished runs, by run id, with the status and end time they were computed for.
    let summaries = Locked([String: (key: String, summary: RunSummary)]())

    /// An app over `store`.
    public init(store: any ResultStore, options: WebOptions) {
        self.store = store
        self.options = options
    }

    /// The Content-Security-Policy header of every response: nothing external, scripts and styles only from this
    /// server's own files, forms only to it, never framed.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"

    /// Every route (see docs/web.md for the list).
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: SecurityHeaders())
        router.get("/static/mizan.css") { _, _ in Self.asset(Layout.css, type: "text/css; charset=utf-8") }
        router.get("/static/mizan.js") { _, _ in Self.asset(Layout.js, type: "text/javascript; charset=utf-8") }
        router.get("/") { req, _ in try await self.runsPage(req) }
        router.get("/runs/:run") { req, ctx in try await self.runPage(req, ctx.parameters.require("run")) }
        router.get("/runs/:run/items") { req, ctx in try await self.itemsPage(req, ctx.parameters.require("run")) }
        router.get("/compare") { req, _ in try await self.comparePage(req) }
        router.get("/login") { req, _ in self.loginPage(req) }
        router.post("/login") { req, _ in try await self.login(req) }
        router.post("/logout") { req, _ in try await self.logout(req) }
        addHumanRoutes(router)
        return router
    }

    /// Serves until the process gets SIGINT or SIGTERM; `onRunning` gets the bound port once listening.
    public func run(onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) })
        try await app.runService()
    }

    // MARK: Helpers shared by the pages

    /// An HTML response (status, optional `Set-Cookie`).
    static func html(_ body: String, status: HTTPResponse.Status = .ok, cookie: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// A 303 redirect to `location` (after a POST, or to the login page).
    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// A static asset built into the binary.
    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The session named by the request's cookie, if live.
    func session(_ req: Request) -> Session? { sessions.find(req.cookies[Sessions.cookie]?.value) }

    /// The query string's pairs.
    static func query(_ req: Request) -> FormData { FormData(req.uri.query ?? "") }

    /// The session if it may see the browse pages (runs, items, compare); otherwise a redirect to the login page
    /// (`--allow-remote` without a browse or owner login) or a 403 (an annotator: annotators see only their study).
    func browseAccess(_ req: Request) throws -> Session? {
        let s = session(req)
        switch s?.role {
        case .annotator?: throw PageError(.forbidden, "Annotators see only their study's pages.")
        case .browser?, .owner?: return s
        case .visitor?, nil:
            if options.browseToken == nil { return s }
            throw PageError.redirect("/login")
        }
    }

    /// Runs `body` on a Dispatch worker so a long store read does not hold one of the few cooperative threads.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            DispatchQueue.global().async { c.resume(with: Result { try body() }) }
        }
    }

    /// A run by id or unique prefix, or a 404 page.
    func run(_ id: String) async throws -> RunRecord {
        let store = self.store
        do { return try await Self.blocking { try store.run(matching: id) } } catch { throw PageError(.notFound, "\(error)") }
    }

    /// The run's summary; finished runs' summaries are kept (keyed by status and end time), running ones recomputed.
    func summary(_ run: RunRecord) async throws -> RunSummary {
        let key = "\(run.status.rawValue)|\(run.finishedAt ?? "")|\(run.itemCount)"
        if let hit = summaries.current[run.id], hit.key == key, run.status.isFinished { return hit.summary }
        let store = self.store
        let s = try await Self.blocking { try Summarizer.summarize(run: run, store: store) }
        if run.status.isFinished { summaries.withLock { $0[run.id] = (key, s) } }
        return s
    }
}

/// A page-level failure: rendered as an HTML page with this status (or a redirect), with the security headers.
struct PageError: Error {
    /// The HTTP status.
    var status: HTTPResponse.Status
    /// The message shown (escaped).
    var message: String
    /// Where to go instead, for a redirect.
    var location: String?

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A 303 to `location`.
    static func redirect(_ location: String) -> PageError {
        var e = PageError(.seeOther, "")
        e.location = location
        return e
    }

    /// The response for this error.
    var response: Response {
        if let location { return WebApp.redirect(location) }
        return WebApp.html(Layout.page(title: "\(status.code) \(status.reasonPhrase)", session: nil,
                                       "<p id=\"error-message\" class=\"err\">\(Layout.h(message))</p>\n"), status: status)
    }
}

/// Adds the security headers to every response and turns thrown errors into HTML error pages.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as PageError {
            response = e.response
        } catch let e as HTTPError {
            response = PageError(e.status, e.status == .notFound ? "No such page." : e.status.reasonPhrase).response
        } catch {
            response = PageError(.internalServerError, "\(error)").response
        }
        response.headers[.init("Content-Security-Policy")!] = WebApp.contentSecurityPolicy
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        return response
    }
}
