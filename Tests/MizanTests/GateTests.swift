import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import MizanCore
import MizanGate
import MizanReport
import MizanStore
import MizanSuites
import MizanTestSupport

/// `mizan gate` and `mizan baseline` end to end: CLI binary, real test server, real SQLite store.
@Suite(.serialized, .timeLimit(.minutes(5))) struct GateTests {
    static let languages = ["ary-Arab", "fra-Latn", "zgh-Tfng"]

    /// 40 items per language; item "<lang>-i" asks "q <lang> i" and expects "a <lang> i".
    static func suite(in dir: String, template: String = "{{input}}", temperature: Double? = nil) throws -> String {
        let items = languages.flatMap { lang in
            (0..<40).map { #"{"id":"\#(lang)-\#($0)","lang":"\#(lang)","input":"q \#(lang) \#($0)","reference":"a \#(lang) \#($0)"}"# }
        }
        let yaml = TestEnv.suiteYAML(id: "gate-suite", template: template,
                                     extra: temperature.map { "generation:\n  temperature: \($0)\n" } ?? "")
        return try TestEnv.writeSuite(in: dir, id: "gate-suite", yaml: yaml, items: items)
    }

    /// A server that answers right, except on the first `wrongPerLanguage[lang]` items of a language.
    static func server(wrong: [String: Int] = [:], failEvery: Int = 0) throws -> TestHTTPServer {
        try TestHTTPServer(responder: { req in
            let parts = req.prompt.split(separator: " ")
            guard parts.count == 3, let i = Int(parts[2]) else { return .text("?") }
            if failEvery > 0 && i % failEvery == 0 { return .status(400, body: #"{"error":"bad request"}"#) }
            return .text(i < wrong[String(parts[1]), default: 0] ? "wrong" : "a \(parts[1]) \(i)")
        })
    }

    struct Setup {
        let dir: String, folder: String, store: String, baselineFile: String
    }

    /// Runs the suite against a correct server and saves the run as a baseline file.
    static func baseline() throws -> Setup {
        let dir = TestEnv.tempDir()
        let folder = try suite(in: dir)
        let store = dir + "/gate.sqlite"
        let good = try server()
        defer { good.stop() }
        let run = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", good.baseURL + "/v1", "--store", store, "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let runID = try #require(JSONValue.parse(run.stdout)?["run_id"]?.stringValue)
        let save = try TestEnv.run(TestEnv.mizanBinary, ["baseline", "save", runID, "--name", "good", "--dir", dir + "/baselines", "--store", store])
        #expect(save.status == 0, "stderr: \(save.stderr)")
        return Setup(dir: dir, folder: folder, store: store, baselineFile: dir + "/baselines/good.json")
    }

    static func gate(_ s: Setup, _ server: TestHTTPServer, _ extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", s.baselineFile, "--suite", s.folder, "--endpoint", server.baseURL + "/v1",
                                              "--store", s.store, "--junit", s.dir + "/junit.xml", "--markdown", s.dir + "/gate.md"] + extra,
                        environment: ["PATH": "/usr/bin:/bin"])
    }

    @Test func aModelWorseOnOneLanguageFailsOnThatSliceAlone() throws {
        let s = try Self.baseline()
        let worse = try Self.server(wrong: ["zgh-Tfng": 20])
        defer { worse.stop() }
        let r = try Self.gate(s, worse)
        #expect(r.status == 1, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stdout.contains("gate FAILED: 1 of"), "\(r.stdout)")
        #expect(r.stdout.contains("zgh-Tfng") && r.stdout.contains("no_significant_regression"))
        #expect(r.stdout.contains("Most regressed items") && r.stdout.contains("zgh-Tfng-0"))
        let junit = try String(contentsOfFile: s.dir + "/junit.xml", encoding: .utf8)
        #expect(junit.contains(#"<testsuites name="mizan gate" tests="3" failures="1""#), "\(junit)")
        #expect(XMLParser(data: Data(junit.utf8)).parse(), "the JUnit report is well-formed XML")
        let failures = junit.components(separatedBy: "<failure ").dropFirst()
        #expect(failures.count == 1 && failures.allSatisfy { $0.contains("zgh-Tfng") })
        #expect(junit.contains(#"name="ary-Arab · exact · no_significant_regression"><system-out>"#))
        let md = try String(contentsOfFile: s.dir + "/gate.md", encoding: .utf8)
        #expect(md.hasPrefix("## ❌ mizan gate"))
        #expect(md.contains("| FAIL | gate-suite | zgh-Tfng | exact | no_significant_regression |"))
        #expect(!md.contains("| FAIL | gate-suite | ary-Arab"))
    }

    @Test func anEqualModelPassesAndAnnotationsAndSummaryAreWritten() throws {
        let s = try Self.baseline()
        let same = try Self.server()
        defer { same.stop() }
        let summary = s.dir + "/step-summary.md"
        try Data("earlier step\n".utf8).write(to: URL(fileURLWithPath: summary))
        let r = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", s.baselineFile, "--suite", s.folder, "--endpoint", same.baseURL + "/v1",
                                                      "--store", s.store, "--junit", s.dir + "/junit.xml"],
                                environment: ["PATH": "/usr/bin:/bin", "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        #expect(r.status == 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stdout.contains("gate PASSED: 3 checks"))
        #expect(r.stdout.contains("::notice title=mizan gate::gate PASSED") && !r.stdout.contains("::error"))
        let appended = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(appended.hasPrefix("earlier step\n## ✅ mizan gate"))
        let junit = try String(contentsOfFile: s.dir + "/junit.xml", encoding: .utf8)
        #expect(junit.contains(#"failures="0""#) && !junit.contains("<failure"))
    }

    @Test func aNonComparableBaselineExitsWith2AndSaysWhy() throws {
        let s = try Self.baseline()
        // The same suite id and version with a changed prompt template: content and template hashes differ.
        _ = try Self.suite(in: s.dir, template: "Q: {{input}}")
        let same = try Self.server()
        defer { same.stop() }
        let r = try Self.gate(s, same)
        #expect(r.status == 2, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stderr.contains("not comparable") && r.stderr.contains("suite content hash differs")
                && r.stderr.contains("prompt template hash differs") && r.stderr.contains("--allow-incomparable"))
    }

    @Test func rulesScopeStricterLimitsToOneLanguage() throws {
        let s = try Self.baseline()
        let rules = s.dir + "/gate.yaml"
        try """
            version: 1
            defaults:
              no_significant_regression: true
              max_error_rate: 0.5
            rules:
              - name: tifinagh-strict
                language: zgh-Tfng
                max_drop: 0.01
            """.write(toFile: rules, atomically: true, encoding: .utf8)
        // Two wrong answers on Tifinagh and on Darija: not significant anywhere, but above the Tifinagh drop limit.
        let slightly = try Self.server(wrong: ["zgh-Tfng": 2, "ary-Arab": 2])
        defer { slightly.stop() }
        let r = try Self.gate(s, slightly, ["--rules", rules])
        #expect(r.status == 1, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stdout.contains("gate FAILED: 1 of"))
        #expect(r.stdout.contains("max_drop") && r.stdout.contains("tifinagh-strict") && r.stdout.contains("fell by 0.050"))
        let junit = try String(contentsOfFile: s.dir + "/junit.xml", encoding: .utf8)
        #expect(junit.contains(#"name="zgh-Tfng · max_error_rate"><system-out>"#))
    }

    @Test func badRulesAndBadBaselinesAreInputErrors() throws {
        let s = try Self.baseline()
        let rules = s.dir + "/bad.yaml"
        try "rules:\n  - language: zgh-Tfng\n    max_dorp: 0.1\n    confidence: 2\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let server = try Self.server()
        defer { server.stop() }
        let r = try Self.gate(s, server, ["--rules", rules])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.yaml:3") && r.stderr.contains("max_dorp"), "\(r.stderr)")
        #expect(r.stderr.contains("bad.yaml:4") && r.stderr.contains("confidence"), "\(r.stderr)")
        let broken = s.dir + "/broken.json"
        try #"{"schema": "something-else"}"#.write(toFile: broken, atomically: true, encoding: .utf8)
        let b = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", broken, "--suite", s.folder, "--endpoint", server.baseURL + "/v1", "--store", s.store])
        #expect(b.status == 2 && b.stderr.contains("broken.json") && b.stderr.contains("not a mizan baseline"))
    }

    @Test func tooManyEndpointErrorsToDecideExitsWith3() throws {
        let s = try Self.baseline()
        let flaky = try Self.server(failEvery: 2)
        defer { flaky.stop() }
        let r = try Self.gate(s, flaky)
        #expect(r.status == 3, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stdout.contains("gate UNDECIDED") && r.stdout.contains("--error-budget"))
    }

    @Test func flakyAnswersFailAPassAllRuleWithSamples() throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.suite(in: dir)
        let store = dir + "/gate.sqlite"
        let steady = try Self.server()
        defer { steady.stop() }
        let run = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", steady.baseURL + "/v1", "--store", store,
                                                        "--samples", "3", "--json"])
        let runID = try #require(JSONValue.parse(run.stdout)?["run_id"]?.stringValue, "stderr: \(run.stderr)")
        let save = try TestEnv.run(TestEnv.mizanBinary, ["baseline", "save", runID, "--name", "k3", "--dir", dir, "--store", store])
        #expect(save.status == 0, "\(save.stderr)")
        let baseline = try String(contentsOfFile: dir + "/k3.json", encoding: .utf8)
        #expect(baseline.contains(#""seeds":[1,2,3]"#), "the baseline records the sample seeds")
        // A flaky model: wrong on Tifinagh items 0-9 whenever it is sent seed 2 (one sample in three).
        let flaky = try TestHTTPServer(responder: { req in
            let parts = req.prompt.split(separator: " ")
            guard parts.count == 3, let i = Int(parts[2]) else { return .text("?") }
            let seed = req.json?["seed"]?.intValue
            return .text(parts[1] == "zgh-Tfng" && i < 10 && seed == 2 ? "wrong" : "a \(parts[1]) \(i)")
        })
        defer { flaky.stop() }
        let rules = dir + "/flake.yaml"
        try "version: 1\nrules:\n  - min_pass_all: 0.9\n    min_agreement: 0.95\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let r = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", dir + "/k3.json", "--suite", folder, "--endpoint", flaky.baseURL + "/v1",
                                                      "--store", store, "--rules", rules])
        #expect(r.status == 1, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        // 10 of 120 items disagree: agreement 91.7% < 95% and pass^3 0.917 > 0.9 passes.
        #expect(r.stdout.contains("min_agreement") && r.stdout.contains("samples agree on 91.7% of items"))
        #expect(!r.stdout.contains("min_pass_all"), "pass^3 = 110/120 ≥ 0.9 passes, so it is not among the failures")
        #expect(flaky.requests.contains { $0.json?["seed"]?.intValue == 3 }, "the candidate ran 3 samples like the baseline")
    }

    @Test func theGateAsksTheEndpointEvenWhenTheStoreCouldAnswer() throws {
        // Temperature 0 makes `mizan run` reuse stored responses; the gate must not.
        let dir = TestEnv.tempDir()
        let folder = try Self.suite(in: dir, temperature: 0)
        let store = dir + "/gate.sqlite"
        let good = try Self.server()
        defer { good.stop() }
        let run = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", good.baseURL + "/v1", "--store", store, "--json"])
        let runID = try #require(JSONValue.parse(run.stdout)?["run_id"]?.stringValue, "\(run.stderr)")
        _ = try TestEnv.run(TestEnv.mizanBinary, ["baseline", "save", runID, "--name", "t0", "--dir", dir, "--store", store])
        let again = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", good.baseURL + "/v1", "--store", store, "--json"])
        #expect(again.status == 0)
        let before = good.requestCount
        // The same server now answers Tifinagh wrongly: only a live request can see it.
        let worse = try Self.server(wrong: ["zgh-Tfng": 20])
        defer { worse.stop() }
        let sameURL = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", dir + "/t0.json", "--suite", folder,
                                                            "--endpoint", good.baseURL + "/v1", "--store", store])
        #expect(sameURL.status == 0 && good.requestCount >= before + 120, "the gate sent every request (\(good.requestCount - before))")
        let r = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", dir + "/t0.json", "--suite", folder,
                                                      "--endpoint", worse.baseURL + "/v1", "--store", store])
        #expect(r.status == 1 && worse.requestCount >= 120, "\(r.stdout)")
    }

    @Test func aBaselineFileHoldsNoTextUnlessAskedAndRoundTrips() throws {
        let s = try Self.baseline()
        let text = try String(contentsOfFile: s.baselineFile, encoding: .utf8)
        #expect(text.contains(#""schema": "mizan.baseline""#) && text.contains(#""includes_text": false"#))
        #expect(!text.contains("q zgh-Tfng 3") && !text.contains("a zgh-Tfng 3"))
        let b = try Baseline.load(path: s.baselineFile)
        #expect(b.runs.count == 1 && b.runs[0].items.count == 120)
        let store = try SQLiteStore(path: s.store)
        let stored = try store.items(runID: b.runs[0].run.id)
        let fromFile = Summarizer.summarize(run: b.runs[0].run, items: b.runs[0].items)
        let fromStore = Summarizer.summarize(run: try store.run(matching: b.runs[0].run.id), items: stored)
        #expect(fromFile.byLanguage == fromStore.byLanguage)
        // Stored candidate form: the stored baseline run gated against itself passes.
        let r = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", s.baselineFile, "--candidate", b.runs[0].run.id, "--store", s.store])
        #expect(r.status == 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        let again = try TestEnv.run(TestEnv.mizanBinary, ["baseline", "save", b.runs[0].run.id, "--name", "good", "--dir", s.dir + "/baselines", "--store", s.store])
        #expect(again.status == 2 && again.stderr.contains("--force"))
    }
}

