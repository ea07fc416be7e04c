import Foundation
import MizanCore
import MizanHuman
import MizanStore
import MizanTestSupport
import Testing

/// The store the web tests open: two real runs of a 12-item Darija / Tamazight (Tifinagh) / Arabic suite, made by the
/// `mizan` binary against the project's test server into a real SQLite file, as a user's two temperature runs would be.
/// Run B answers three items (one per language) with an injected `<script>` around its answer.
enum WebFixtures {
    /// What an injected answer would do if it ever ran: set the page title and a global.
    static let injection = #"<script>document.title='PWNED';window.mizanPwned=1</script>"#

    /// (language, prompt, reference, run A's answer, run B's answer); B's answers marked `inject` get the script.
    static let items: [(lang: String, input: String, reference: String, a: String, b: String, inject: Bool)] = [
        ("ary-Arab", "شنو هي العاصمة ديال المغرب؟", "الرباط", "العاصمة ديال المغرب هي الرباط.", "الدار البيضاء", true),
        ("ary-Arab", "كيفاش كنقولو «thank you» بالدارجة؟", "شكرا بزاف", "كنقولو: شكرا بزاف", "بارك الله فيك", false),
        ("ary-Arab", "ترجم للدارجة: I am going to the market.", "أنا غادي للسوق", "أنا غادي للسوق", "غادي نمشي للسوق دابا", false),
        ("ary-Arab", "كمّل المثل: اللي بغا العسل…", "يصبر لقريص النحل", "يصبر لقريص النحل", "ياكل الخبز", false),
        ("zgh-Tfng", "كتب «الما» بتمازيغت بحروف تيفيناغ.", "ⴰⵎⴰⵏ", "ⴰⵎⴰⵏ", "ⴰⵎⴰⵏ ⵉⵣⴷⴷⵉⴳⵏ", true),
        ("zgh-Tfng", "كتب «الخبز» بتمازيغت بحروف تيفيناغ.", "ⴰⵖⵔⵓⵎ", "ⴰⵖⵔⵓⵎ", "ⵜⴰⵖⵔⵓⵎⵜ", false),
        ("zgh-Tfng", "كتب «الدار» بتمازيغت بحروف تيفيناغ.", "ⵜⴰⴷⴷⴰⵔⵜ", "ⵜⴰⴷⴷⴰⵔⵜ", "ⴰⵅⵅⴰⵎ", false),
        ("zgh-Tfng", "كتب «شكرا» بتمازيغت بحروف تيفيناغ.", "ⵜⴰⵏⵎⵎⵉⵔⵜ", "ⵜⴰⵏⵎⵎⵉⵔⵜ ⵏⵏⴽ", "ⵜⴰⵏⵎⵎⵉⵔⵜ", false),
        ("arb-Arab", "ما عاصمة مصر؟", "القاهرة", "القاهرة", "عاصمة مصر هي القاهرة.", true),
        ("arb-Arab", "ما جمع كلمة «كتاب»؟", "كتب", "كُتُب", "كتابات", false),
        ("arb-Arab", "ما ضد كلمة «طويل»؟", "قصير", "قصير", "قصير جدا", false),
        ("arb-Arab", "أكمل: العلم نور والجهل…", "ظلام", "ظلام", "ظلام دامس", false)
    ]

    /// Writes the suite and makes the two runs (`temperature` 0.2 as model `warm-a`, 0.9 as `warm-b`) into
    /// `dir/web.sqlite`; returns the store path and both run ids.
    static func twoRuns(in dir: String) throws -> (store: String, runA: String, runB: String) {
        let lines = items.enumerated().map { i, item -> String in
            let fields: [String: String] = ["id": "item-\(i + 1)", "lang": item.lang, "input": item.input, "reference": item.reference]
            return String(decoding: try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        }
        let folder = try TestEnv.writeSuite(in: dir, id: "darija-tamazight-web", yaml: TestEnv.suiteYAML(id: "darija-tamazight-web"), items: lines)
        let answers = Dictionary(items.map { ($0.input, $0) }, uniquingKeysWith: { a, _ in a })
        let server = try TestHTTPServer(responder: { req in
            guard let item = answers[req.prompt] else { return .text("?") }
            if req.model == "warm-b" { return .text(item.inject ? injection + item.b : item.b) }
            return .text(item.a)
        })
        defer { server.stop() }
        let store = dir + "/web.sqlite"
        var ids: [String] = []
        for (model, temperature) in [("warm-a", "0.2"), ("warm-b", "0.9")] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--model", model,
                                                          "--name", model, "--temperature", temperature, "--store", store, "--json"])
            guard r.status == 0, let json = JSONValue.parse(r.stdout), let id = json["run_id"]?.stringValue else {
                throw WebDriverError("mizan run \(model) failed (\(r.status)): \(r.stderr)")
            }
            ids.append(id)
        }
        return (store, ids[0], ids[1])
    }
}

