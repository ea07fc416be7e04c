import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// The `judge` metric: rubric loading, the answer parse rule, and whole runs against the test
/// server where the same server plays the model under test and the judge.
@Suite(.timeLimit(.minutes(5))) struct JudgeMetricTests {
    static let rubricPath = TestEnv.root + "/Prompts/rubrics/answer-in-darija.yaml"

    static func judgeSuite(in dir: String, judgeOptions: String) throws -> String {
        try TestEnv.writeSuite(in: dir, yaml: """
            id: t-suite
            version: 1.0.0
            language: ary-Arab
            task: generation
            prompt:
              template: "{{input}}"
            metrics:
              - exact
              - name: judge
            \(judgeOptions)
            """, items: (0..<5).map { #"{"id":"item-\#($0)","input":"q \#($0)","reference":"a \#($0)"}"# })
    }

    /// Generation requests ("q i") get "a i"; judge requests (they carry the rubric) get a verdict per item.
    static func responder(_ req: TestRequest) -> TestReply {
        guard req.prompt.contains("Grade the ASSISTANT ANSWER") else { return .text("a " + req.prompt.dropFirst(2)) }
        if req.prompt.contains("ASSISTANT ANSWER:\na 0") { return .text("Correct and in Darija.\nSCORE: 4") }
        if req.prompt.contains("ASSISTANT ANSWER:\na 1") { return .text("Looks fine to me, I would say good.") }
        if req.prompt.contains("ASSISTANT ANSWER:\na 2") { return .text("ممتاز.\n**SCORE:** ٥") }
        if req.prompt.contains("ASSISTANT ANSWER:\na 3") { return .text("SCORE: 9") }
        return .status(503, body: #"{"error":"judge overloaded"}"#)
    }

    @Test func judgeRunStoresScoresPromptsAnswersAndErrors() async throws {
        let dir = TestEnv.tempDir()
        let server = try TestHTTPServer(responder: Self.responder)
        defer { server.stop() }
        let folder = try Self.judgeSuite(in: dir, judgeOptions: """
                rubric_file: \(Self.rubricPath)
                endpoint: local-judge
            """)
        let suite = try SuiteLoader.load(folder: folder)
        var judge = TestEnv.endpoint(server)
        judge.name = "local-judge"
        judge.model = "judge-model"
        let config = MizanConfig(endpoints: ["local-judge": judge])
        let store = try SQLiteStore(path: dir + "/j.sqlite")
        let outcome = try await Runner(store: store, harnessVersion: "test")
            .run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server, concurrency: 2), config: config))
        #expect(outcome.status == .completed && outcome.errors == 0)
        #expect(server.requestCount >= 10)
        let items = Dictionary(uniqueKeysWithValues: try store.items(runID: outcome.runID).map { ($0.itemID, $0) })
        func judgeScore(_ id: String) throws -> ScoreRecord { try #require(items[id]?.scores.first { $0.metric == "judge" }) }

        let s0 = try judgeScore("item-0")
        #expect(s0.value == 0.75)
        #expect(s0.error == nil)
        #expect(s0.details["raw_score"]?.doubleValue == 4)
        #expect(s0.details["judge_answer"]?.stringValue == "Correct and in Darija.\nSCORE: 4")
        let prompt = try #require(s0.details["judge_prompt"]?.stringValue)
        #expect(prompt.contains("USER QUESTION:\nq 0") && prompt.contains("REFERENCE ANSWER (may be empty):\na 0"))
        #expect(prompt.contains("Language tag of the item: ary-Arab"))
        #expect(prompt.hasSuffix("SCORE: <n>\nwhere <n> is a whole number from 1 (worst) to 5 (best)."))
        #expect(s0.details["judge"]?.stringValue == "local-judge/judge-model")
        #expect(s0.metricVersion.hasPrefix("judge/1 rubric:answer-in-darija@1.0.0#"))
        #expect(s0.metricVersion.hasSuffix("scale:1-5 judge:local-judge/judge-model"))

        let s1 = try judgeScore("item-1")
        #expect(s1.value == nil)
        #expect(s1.error?.hasPrefix("judge answer could not be parsed: no line `SCORE: <n>` (1–5)") == true)
        #expect(s1.details["judge_answer"]?.stringValue == "Looks fine to me, I would say good.")
        #expect(s1.details["judge_prompt"]?.stringValue?.contains("ASSISTANT ANSWER:\na 1") == true)

        #expect(try judgeScore("item-2").value == 1.0)
        #expect(try judgeScore("item-3").error?.contains("score 9 is outside the scale 1–5") == true)
        let s4 = try judgeScore("item-4")
        #expect(s4.value == nil)
        #expect(s4.error?.contains("judge endpoint 'local-judge/judge-model' failed: http_status: HTTP 503") == true)
        #expect(s4.details["judge_prompt"] != nil && s4.details["judge_answer"] == nil)
        // The exact scores are unaffected by the judge, and judge requests carried the rubric's system prompt.
        #expect(items.values.allSatisfy { $0.scores.first { $0.metric == "exact" }?.value == 1 })
        let judgeRequests = server.requests.filter { $0.prompt.contains("Grade the ASSISTANT ANSWER") }
        #expect(judgeRequests.count == 5)
        #expect(judgeRequests.allSatisfy { $0.systemPrompt?.contains("strict, fair evaluator") == true && $0.model == "judge-model" })
        let manifest = try store.run(matching: outcome.runID).manifest
        #expect(manifest["metrics"]?.canonicalJSON.contains("judge/1 rubric:answer-in-darija") == true)
    }

    @Test func cliRunReadsTheJudgeEndpointFromTheConfigFile() throws {
        let dir = TestEnv.tempDir()
        let server = try TestHTTPServer(responder: Self.responder)
        defer { server.stop() }
        let folder = try Self.judgeSuite(in: dir, judgeOptions: """
                rubric_file: \(Self.rubricPath)
                endpoint: local-judge
            """)
        try "endpoints:\n  local-judge:\n    url: \(server.baseURL)/v1\n    model: judge-model\n"
            .write(toFile: dir + "/mizan.yaml", atomically: true, encoding: .utf8)
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1",
                                                      "--config", dir + "/mizan.yaml", "--store", dir + "/c.sqlite", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
        // Scored: 0.75 (SCORE: 4) and 1.0 (SCORE: ٥); the unparsable, off-scale and failed verdicts are not zeros.
        #expect(json["metrics"]?["judge"]?.doubleValue == 0.875)
        #expect(json["metrics"]?["exact"]?.doubleValue == 1)
    }

    @Test func judgeEndpointFromEnvironmentAndMarkdownRubricRelativeToSuite() async throws {
        let dir = TestEnv.tempDir()
        let server = try TestHTTPServer { req in
            req.prompt.hasPrefix("Judge:") ? .text("SCORE: 2") : .text("a " + req.prompt.dropFirst(2))
        }
        defer { server.stop() }
        try FileManager.default.createDirectory(atPath: dir + "/rubrics", withIntermediateDirectories: true)
        try "---\nid: tiny\nversion: 2.0.0\nscale: [0, 4]\n---\nJudge: {{output}} for {{input}} ({{lang_note}})\n"
            .write(toFile: dir + "/rubrics/tiny.md", atomically: true, encoding: .utf8)
        let folder = try TestEnv.writeSuite(in: dir, yaml: """
            id: t-suite
            version: 1.0.0
            language: fra-Latn
            task: generation
            prompt: {template: "{{input}}"}
            metrics: [{name: judge, rubric_file: ../rubrics/tiny.md}]
            """, items: [#"{"id":"x","input":"q 1","reference":"a 1","lang_note":"FR"}"#])
        let suite = try SuiteLoader.load(folder: folder)
        let context = MetricContext.run(suiteFolder: suite.path, config: MizanConfig(),
                                        environment: ["MIZAN_JUDGE_ENDPOINT": server.baseURL + "/v1"])
        let metric = try MetricRegistry.make(suite.metrics[0], context: context)
        #expect(metric.version.contains("rubric:tiny@2.0.0#") && metric.version.contains("scale:0-4"))
        let r = try await metric.score(MetricInput(itemID: "x", output: "a 1", references: ["a 1"],
                                                   language: LanguageTag("fra-Latn")!, fields: suite.items[0].fields))
        #expect(r.value == 0.5)
        #expect(r.details["judge_prompt"]?.stringValue?.hasPrefix("Judge: a 1 for q 1 (FR)") == true)
    }

    @Test func configurationErrorsAreClear() throws {
        let spec = MetricSpec(name: "judge", options: ["rubric": .string("Grade {{output}}")])
        // Context-free make refuses judge; run contexts need an endpoint from the entry or the environment.
        #expect(throws: MetricConfigError.self) { try MetricRegistry.make(spec) }
        do {
            _ = try MetricRegistry.make(spec, context: .run(suiteFolder: nil, config: MizanConfig(), environment: [:]))
            Issue.record("expected an error")
        } catch let e as MetricConfigError {
            #expect(e.message.contains("MIZAN_JUDGE_ENDPOINT") && e.message.contains("endpoint: local-judge"))
        }
        do {
            var named = spec
            named.options["endpoint"] = .string("nowhere")
            _ = try MetricRegistry.make(named, context: .run(suiteFolder: nil, config: MizanConfig(), environment: [:]))
            Issue.record("expected an error")
        } catch let e as MetricConfigError {
            #expect(e.message.contains("unknown endpoint 'nowhere'"))
        }
        // Validation accepts a judge entry without reaching an endpoint, and names bad options.
        try MetricRegistry.validate(spec, context: MetricContext())
        let bad: [[String: JSONValue]] = [
            [:], ["rubric": .string("no output placeholder")], ["rubric": .string("{{output}}"), "scale": .array([.number(5), .number(1)])],
            ["rubric_file": .string("missing.yaml")], ["rubric": .string("{{output}}"), "colour": .string("x")],
        ]
        for options in bad {
            #expect(throws: MetricConfigError.self) { try MetricRegistry.validate(MetricSpec(name: "judge", options: options), context: MetricContext()) }
        }
        let shipped = try Rubric.load(path: Self.rubricPath)
        #expect(shipped.id == "answer-in-darija" && shipped.version == "1.0.0" && shipped.scale == JudgeScale(min: 1, max: 5))
    }

    @Test func parseRuleAcceptsArabicDigitsAndTakesTheLastScore() {
        let scale = JudgeScale(min: 1, max: 5)
        func parsed(_ s: String) -> Double? { if case .success(let v) = JudgeScore.parse(s, scale: scale) { return v } else { return nil } }
        #expect(parsed("SCORE: 4") == 4)
        #expect(parsed("reasoning…\nscore : ٣") == 3)
        #expect(parsed("**SCORE:** 5/5") == 5)
        #expect(parsed("SCORE: ۲") == 2)
        #expect(parsed("SCORE: 3,5") == 3.5)
        #expect(parsed("First SCORE: 2, on reflection\nSCORE: 4") == 4)
        #expect(parsed("SCORE: 0") == nil)
        #expect(parsed("four out of five") == nil)
        #expect(scale.normalise(4) == 0.75)
    }
}
