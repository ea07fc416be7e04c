import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport
import Testing

/// Likelihood runs through the response cache, resume, rescore, shards and sequential scoring.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LikelihoodRunStateTests {
    typealias R = LikelihoodRunTests

    /// Likelihood requests (not the probe's) the echo server received: echo completions whose prompt is not the probe's.
    static func echoScoringRequests(_ server: TestHTTPServer) -> Int {
        server.requests.filter { $0.path == "/v1/completions" && $0.json?["echo"] != nil && $0.json?["prompt"]?.stringValue != "The capital of Morocco is" }
            .count
    }

    @Test func aRerunIsAnsweredFromTheCacheWithoutLikelihoodRequests() throws {
        let dir = TestEnv.tempDir()
        let folder = try R.mcSuite(in: dir)
        let echo = try R.server(.openAIEcho)
        defer { echo.stop() }
        let args = ["run", "--suite", folder, "--endpoint", echo.baseURL + "/v1", "--store", dir + "/s.sqlite"]
        #expect(try R.mizan(args).status == 0)
        let first = Self.echoScoringRequests(echo)
        #expect(first == R.mcItems.count)
        let again = try R.mizan(args)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Self.echoScoringRequests(echo) == first)
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        let runs = try store.runs()
        try #require(runs.count == 2)
        let second = try #require(runs.first { r in (try? store.items(runID: r.id).allSatisfy(\.response.reused)) == true })
        #expect(try R.scores(store, second.id) == R.scores(store, runs.first { $0.id != second.id }!.id))
        // --no-cache sends them again.
        #expect(try R.mizan(args + ["--no-cache"]).status == 0)
        #expect(Self.echoScoringRequests(echo) == first + R.mcItems.count)
        // A changed continuation template is a different request: no reuse.
        let lettered = try TestEnv.writeSuite(in: dir + "/b", id: "mc-ll", yaml: """
            id: mc-ll
            version: 1.0.0
            language: fra-Latn
            task: multiple-choice
            scoring: loglikelihood
            prompt:
              template: "{{input}}"
              continuation: " {{label}}"
            metrics: [acc]
            """, items: R.mcItems)
        #expect(try R.mizan(["run", "--suite", lettered, "--endpoint", echo.baseURL + "/v1", "--store", dir + "/s.sqlite"]).status == 0)
        #expect(Self.echoScoringRequests(echo) == first + 2 * R.mcItems.count)
    }

    @Test func anInterruptedRunResumesAndRescoresWithoutTheModel() async throws {
        let dir = TestEnv.tempDir()
        let folder = try R.mcSuite(in: dir)
        var llama: TestHTTPServer? = try R.server(.llamaServer)
        let url = llama!.baseURL + "/v1"
        let storePath = dir + "/s.sqlite"
        let store = try SQLiteStore(path: storePath)
        // Interrupt after the first item is stored: no new items are handed out.
        let control = RunControl()
        var endpoint = EndpointConfig(name: url, url: url)
        endpoint.concurrency = 1
        var request = RunRequest(suite: try SuiteLoader.load(folder: folder), endpoint: endpoint)
        request.control = control
        request.onStored = { _, _ in control.drain() }
        let partial = try await Runner(store: store, harnessVersion: "test").run(request)
        #expect(partial.status == .interrupted && partial.stored < R.mcItems.count)
        let resumed = try R.mizan(["run", "--resume", partial.runID, "--store", storePath, "--no-cache"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let run = try store.run(matching: partial.runID)
        #expect(run.status == .completed && run.manifest["likelihood"]?["method"]?.stringValue == "llama.cpp-native")
        let scores = try R.scores(store, run.id)
        #expect(scores.count == R.mcItems.count)
        for (n, item) in R.mcItems.enumerated() {
            let want = try R.expectedLLs(item)
            #expect(scores[String(n + 1)]?["acc"] == LikelihoodMetrics.acc(want.lls, gold: want.gold))
        }
        // Rescore recomputes every likelihood metric from the stored answers with the server gone.
        llama?.stop()
        llama = nil
        try store.replaceScores(runID: run.id, itemID: "1", sample: 0, scores: [])
        let rescored = try R.mizan(["rescore", run.id, "--store", storePath])
        #expect(rescored.status == 0, "\(rescored.stderr)")
        #expect(try R.scores(store, run.id) == scores)
    }

    @Test func shardsAndSequentialScoringGiveTheSameNumbers() throws {
        let dir = TestEnv.tempDir()
        let folder = try R.mcSuite(in: dir, extra: "\nlikelihood:\n  sequential: true")
        let llama = try R.server(.llamaServer)
        defer { llama.stop() }
        let storePath = dir + "/s.sqlite"
        for shard in ["0/2", "1/2"] {
            let r = try R.mizan(["run", "--suite", folder, "--endpoint", llama.baseURL + "/v1", "--store", storePath, "--shard", shard,
                                 "--name", "ll-shards"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(llama.maxConcurrentRequests == 1)
        let store = try SQLiteStore(path: storePath)
        let run = try #require(try store.runs().first)
        #expect(try store.runs().count == 1 && run.status == .completed)
        #expect(run.manifest["likelihood"]?["sequential"] == .bool(true))
        let scores = try R.scores(store, run.id)
        #expect(scores.count == R.mcItems.count)
        for (n, item) in R.mcItems.enumerated() {
            let want = try R.expectedLLs(item)
            #expect(scores[String(n + 1)]?["acc_norm"] == LikelihoodMetrics.accNorm(want.lls, lengths: want.chars, gold: want.gold))
        }
    }

    @Test func theEndpointsLikelihoodKeyChoosesTheMethod() throws {
        let dir = TestEnv.tempDir()
        let folder = try R.mcSuite(in: dir)
        let chat = try R.server(.chatOnly)
        defer { chat.stop() }
        try "endpoints:\n  toy:\n    url: \(chat.baseURL)/v1\n    likelihood: chat-labels\n".write(toFile: dir + "/mizan.yaml", atomically: true,
                                                                                                 encoding: .utf8)
        let r = try R.mizan(["run", "--suite", folder, "--endpoint", "toy", "--config", dir + "/mizan.yaml", "--store", dir + "/s.sqlite"])
        #expect(r.status == 0, "\(r.stderr)")
        let run = try #require(try SQLiteStore(path: dir + "/s.sqlite").runs().first)
        #expect(run.manifest["likelihood"]?["method"]?.stringValue == "chat-label-top-logprobs")
        #expect(run.manifest["likelihood"]?["selection"]?.stringValue == "chat-labels")
        try "endpoints:\n  toy:\n    url: \(chat.baseURL)/v1\n    likelihood: echo\n".write(toFile: dir + "/bad.yaml", atomically: true,
                                                                                          encoding: .utf8)
        let bad = try R.mizan(["run", "--suite", folder, "--endpoint", "toy", "--config", dir + "/bad.yaml", "--store", dir + "/s.sqlite"])
        #expect(bad.status == 2 && bad.stderr.contains("bad.yaml:4") && bad.stderr.contains("unknown likelihood method 'echo'")
            && bad.stderr.contains("openai-echo"))
    }
}
