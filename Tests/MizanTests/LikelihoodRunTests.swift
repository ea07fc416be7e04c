import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport
import Testing

/// Likelihood suites end to end: the `mizan` CLI against the toy language model of the real test server, a real SQLite store.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LikelihoodRunTests {
    static let model = ToyLanguageModel()

    static func server(_ mode: ToyServerMode, context: Int = 64) throws -> TestHTTPServer {
        try TestHTTPServer(routeAllPathsToResponder: true,
                           responder: ToyModelServer.responder(model: ToyLanguageModel(contextSize: context), mode: mode))
    }

    static let mcItems = [
        #"{"id": "1", "input": "The capital of Morocco is", "choices": ["Rabat", "Paris", "Casablanca"], "answer": 0}"#,
        #"{"id": "2", "input": "عاصمة المغرب هي", "choices": ["الرباط", "باريس"], "answer": 0, "lang": "ary-Arab"}"#,
        #"{"id": "3", "input": "Le ciel est", "choices": ["bleu", "vert", "rouge", "noir"], "answer": "A"}"#,
        #"{"id": "4", "input": "ⵜⴰⵎⴰⵣⵉⵖⵜ", "choices": ["ⵜⴰ", "ⵜⵉ"], "answer": 1, "lang": "zgh-Tfng"}"#,
    ]

    static func mcSuite(in dir: String, extra: String = "") throws -> String {
        try TestEnv.writeSuite(in: dir, id: "mc-ll", yaml: """
            id: mc-ll
            version: 1.0.0
            language: fra-Latn
            task: multiple-choice
            scoring: loglikelihood
            prompt:
              template: "{{input}}"
            metrics: [acc, acc_norm, gold_prob, brier]
            """ + extra, items: mcItems)
    }

    /// The toy model's log-likelihood of each choice (" " + choice after the input), from the formula.
    static func expectedLLs(_ item: String) throws -> (lls: [Double], bytes: [Int], gold: Int) {
        let json = try StrictJSON.parse(item)
        let input = json["input"]!.stringValue!
        guard case .array(let list)? = json["choices"] else { throw WaitTimeout(what: "choices", seconds: 0) }
        let choices = list.map { $0.stringValue! }
        let gold = json["answer"]!.doubleValue.map { Int($0) } ?? 0
        return (choices.map { LikelihoodTests.expected(input, " " + $0).reduce(0, +) }, choices.map { (" " + $0).utf8.count }, gold)
    }

    static func mizan(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestEnv.run(TestEnv.mizanBinary, args)
    }

    static func answers(_ store: SQLiteStore, _ runID: String) throws -> [String: LikelihoodAnswer] {
        Dictionary(uniqueKeysWithValues: try store.items(runID: runID).map { ($0.itemID, try LikelihoodAnswer.parse($0.response.text ?? "")) })
    }

    static func scores(_ store: SQLiteStore, _ runID: String) throws -> [String: [String: Double?]] {
        Dictionary(uniqueKeysWithValues: try store.items(runID: runID).map { item in
            (item.itemID, Dictionary(uniqueKeysWithValues: item.scores.map { ($0.metric, $0.value) }))
        })
    }

    @Test func multipleChoiceOnLlamaAndEchoGivesTheFormulasAccuracyAndBothAgree() throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.mcSuite(in: dir)
        let llama = try Self.server(.llamaServer), echo = try Self.server(.openAIEcho)
        defer { llama.stop(); echo.stop() }
        let storePath = dir + "/s.sqlite"
        let a = try Self.mizan(["run", "--suite", folder, "--endpoint", llama.baseURL + "/v1", "--store", storePath, "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try Self.mizan(["run", "--suite", folder, "--endpoint", echo.baseURL + "/v1", "--store", storePath, "--json", "--no-cache"])
        #expect(b.status == 0, "\(b.stderr)")
        let store = try SQLiteStore(path: storePath)
        let runs = try store.runs()
        try #require(runs.count == 2)
        let native = try #require(runs.first { $0.endpoint.contains("\(llama.port)") })
        let viaEcho = try #require(runs.first { $0.endpoint.contains("\(echo.port)") })
        #expect(native.manifest["likelihood"]?["method"]?.stringValue == "llama.cpp-native")
        #expect(native.manifest["likelihood"]?["context_size"]?.doubleValue == 64)
        #expect(native.manifest["likelihood"]?["server"]?["n_ctx"]?.doubleValue == 64)
        #expect(viaEcho.manifest["likelihood"]?["method"]?.stringValue == "openai-echo")
        let nativeAnswers = try Self.answers(store, native.id), echoAnswers = try Self.answers(store, viaEcho.id)
        let nativeScores = try Self.scores(store, native.id), echoScores = try Self.scores(store, viaEcho.id)
        var accSum = 0.0, normSum = 0.0
        for (n, item) in Self.mcItems.enumerated() {
            let id = String(n + 1)
            let want = try Self.expectedLLs(item)
            let got = try #require(nativeAnswers[id]).choices.map { $0.logprob ?? .nan }
            let other = try #require(echoAnswers[id]).choices.map { $0.logprob ?? .nan }
            #expect(zip(got, want.lls).allSatisfy { abs($0 - $1) < 1e-9 }, "native item \(id)")
            #expect(zip(other, got).allSatisfy { abs($0 - $1) < 1e-9 }, "echo vs native item \(id)")
            #expect(nativeAnswers[id]?.choices.map(\.bytes) == want.bytes.map { $0 })
            let acc = LikelihoodMetrics.acc(want.lls, gold: want.gold)
            let accNorm = LikelihoodMetrics.accNorm(want.lls, continuationBytes: want.bytes, gold: want.gold)
            accSum += acc
            normSum += accNorm
            #expect(nativeScores[id]?["acc"] == acc && echoScores[id]?["acc"] == acc, "acc item \(id)")
            #expect(nativeScores[id]?["acc_norm"] == accNorm && echoScores[id]?["acc_norm"] == accNorm, "acc_norm item \(id)")
            let p = LikelihoodMetrics.goldProbability(want.lls, gold: want.gold)
            #expect(abs((nativeScores[id]?["gold_prob"] ?? nil).map { $0 - p } ?? 1) < 1e-9)
        }
        print("toy model: acc \(accSum / 4), acc_norm \(normSum / 4)")
        // llama.cpp native: the context tokenized once per item, each context + choice once, one /completion per choice
        // (the probe adds one /tokenize and two /completion requests).
        let choices = 3 + 2 + 4 + 2
        #expect(llama.requests.filter { $0.path == "/tokenize" }.count - 1 == Self.mcItems.count + choices)
        #expect(llama.requests.filter { $0.path == "/completion" }.count - 2 == choices)
        // openai-echo: one batched request per item (the probe sends three completions requests).
        #expect(echo.requests.filter { $0.path == "/v1/completions" && $0.json?["echo"] != nil }.count - 1 == Self.mcItems.count)
    }
}