/// The committed CI examples stay consistent with the repository: files they call exist, the baseline loads and
/// its suites are still present at the recorded version and content hash (a suite edit that would make the CI gate
/// refuse its own baseline fails here first).
@Suite(.timeLimit(.minutes(5))) struct CIExampleTests {
    @Test func workflowsReferenceFilesThatExist() throws {
        for path in ["examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml"] {
            let text = try String(contentsOfFile: TestEnv.root + "/" + path, encoding: .utf8)
            for file in ["scripts/ci/install-packages.sh", "scripts/local-model.sh"] {
                #expect(text.contains("bash \(file)"), "\(path) should call \(file)")
                #expect(FileManager.default.fileExists(atPath: TestEnv.root + "/" + file), "\(file) is missing")
            }
            for file in ["examples/ci/mizan-ci.yaml", "Results/baselines/gemma3-270m-ci.json", "examples/ci/gate.yaml"] {
                #expect(text.contains(file), "\(path) should name \(file)")
                #expect(FileManager.default.fileExists(atPath: TestEnv.root + "/" + file), "\(file) is missing")
            }
            #expect(text.contains("mizan gate --baseline \"$MIZAN_BASELINE\" --endpoint \"$MIZAN_GATE_ENDPOINT\" --rules \"$MIZAN_GATE_RULES\""))
        }
        _ = try GateRules.load(path: TestEnv.root + "/examples/ci/gate.yaml")
    }

    @Test func theCommittedBaselineMatchesTheShippedSuites() throws {
        let baseline = try Baseline.load(path: TestEnv.root + "/Results/baselines/gemma3-270m-ci.json")
        #expect(!baseline.includesText && !baseline.runs.isEmpty)
        for run in baseline.runs {
            let folder = try SuiteCatalog.resolve("\(run.run.suiteID)@\(run.run.suiteVersion)", promptsDir: TestEnv.root + "/Prompts")
            let suite = try SuiteLoader.load(folder: folder)
            #expect(suite.contentHash == run.run.suiteHash, "suite \(suite.id) changed since the CI baseline was saved; save it again")
            #expect(run.items.count == run.run.itemCount && run.items.allSatisfy { $0.response.failure == nil })
        }
    }
}

/// The JUnit report stays well-formed XML whatever a slice or detail contains.
@Suite(.timeLimit(.minutes(5))) struct JUnitEscapingTests {
    @Test func markupEscapingGivesWellFormedXML() throws {
        let nasty = "a<b & \"c\" 'd' \u{1}\u{FFFE} ⵜⴰⵎⴰⵣⵉⵖⵜ الدارجة"
        let escaped = Markup.escape(nasty)
        #expect(escaped == "a&lt;b &amp; &quot;c&quot; &#39;d&#39; \u{FFFD}\u{FFFD} ⵜⴰⵎⴰⵣⵉⵖⵜ الدارجة")
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t a=\"\(escaped)\">\(escaped)</t>"
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
    }
}
