import Foundation
import MizanCore
import MizanMetrics
import MizanStore
import MizanTestSupport
import Testing

/// llama-cpp-python's server as the echo backend meets it: BOS not echoed (usage counts it), a null log-prob for a
/// text's first token, and HTTP 500 for a list of prompts.
@Suite(.timeLimit(.minutes(5)))
struct LikelihoodEchoServerTests {
    typealias R = LikelihoodRunTests

    @Test func llamaCppPythonStyleServerScoresChoicesOnePromptPerRequestAfterOneFailedList() throws {
        let dir = TestEnv.tempDir()
        let folder = try R.mcSuite(in: dir)
        let server = try R.server(.llamaCppPython)
        defer { server.stop() }
        let storePath = dir + "/s.sqlite"
        let r = try R.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", storePath, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try SQLiteStore(path: storePath)
        let run = try #require(try store.runs().first)
        #expect(run.status == .completed)
        #expect(run.manifest["likelihood"]?["method"]?.stringValue == "openai-echo")
        let answers = try R.answers(store, run.id)
        for (n, item) in R.mcItems.enumerated() {
            let want = try R.expectedLLs(item)
            let got = try #require(answers[String(n + 1)]).choices.map { $0.logprob ?? .nan }
            #expect(zip(got, want.lls).allSatisfy { abs($0 - $1) < 1e-9 }, "item \(n + 1)")
        }
        // Lists of prompts were tried (refused with HTTP 500) only until the first refusal came back, so at most one per
        // item in flight at the time; then one prompt per request: every choice once.
        let echoRequests = server.requests.filter { $0.path == "/v1/completions" && $0.json?["echo"] != nil }
        let lists = echoRequests.filter { if case .array? = $0.json?["prompt"] { return true } else { return false } }
        #expect(lists.count >= 1 && lists.count <= R.mcItems.count)
        let choices = 3 + 2 + 4 + 2
        // The probe sends one single-prompt echo request; a refused list's item is re-sent one prompt at a time.
        #expect(echoRequests.count - lists.count - 1 == choices)
    }

    @Test func aWholeTextIsAnErrorThatNamesTheMissingFirstTokenNotANumber() throws {
        let dir = TestEnv.tempDir()
        let items = [JSONValue.object(["id": .string("1"), "input": .string("Bonjour à vous.")]).canonicalJSON]
        let folder = try TestEnv.writeSuite(in: dir, id: "roll", yaml: "id: roll\nversion: 1.0.0\nlanguage: fra-Latn\ntask: rolling\n"
            + "metrics: [bits_per_byte]", items: items)
        let server = try R.server(.llamaCppPython)
        defer { server.stop() }
        let r = try R.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite"])
        #expect(r.status != 0)
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        let run = try #require(try store.runs().first)
        let item = try #require(try store.items(runID: run.id).first)
        #expect(item.scores.isEmpty)
        #expect(item.response.failure?.message.contains("first token") == true, "\(String(describing: item.response.failure))")
    }
}