extension WebFixtures {
    /// Two real runs of an `n`-item synthetic suite (Darija, Tamazight and Arabic items in turn; the runs' answers
    /// differ on every third item) in `dir/load.sqlite`, for the load test.
    static func manyItems(_ n: Int, in dir: String) throws -> (store: String, runA: String, runB: String) {
        let texts = ["ary-Arab": "شنو هي العاصمة ديال المغرب؟ رقم", "zgh-Tfng": "ⴰⵣⵓⵍ ⴰⵎⴰⵏ", "arb-Arab": "ما عاصمة مصر؟ السؤال"]
        let langs = ["ary-Arab", "zgh-Tfng", "arb-Arab"]
        let lines = (0..<n).map { i -> String in
            let lang = langs[i % 3]
            let text = "\(texts[lang]!) \(i)"
            let fields = ["id": "i\(i)", "lang": lang, "input": text, "reference": text]
            return String(decoding: try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        }
        let folder = try TestEnv.writeSuite(in: dir, id: "web-load", yaml: TestEnv.suiteYAML(id: "web-load"), items: lines)
        let server = try TestHTTPServer(requestLogLimit: 0, responder: { req in
            let n = Int(req.prompt.split(separator: " ").last ?? "") ?? 0
            return .text(req.model == "load-b" && n % 3 == 0 ? req.prompt + " ؟" : req.prompt)
        })
        defer { server.stop() }
        let store = dir + "/load.sqlite"
        var ids: [String] = []
        for model in ["load-a", "load-b"] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--model", model,
                                                          "--name", model, "--concurrency", "32", "--store", store, "--json"])
            guard r.status == 0, let json = JSONValue.parse(r.stdout), let id = json["run_id"]?.stringValue else {
                throw WebDriverError("mizan run \(model) failed (\(r.status)): \(r.stderr)")
            }
            ids.append(id)
        }
        return (store, ids[0], ids[1])
    }

    /// A pairwise study between the runs with K = `perItem` and the named annotators, made through the CLI as a user
    /// makes one (`mizan human new`, `mizan human annotators --add`); returns its id, the owner token and each
    /// annotator's (name, token) as the CLI printed them.
    static func study(store: String, runA: String, runB: String, perItem: Int, annotators: [String],
                      showReference: Bool = true) throws -> (id: String, owner: String, tokens: [(name: String, token: String)]) {
        let created = try TestEnv.run(TestEnv.mizanBinary, ["human", "new", "--runs", runA, runB, "--name", "web-test", "--per-item", String(perItem),
                                                            "--seed", "16", "--store", store] + (showReference ? ["--show-reference"] : []))
        guard created.status == 0,
              let id = created.stdout.split(separator: "\n").first(where: { $0.hasPrefix("study ") })?.split(separator: " ").dropFirst().first,
              let owner = created.stdout.split(separator: "\n").first(where: { $0.hasPrefix("owner token") })?.split(separator: " ").last else {
            throw WebDriverError("mizan human new failed (\(created.status)): \(created.stdout) \(created.stderr)")
        }
        let added = try TestEnv.run(TestEnv.mizanBinary, ["human", "annotators", String(id), "--add"] + annotators + ["--store", store])
        let rows = added.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        let tokens = annotators.compactMap { name in rows.first { $0.count == 3 && $0[1] == name }.map { (name, $0[2]) } }
        guard added.status == 0, tokens.count == annotators.count else {
            throw WebDriverError("mizan human annotators --add failed (\(added.status)): \(added.stdout) \(added.stderr)")
        }
        return (String(id), String(owner), tokens)
    }
}

/// `mizan serve` as a child process on a free port of 127.0.0.1, for tests that restart or kill it.
final class RestartableServe: @unchecked Sendable {
    // @unchecked Sendable: `process` is replaced only by `start`, called from the test's one task.

    /// The store it serves.
    let store: String
    /// The port it listens on (kept across restarts, so clients keep their base URL).
    let port: Int
    /// Extra `mizan serve` arguments.
    let extra: [String]
    /// Where its output goes (appended across restarts).
    let log: String
    private var process: Process?

    /// `http://127.0.0.1:PORT`.
    var base: String { "http://127.0.0.1:\(port)" }

    /// A server for `store`, not yet started; `log` collects its stdout and stderr.
    init(store: String, log: String, extra: [String] = []) throws {
        self.store = store
        self.log = log
        self.extra = extra
        self.port = try FreePort.pick()
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw WebDriverError("cannot create \(log)") }
    }

    deinit { if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }

    /// Starts `mizan serve` and waits (60 s at most) until it answers HTTP.
    func start() async throws {
        let p = Process()
        // MIZAN_SERVE_BINARY: another build of mizan to serve with (the load benchmark uses the release binary).
        p.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MIZAN_SERVE_BINARY"] ?? TestEnv.mizanBinary)
        p.arguments = ["serve", "--store", store, "--port", String(port)] + extra
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        process = p
        let client = FormClient(base: base)
        let deadline = Date().addingTimeInterval(120)
        while true {
            if let page = try? await client.get("/login"), page.status > 0 { return }
            guard p.isRunning else { throw WebDriverError("mizan serve exited (\(p.terminationStatus)): \(output.suffix(2000))") }
            guard Date() < deadline else { throw WebDriverError("mizan serve did not answer on \(base) within 120 s: \(output.suffix(2000))") }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// SIGKILL: the process dies at once, mid-request, with no chance to flush or clean up.
    func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    /// SIGTERM and wait (the normal stop).
    func stop() {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
    }

    /// Whether the process is alive.
    var isRunning: Bool { process?.isRunning ?? false }

    /// Everything it wrote so far.
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
}
