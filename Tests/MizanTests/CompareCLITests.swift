import Foundation
import Testing
import MizanCore
import MizanStore
import MizanTestSupport

/// `mizan compare` and `mizan diff` end to end: real runs through the test server, a real SQLite store, the CLI binary.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CompareCLITests {
    /// The injected answer: if it ever ran as a script it would change the page title and add an element.
    static let injection = #"<script>document.title='PWNED';document.body.insertAdjacentHTML('beforeend','<p id=pwned>PWNED</p>')</script>"#

    /// 60 items (ary-Arab and zgh-Tfng alternating): model `good` answers every item right; `bad` is wrong on
    /// every ary-Arab item and answers item 0 with a script tag.
    static func setUp(_ dir: String) throws -> (store: String, good: String, bad: String, folder: String) {
        let items = (0..<60).map { i -> String in
            let lang = i % 2 == 0 ? "ary-Arab" : "zgh-Tfng"
            let ref = i % 2 == 0 ? "جواب \(i)" : "ⴰⵎⴰⵔ \(i)"
            return #"{"id":"item-\#(i)","lang":"\#(lang)","input":"q \#(i)","reference":"\#(ref)"}"#
        }
        let folder = try TestEnv.writeSuite(in: dir, id: "cmp-suite", yaml: TestEnv.suiteYAML(id: "cmp-suite"), items: items)
        let server = try TestHTTPServer(responder: { req in
            let n = Int(req.prompt.split(separator: " ").last ?? "") ?? 0
            let right = n % 2 == 0 ? "جواب \(n)" : "ⴰⵎⴰⵔ \(n)"
            if req.model == "bad" && n % 2 == 0 { return .completion(TestCompletion(text: n == 0 ? injection : "غلط, \"quoted\"\nline")) }
            return .completion(TestCompletion(text: right))
        })
        defer { server.stop() }
        let store = dir + "/cmp.sqlite"
        var ids: [String] = []
        for model in ["good", "bad"] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--model", model,
                                                          "--name", model, "--store", store, "--json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
            ids.append(try #require(json["run_id"]?.stringValue))
        }
        return (store, ids[0], ids[1], folder)
    }

    @Test func compareTwoRunsInEveryFormat() throws {
        let dir = TestEnv.tempDir()
        let (store, good, bad, _) = try Self.setUp(dir)
        let table = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, bad, "--store", store])
        #expect(table.status == 0, "stderr: \(table.stderr)")
        let ary = try #require(table.stdout.split(separator: "\n").first { $0.contains("ary-Arab") && $0.contains("exact") })
        // good is right on all 30 ary-Arab items, bad on none: 30/30 is not a certainty (Clopper–Pearson lower bound
        // 0.025^(1/30) = 0.884); −1 with Newcombe's interval (Wilson's 0/30 bound 0.1135 · √2 = 0.161 above −1) and an
        // exact McNemar p-value of 2/2^30 with a star.
        #expect(ary.contains("1.000 [0.884, 1.000]") && ary.contains("\u{2212}1.000 [\u{2212}1.000, \u{2212}0.839] p<0.001 *"))
        let tfng = try #require(table.stdout.split(separator: "\n").first { $0.contains("zgh-Tfng") })
        #expect(tfng.contains("0.000 [\u{2212}0.114, +0.114] p=1.000") && !tfng.hasSuffix("*"))
        #expect(table.stdout.contains("items compared") && table.stdout.contains("latency p50"))

        var outputs: [String: String] = [:]
        for f in ["md", "csv", "json", "latex", "html"] {
            let path = dir + "/out.\(f)"
            let r = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, bad, "--store", store, "--format", f, "--out", path])
            #expect(r.status == 0, "\(f): \(r.stderr)")
            outputs[f] = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!FileManager.default.fileExists(atPath: dir + "/.out.\(f).tmp"))
        }
        #expect(outputs["md"]?.contains("| cmp-suite@1.0.0 | ary-Arab | exact |") == true)
        let json = try #require(JSONValue.parse(outputs["json"] ?? ""))
        #expect(json["schema"]?.stringValue == "mizan.comparison" && json["schema_version"]?.doubleValue == 2)
        guard case .array(let rows)? = json["rows"], case .array(let columns)? = json["columns"] else { Issue.record("rows/columns"); return }
        #expect(columns.compactMap { $0["label"]?.stringValue } == ["good", "bad"])
        let aryRow = try #require(rows.first { $0["language"]?.stringValue == "ary-Arab" })
        guard case .array(let diffs)? = aryRow["differences"] else { Issue.record("differences"); return }
        #expect(diffs[0] == .null && diffs[1]["mean"]?.doubleValue == -1 && diffs[1]["significant"] == .bool(true))
        #expect(diffs[1]["test"]?.stringValue == "mcnemar" && diffs[1]["discordant"]?["reference_only"]?.doubleValue == 30)
        guard case .array(let coverage)? = json["coverage"] else { Issue.record("coverage"); return }
        #expect(coverage.first?["common_items"]?.doubleValue == 60 && coverage.first?["dropped"] == .array([.number(0), .number(0)]))
        #expect(outputs["latex"]?.contains("\\toprule") == true && outputs["latex"]?.contains("\\end{document}") == true)
        #expect(outputs["html"]?.contains("&lt;script&gt;document.title=&#39;PWNED&#39;") == true)
        #expect(outputs["html"]?.contains("<script") == false)
        // CSV: one row per slice × model, RFC 4180 line ends.
        let csvLines = (outputs["csv"] ?? "").components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(csvLines.first?.hasPrefix("suite,suite_version,language,metric,model,") == true)
        #expect(csvLines.count == 1 + 3 * 2)
    }

    @Test func referenceAndBySuiteSelection() throws {
        let dir = TestEnv.tempDir()
        let (store, good, bad, _) = try Self.setUp(dir)
        let r = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, bad, "--reference", "bad", "--store", store, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(JSONValue.parse(r.stdout)?["reference"]?.doubleValue == 1)
        let unknown = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, bad, "--reference", "nope", "--store", store])
        #expect(unknown.status == 2 && unknown.stderr.contains("good, bad"))
        // Both runs used the same endpoint URL with different run names: --suite groups them by name (CompareByNameTests).
        let bySuite = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "cmp-suite", "--store", store, "--format", "json"])
        #expect(bySuite.status == 0 && CompareByNameTests.columns(bySuite.stdout).map(\.label) == ["good", "bad"], "\(bySuite.stderr)")
        let missingDir = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, bad, "--store", store, "--out", dir + "/no/such/dir/x.html"])
        #expect(missingDir.status == 2 && missingDir.stderr.contains("does not exist"))
    }

    @Test func temperatureOverrideThreeColumnsAndLatestRunPerEndpoint() throws {
        let dir = TestEnv.tempDir()
        let (store, good, bad, folder) = try Self.setUp(dir)
        // A second endpoint (another server URL), run with --temperature: sent, recorded, and still comparable.
        let server = try TestHTTPServer(responder: { _ in .completion(TestCompletion(text: "x")) })
        defer { server.stop() }
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--temperature", "0.7",
                                                      "--name", "warm", "--store", store, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let warm = try #require(JSONValue.parse(r.stdout)?["run_id"]?.stringValue)
        #expect(try SQLiteStore(path: store).run(matching: warm).manifest["generation"]?["temperature"]?.doubleValue == 0.7)
        #expect(server.requests.contains { $0.json?["temperature"]?.doubleValue == 0.7 })
        // Three columns: every other column is compared with the reference.
        let three = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, bad, warm, "--store", store, "--format", "json"])
        #expect(three.status == 0, "\(three.stderr)")
        guard case .array(let rows)? = JSONValue.parse(three.stdout)?["rows"], case .array(let diffs)? = rows.first?["differences"] else {
            Issue.record("rows"); return
        }
        #expect(diffs.count == 3 && diffs[0] == .null && diffs[1] != .null && diffs[2] != .null)
        // By name: the latest completed run of each run name on the suite (good and bad share the first server's URL).
        let bySuite = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "cmp-suite", "--store", store, "--format", "json"])
        #expect(bySuite.status == 0, "\(bySuite.stderr)")
        guard case .array(let columns)? = JSONValue.parse(bySuite.stdout)?["columns"] else { Issue.record("columns"); return }
        #expect(columns.compactMap { $0["label"]?.stringValue } == ["good", "bad", "warm"])
        let onlyOne = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "cmp-suite", "--endpoint", "nowhere", "--store", store])
        #expect(onlyOne.status == 2 && onlyOne.stderr.contains("no completed run of suite cmp-suite on endpoint nowhere"))
    }

    @Test func incomparableRunsAreRefusedWithTheReasonUnlessOverridden() throws {
        let dir = TestEnv.tempDir()
        let (store, good, _, folder) = try Self.setUp(dir)
        // Change the prompt template: same suite id and version, different content and template hash.
        let yaml = try String(contentsOfFile: folder + "/suite.yaml", encoding: .utf8)
        try yaml.replacingOccurrences(of: "\"{{input}}\"", with: "\"Q: {{input}}\"").write(toFile: folder + "/suite.yaml", atomically: true, encoding: .utf8)
        let server = try TestHTTPServer(responder: { _ in .completion(TestCompletion(text: "x")) })
        defer { server.stop() }
        let run = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", store, "--json"])
        let other = try #require(JSONValue.parse(run.stdout)?["run_id"]?.stringValue)
        let refused = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, other, "--store", store])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("prompt template hash differs") && refused.stderr.contains("suite content hash differs"))
        #expect(refused.stderr.contains("--allow-incomparable") && refused.stdout.isEmpty)
        let forced = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, other, "--store", store, "--allow-incomparable"])
        #expect(forced.status == 0 && forced.stdout.contains("WARNING (compared with --allow-incomparable)"))
        let diff = try TestEnv.run(TestEnv.mizanBinary, ["diff", good, other, "--store", store])
        #expect(diff.status == 2 && diff.stderr.contains("--allow-incomparable"))
    }

    @Test func diffListsChangedItemsAndFilters() throws {
        let dir = TestEnv.tempDir()
        let (store, good, bad, _) = try Self.setUp(dir)
        let all = try TestEnv.run(TestEnv.mizanBinary, ["diff", good, bad, "--store", store, "--format", "json", "--limit", "0"])
        #expect(all.status == 0, "\(all.stderr)")
        let json = try #require(JSONValue.parse(all.stdout))
        guard case .array(let changes)? = json["changes"] else { Issue.record("changes"); return }
        #expect(changes.count == 30 && changes.allSatisfy { $0["regression"] == .bool(true) && $0["language"]?.stringValue == "ary-Arab" })
        #expect(changes.contains { $0["output_b"]?.stringValue == Self.injection })
        let improvements = try TestEnv.run(TestEnv.mizanBinary, ["diff", bad, good, "--store", store, "--format", "json", "--regressions"])
        guard case .array(let none)? = JSONValue.parse(improvements.stdout)?["changes"] else { Issue.record("changes"); return }
        #expect(none.isEmpty)
        let tfng = try TestEnv.run(TestEnv.mizanBinary, ["diff", good, bad, "--store", store, "--format", "json", "--language", "zgh-Tfng"])
        guard case .array(let tf)? = JSONValue.parse(tfng.stdout)?["changes"] else { Issue.record("changes"); return }
        #expect(tf.isEmpty)
        let table = try TestEnv.run(TestEnv.mizanBinary, ["diff", good, bad, "--store", store, "--limit", "3"])
        #expect(table.stdout.contains("1.000 → 0.000 ▼") && table.stdout.contains("30 changed item scores (30 worse, 0 better); showing 3"))
        let badMetric = try TestEnv.run(TestEnv.mizanBinary, ["diff", good, bad, "--store", store, "--metric", "bleu"])
        #expect(badMetric.status == 2 && badMetric.stderr.contains("it has: exact"))
        // CSV keeps the full output with its comma, quotes and newline, quoted per RFC 4180.
        let csv = try TestEnv.run(TestEnv.mizanBinary, ["diff", good, bad, "--store", store, "--format", "csv", "--limit", "0"])
        #expect(csv.stdout.contains("\"غلط, \"\"quoted\"\"\nline\""))
    }

    /// Debian's Chromium, if installed.
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile)

    /// Renders the HTML report in headless Chromium: the table is there, the injected script is text and did not run,
    /// and the screenshot is a real PNG. Needs Debian's `chromium`: without it the test is reported as skipped (never
    /// passed); scripts/test installs it and sets MIZAN_REQUIRE_CHROMIUM=1 so that a missing browser fails instead.
    @Test(.enabled(if: chromium != nil || ProcessInfo.processInfo.environment["MIZAN_REQUIRE_CHROMIUM"] == "1",
                   "needs Debian's chromium (apt-get install chromium fonts-noto-core; scripts/test installs it)"))
    func htmlReportRendersInHeadlessChromiumWithoutRunningInjectedScripts() throws {
        let chromium = try #require(Self.chromium, "chromium is not installed but MIZAN_REQUIRE_CHROMIUM=1 (apt-get install chromium fonts-noto-core)")
        let dir = TestEnv.tempDir()
        let (store, good, bad, _) = try Self.setUp(dir)
        let html = dir + "/report.html"
        let r = try TestEnv.run(TestEnv.mizanBinary, ["compare", good, bad, "--store", store, "--format", "html", "--out", html])
        #expect(r.status == 0, "\(r.stderr)")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir)/profile", "--window-size=1280,2000"]
        let timeout = FileManager.default.isExecutableFile(atPath: "/usr/bin/timeout")
        func browser(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            timeout ? try TestEnv.run("/usr/bin/timeout", ["120", chromium] + flags + args) : try TestEnv.run(chromium, flags + args)
        }
        let dom = try browser(["--dump-dom", "file://" + html])
        #expect(dom.status == 0, "chromium --dump-dom: \(dom.stderr.suffix(800))")
        #expect(dom.stdout.contains("<table id=\"scores\"") && dom.stdout.contains("cmp-suite@1.0.0"))
        #expect(dom.stdout.contains("&lt;script&gt;document.title='PWNED'"), "the injected answer is shown as text")
        #expect(!dom.stdout.contains("<script") && !dom.stdout.contains("id=\"pwned\"") && !dom.stdout.contains("<title>PWNED"))
        let png = dir + "/shot.png"
        let shot = try browser(["--screenshot=" + png, "file://" + html])
        #expect(shot.status == 0, "chromium --screenshot: \(shot.stderr.suffix(800))")
        let data = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(data.count > 20_000 && data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }
}
