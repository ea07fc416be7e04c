import Foundation
import Testing
import MizanCore
import MizanHuman
import MizanStore
import MizanWeb

/// `mizan serve` end to end: real runs through the test server into a real SQLite store, the real `mizan serve`
/// process, every page fetched through the real libcurl transport.
@Suite(.serialized, .timeLimit(.minutes(5))) struct WebServeTests {
    /// The runs of CompareCLITests (60 items; `bad` answers item-0 with a script tag) and a server over them.
    static func start() async throws -> (server: ServeProcess, store: String, good: String, bad: String) {
        let dir = TestEnv.tempDir()
        let (store, good, bad, _) = try CompareCLITests.setUp(dir)
        return (try await ServeProcess(["--store", store]), store, good, bad)
    }

    @Test func browsePagesAreEscapedRightToLeftAndUnderAStrictCSP() async throws {
        let (server, _, good, bad) = try await Self.start()
        defer { server.stop() }
        let web = WebClient(server.baseURL)
        let runs = try await web.get("/")
        #expect(runs.status == 200)
        #expect(runs.headers["content-security-policy"] == WebApp.contentSecurityPolicy)
        #expect(runs.headers["content-security-policy"]?.contains("script-src 'self'") == true && runs.headers["x-frame-options"] == "DENY")
        #expect(runs.body.contains("id=\"run-\(good)\"") && runs.body.contains("id=\"run-\(bad)\"") && runs.body.contains("2 of 2 runs"))
        let filtered = try await web.get("/?name=bad")
        #expect(filtered.body.contains("1 of 2 runs") && filtered.body.contains("id=\"run-\(bad)\"") && !filtered.body.contains("id=\"run-\(good)\""))

        let overview = try await web.get("/runs/\(bad)")
        #expect(overview.status == 200 && overview.body.contains("<table id=\"metrics\">") && overview.body.contains("<svg"))

        // The script answer is text, not markup, wherever it shows; the Arabic prompt is right-to-left.
        let items = try await web.get("/runs/\(bad)/items?q=document.title")
        #expect(items.status == 200 && items.body.contains("1 matching items"))
        #expect(items.body.contains("&lt;script&gt;document.title=&#39;PWNED&#39;"))
        #expect(!items.body.contains("<script") && !items.body.contains("<p id=pwned>"))
        #expect(items.body.contains("<pre class=\"prompt\" lang=\"ary-Arab\" dir=\"rtl\">q 0</pre>"))
        #expect(items.body.contains("<pre class=\"output\" lang=\"ary-Arab\" dir=\"auto\">"))

        // Bounded pages: 25 + 25 + 10, none twice; the score filter finds the 30 wrong Arabic-script answers.
        var seen: [String] = []
        var path: String? = "/runs/\(bad)/items?limit=25"
        while let p = path {
            let page = try await web.get(p)
            #expect(page.status == 200 && page.body.contains("60 matching items"))
            seen += page.body.components(separatedBy: "<article class=\"item\" id=\"item-").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            path = page.body.range(of: "id=\"page-next\" href=\"").map { r in
                String(page.body[r.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
            }
        }
        #expect(seen.count == 60 && Set(seen).count == 60)
        let wrong = try await web.get("/runs/\(bad)/items?metric=exact&max=0&limit=500")
        #expect(wrong.body.contains("30 matching items") && !wrong.body.contains("lang=\"zgh-Tfng\""))
        let tfng = try await web.get("/runs/\(bad)/items?language=zgh-Tfng")
        #expect(tfng.body.contains("30 matching items"))
        #expect(try await web.get("/runs/\(bad)/items?min=0.5").status == 400)
        #expect(try await web.get("/runs/nope").status == 404)

        // Compare: the tables of `mizan compare` (same interval and test), the charts, the side-by-side items.
        let compare = try await web.get("/compare?run=\(good)&run=\(bad)")
        #expect(compare.status == 200 && compare.body.contains("<table id=\"scores\""))
        #expect(compare.body.contains("1.000 [0.884, 1.000]") && compare.body.contains("\u{2212}1.000 [\u{2212}1.000, \u{2212}0.839] p&lt;0.001 *"))
        #expect(compare.body.contains("<svg") && compare.body.contains("&lt;script&gt;document.title") && !compare.body.contains("<script"))
        #expect(compare.headers["content-security-policy"] == WebApp.contentSecurityPolicy)

        let js = try await web.get("/static/mizan.js")
        #expect(js.status == 200 && js.headers["content-type"]?.hasPrefix("text/javascript") == true && js.body.contains("keydown"))
    }

    @Test func annotatorsJudgeBlindWithCSRFAndSubmissionKeysAndOwnersSeeResults() async throws {
        let dir = TestEnv.tempDir()
        let (storePath, good, bad, _) = try CompareCLITests.setUp(dir)
        let human = try HumanStudies(store: try openResultStore(storePath))
        let created = try human.createStudy(StudySpec(name: "good vs bad", runA: good, runB: bad, language: "ary-Arab", perItem: 2, seed: 7))
        let study = created.study.id
        let tokens = try human.addAnnotators(study: study, names: ["Amina", "Youssef"])
        let server = try await ServeProcess(["--store", storePath])
        defer { server.stop() }

        // Login needs the CSRF token of the login page's session: without it, or with a wrong one, 403.
        let amina = WebClient(server.baseURL)
        let login = try await amina.get("/login")
        #expect(login.status == 200 && amina.session != nil)
        let csrf = try #require(login.csrf)
        #expect(try await amina.post("/login", [("token", tokens[0].token)]).status == 403)
        #expect(try await amina.post("/login", [("token", tokens[0].token), ("csrf", String(csrf.reversed()))]).status == 403)
        let visitorSession = amina.session
        let loggedIn = try await amina.post("/login", [("token", tokens[0].token), ("csrf", csrf)])
        #expect(loggedIn.status == 303 && loggedIn.headers["location"] == "/studies/\(study)")
        #expect(amina.session != nil && amina.session != visitorSession)
        #expect(loggedIn.headers["set-cookie"]?.contains("HttpOnly") == true && loggedIn.headers["set-cookie"]?.contains("SameSite=Strict") == true)

        // The annotation page is blind: no run id, no model or run name; the answers are escaped text.
        var page = try await amina.get("/studies/\(study)")
        #expect(page.status == 200 && page.body.contains("id=\"judgment-form\"") && page.body.contains("id=\"choice-both-bad\""))
        #expect(!page.body.contains(good) && !page.body.contains(bad) && !page.body.contains("good vs bad"))
        #expect(page.body.components(separatedBy: "<script").count == 2 && page.body.contains("<script src=\"/static/mizan.js\" defer>"))
        #expect(page.body.contains("<pre id=\"prompt-text\" lang=\"ary-Arab\" dir=\"rtl\">"))

        // A POST without the CSRF token, or with another session's, changes nothing.
        let pair = try #require(page.field("pair")), key = try #require(page.field("submission"))
        let noCSRF = try await amina.post("/studies/\(study)/judgments", [("pair", pair), ("verdict", "a"), ("submission", key)])
        #expect(noCSRF.status == 403)
        #expect(try human.judgments(study: study).isEmpty)

        // Judge every pair open to Amina (15 of 30 Arabic-script pairs… or all 30 with K = 2); one form sent twice counts once.
        var judged = 0, sawScript = false
        while page.body.contains("id=\"judgment-form\"") {
            sawScript = sawScript || page.body.contains("&lt;script&gt;document.title")
            #expect(!page.body.contains("<p id=pwned>"))
            let form = [("csrf", try #require(page.csrf)), ("pair", try #require(page.field("pair"))), ("verdict", ["a", "b", "tie", "both_bad"][judged % 4]),
                        ("comment", judged == 0 ? "<b>bold?</b>" : ""), ("submission", try #require(page.field("submission")))]
            let sent = try await amina.post("/studies/\(study)/judgments", form)
            #expect(sent.status == 303 && sent.headers["location"] == "/studies/\(study)?saved=1")
            if judged == 0 {
                let again = try await amina.post("/studies/\(study)/judgments", form)
                #expect(again.status == 303 && again.headers["location"] == "/studies/\(study)?saved=duplicate")
            }
            judged += 1
            page = try await amina.get("/studies/\(study)?saved=1")
            #expect(page.status == 200)
        }
        #expect(judged == 30 && sawScript && page.body.contains("id=\"done\""))
        let stored = try human.judgments(study: study)
        #expect(stored.count == 30 && Set(stored.map(\.pair)).count == 30 && stored.allSatisfy { $0.annotatorName == "Amina" })
        #expect(stored.contains { $0.comment == "<b>bold?</b>" })

        // Annotators see only their study: no browse pages, no results.
        #expect(try await amina.get("/").status == 403)
        #expect(try await amina.get("/runs/\(good)/items").status == 403)
        #expect(try await amina.get("/studies/\(study)/results").status == 403)

        // The owner logs in with the owner token and sees the numbers `HumanStudies.results` gives.
        let owner = WebClient(server.baseURL)
        let ownerLogin = try await owner.get("/login")
        let ownerIn = try await owner.post("/login", [("token", created.ownerToken), ("csrf", try #require(ownerLogin.csrf))])
        #expect(ownerIn.status == 303 && ownerIn.headers["location"] == "/studies/\(study)/results")
        let results = try await owner.get("/studies/\(study)/results")
        #expect(results.status == 200 && results.body.contains("<table id=\"tally\">") && results.body.contains("<table id=\"strengths\">"))
        let r = try human.results(study: study)
        #expect(r.overall.judged == 30 && results.body.contains("<td><bdi>all</bdi></td><td><bdi>30</bdi></td>"))
        #expect(results.body.contains(WebApp.estimateText(try #require(r.preference.winRateB))))

        // Admin actions need the owner session, its CSRF token and the owner token itself.
        let ownerCSRF = try #require(results.csrf)
        let wrongToken = try await owner.post("/studies/\(study)/annotators", [("csrf", ownerCSRF), ("names", "Idir"), ("owner_token", tokens[1].token)])
        #expect(wrongToken.status == 403)
        let byAnnotator = try await amina.post("/studies/\(study)/annotators",
                                               [("csrf", ownerCSRF), ("names", "Idir"), ("owner_token", created.ownerToken)])
        #expect(byAnnotator.status == 403)
        #expect(try human.annotators(study: study).count == 2)
        let added = try await owner.post("/studies/\(study)/annotators", [("csrf", ownerCSRF), ("names", "Idir"), ("owner_token", created.ownerToken)])
        #expect(added.status == 200 && added.body.contains("<table id=\"issued-tokens\">"))
        #expect(try human.annotators(study: study).map(\.name) == ["Amina", "Youssef", "Idir"])

        // No token reached the server's output.
        server.stop()
        let log = server.stderr
        #expect(!log.contains(tokens[0].token) && !log.contains(created.ownerToken))
    }

    @Test func aNonLoopbackHostNeedsAllowRemote() async throws {
        let dir = TestEnv.tempDir()
        let store = dir + "/empty.sqlite"
        _ = try openResultStore(store)
        let r = try TestEnv.run(TestEnv.mizanBinary, ["serve", "--store", store, "--host", "0.0.0.0", "--port", "0"])
        #expect(r.status == 2 && r.stderr.contains("--allow-remote"))

        // With the flag: a warning, and the browse pages need a login (the browse token printed once).
        let server = try await ServeProcess(["--store", store, "--host", "0.0.0.0", "--allow-remote"])
        let web = WebClient(server.baseURL.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1"))
        let runs = try await web.get("/")
        #expect(runs.status == 303 && runs.headers["location"] == "/login")
        server.stop()
        #expect(server.stderr.contains("warning: mizan serve listens on 0.0.0.0") && server.stderr.contains("browse token"))
    }
}
