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
            metrics: [acc, acc_norm, acc_bytes, gold_prob, brier]
            """ + extra, items: mcItems)
    }

    /// The toy model's log-likelihood of each choice (" " + choice after the input), from the formula.
    static func expectedLLs(_ item: String) throws -> (lls: [Double], bytes: [Int], chars: [Int], choiceBytes: [Int], gold: Int) {
        let json = try StrictJSON.parse(item)
        let input = json["input"]!.stringValue!
        guard case .array(let list)? = json["choices"] else { throw WaitTimeout(what: "choices", seconds: 0) }
        let choices = list.map { $0.stringValue! }
        let gold = json["answer"]!.doubleValue.map { Int($0) } ?? 0
        return (choices.map { LikelihoodTests.expected(input, " " + $0).reduce(0, +) }, choices.map { (" " + $0).utf8.count },
                choices.map { $0.unicodeScalars.count }, choices.map { $0.utf8.count }, gold)
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
            // acc_norm divides by the choice's code points (lm-eval's len(choice)), acc_bytes by its UTF-8 bytes (lm-eval's acc_bytes).
            let accNorm = LikelihoodMetrics.accNorm(want.lls, lengths: want.chars, gold: want.gold)
            let accBytes = LikelihoodMetrics.accNorm(want.lls, lengths: want.choiceBytes, gold: want.gold)
            #expect(nativeScores[id]?["acc_bytes"] == accBytes && echoScores[id]?["acc_bytes"] == accBytes, "acc_bytes item \(id)")
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

    @Test func anEndpointThatIgnoresEchoIsRefusedBeforeARunExists() throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.mcSuite(in: dir)
        let server = try Self.server(.ignoresEcho)
        defer { server.stop() }
        let r = try Self.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("missing capability") && r.stderr.contains("echo_logprobs") && r.stderr.contains("native_tokenize"))
        #expect(r.stderr.contains("llama-cpp-python") && r.stderr.contains("llama-server"))
        // Chat top log-probs exist there, so the refusal points at chat-labels, which is never picked on its own.
        #expect(r.stderr.contains("--likelihood chat-labels"))
        #expect(try SQLiteStore(path: dir + "/s.sqlite").runs().isEmpty)
        #expect(!server.requests.contains { $0.path == "/v1/chat/completions" && $0.json?["top_logprobs"]?.doubleValue == 20 })
        // Asking for echo by name is refused the same way; --samples on a likelihood suite is refused before probing.
        let named = try Self.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite",
                                    "--likelihood", "openai-echo"])
        #expect(named.status != 0 && named.stderr.contains("with openai-echo: missing capability echo_logprobs"))
        let samples = try Self.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite",
                                      "--samples", "3"])
        #expect(samples.status != 0 && samples.stderr.contains("deterministic"))
        #expect(try SQLiteStore(path: dir + "/s.sqlite").runs().isEmpty)
    }

    @Test func chatLabelsRunOnlyWhenAskedFor() async throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.mcSuite(in: dir)
        let server = try Self.server(.chatOnly)
        defer { server.stop() }
        let auto = try Self.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite"])
        #expect(auto.status != 0 && auto.stderr.contains("missing capability"))
        #expect(try SQLiteStore(path: dir + "/s.sqlite").runs().isEmpty)
        let asked = try Self.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite",
                                    "--likelihood", "chat-labels"])
        #expect(asked.status == 0, "\(asked.stderr)")
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        let run = try #require(try store.runs().first)
        #expect(run.manifest["likelihood"]?["method"]?.stringValue == "chat-label-top-logprobs")
        // The stored label log-probs are what the chat endpoint says about the labels after the rendered prompt.
        var e = EndpointConfig(name: "toy", url: server.baseURL + "/v1")
        e.retry.maxRetries = 0
        let scorer = ChatLabelScorer(client: try ModelClient(config: e))
        let suite = try SuiteLoader.load(folder: folder)
        for item in try store.items(runID: run.id) {
            let answer = try LikelihoodAnswer.parse(item.response.text ?? "")
            let source = try #require(suite.items.first { $0.id == item.itemID })
            let direct = try await scorer.scores(prompt: source.input, labels: LikelihoodPrompt.labels(suite, item: source))
            #expect(answer.method == "chat-label-top-logprobs" && answer.choices.map(\.label) == direct.labels)
            #expect(answer.choices.map(\.logprob) == direct.logprobs)
            #expect(item.scores.first { $0.metric == "acc" }?.value != nil || direct.logprobs.allSatisfy { $0 == nil })
            // acc_norm needs continuation log-likelihoods: a label reading has none, and says so instead of scoring.
            #expect(item.scores.first { $0.metric == "acc_norm" }?.error?.contains("label") == true)
        }
        // A rolling suite cannot be scored by labels at all.
        let rolling = try TestEnv.writeSuite(in: dir, id: "roll", yaml: "id: roll\nversion: 1.0.0\nlanguage: fra-Latn\ntask: rolling\n"
            + "metrics: [bits_per_byte]", items: [#"{"id": "1", "input": "Bonjour."}"#])
        let refused = try Self.mizan(["run", "--suite", rolling, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite",
                                      "--likelihood", "chat-labels"])
        #expect(refused.status != 0 && refused.stderr.contains("multiple choice only"))
    }

    /// The toy model's log-likelihood of a whole text from BOS (a bigram model: windows lose nothing).
    static func rollingLL(_ text: String) -> Double {
        var previous = model.tokenize("", addSpecial: true)[0]
        var total = 0.0
        for t in model.tokenize(text, addSpecial: false) {
            total += model.logProbability(of: t, after: previous)
            previous = t
        }
        return total
    }

    @Test func rollingSuiteGivesTheHandComputedBitsPerByteInWindows() throws {
        let dir = TestEnv.tempDir()
        let texts = ["Bonjour.", "La capitale du Maroc est Rabat, et la plus grande ville est Casablanca, au bord de l'océan.",
                     "ⵜⴰⵎⴰⵣⵉⵖⵜ ⴷ ⵜⵓⵜⵍⴰⵢⵜ"]
        let items = texts.enumerated().map { JSONValue.object(["id": .string("\($0.offset)"), "input": .string($0.element)]).canonicalJSON }
        let folder = try TestEnv.writeSuite(in: dir, id: "roll", yaml: "id: roll\nversion: 1.0.0\nlanguage: fra-Latn\ntask: rolling\n"
            + "metrics: [bits_per_byte, byte_perplexity, word_perplexity]", items: items)
        let server = try Self.server(.llamaServer, context: 16)
        defer { server.stop() }
        let r = try Self.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite"])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        let run = try #require(try store.runs().first)
        let answers = try Self.answers(store, run.id), scores = try Self.scores(store, run.id)
        for (i, text) in texts.enumerated() {
            let ll = Self.rollingLL(text), bytes = Double(text.utf8.count)
            let stored = try #require(answers[String(i)]?.rolling)
            #expect(abs(stored.logprob - ll) < 1e-9 && stored.bytes == text.utf8.count)
            #expect(stored.tokens == Self.model.tokenize(text, addSpecial: false).count)
            #expect(stored.windows == Int((Double(stored.tokens) / 15).rounded(.up)))
            let bpb = try #require(scores[String(i)]?["bits_per_byte"] ?? nil)
            #expect(abs(bpb - (-ll / bytes / log(2))) < 1e-12, "item \(i)")
            let words = Double(LikelihoodMetrics.wordCount(text))
            let wordPerplexity = try #require(scores[String(i)]?["word_perplexity"] ?? nil)
            #expect(abs(log(wordPerplexity) - (-ll / words)) < 1e-9)
        }
        // The long text did not fit a 16-token context: it took several windows, each within the context.
        #expect((answers["1"]?.rolling?.windows ?? 0) > 3)
        let prompts = server.requests.filter { $0.path == "/completion" && $0.json?["grammar"] != nil }
        #expect(prompts.allSatisfy { req in
            guard case .array(let p)? = req.json?["prompt"], let n = req.json?["n_predict"]?.doubleValue else { return false }
            return p.count + Int(n) <= 16
        })
    }

    @Test func loglikelihoodTaskStoresTheTargetsLogprobAndWhetherItIsGreedy() throws {
        let dir = TestEnv.tempDir()
        var pairs = [("The capital of Morocco is", " Rabat"), ("عاصمة المغرب هي", " الرباط"), ("x", " Casablanca"), ("Le ciel est", " bleu")]
        pairs.append(try #require(Self.greedyPair()))
        let items = pairs.enumerated().map { n, p in
            JSONValue.object(["id": .string("\(n)"), "input": .string(p.0), "target": .string(p.1)]).canonicalJSON
        }
        let folder = try TestEnv.writeSuite(in: dir, id: "ll", yaml: "id: ll\nversion: 1.0.0\nlanguage: fra-Latn\ntask: loglikelihood\n"
            + "metrics: [loglikelihood, is_greedy]", items: items)
        let llama = try Self.server(.llamaServer), echo = try Self.server(.openAIEcho)
        defer { llama.stop(); echo.stop() }
        var runs: [String] = []
        for server in [llama, echo] {
            let r = try Self.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            runs.append(try StrictJSON.parse(r.stdout)["run_id"]?.stringValue ?? "")
        }
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        var greedyCount = 0.0
        for runID in runs {
            let scores = try Self.scores(store, runID)
            for (n, p) in pairs.enumerated() {
                let want = LikelihoodTests.expected(p.0, p.1)
                let whole = Self.model.tokenize(p.0 + p.1, addSpecial: true), start = Self.model.tokenize(p.0, addSpecial: true).count
                let greedy = (start..<whole.count).allSatisfy { Self.model.greedy(after: whole[$0 - 1]) == whole[$0] }
                greedyCount += greedy ? 1 : 0
                let ll = try #require(scores[String(n)]?["loglikelihood"] ?? nil)
                #expect(abs(ll - want.reduce(0, +)) < 1e-9, "item \(n)")
                #expect(scores[String(n)]?["is_greedy"] == (greedy ? 1 : 0), "item \(n)")
            }
        }
        #expect(greedyCount == 2)  // the constructed pair, on both backends
    }

    /// A context and the toy model's own greedy continuation of it (one or two tokens, valid UTF-8, tokenized back the same way).
    static func greedyPair() -> (String, String)? {
        for context in (0..<26).flatMap({ [String(UnicodeScalar(97 + $0)!), String(UnicodeScalar(65 + $0)!)] }) {
            let ids = model.tokenize(context, addSpecial: true)
            var next = [model.greedy(after: ids.last!)]
            for length in 1...2 {
                if length == 2 { next.append(model.greedy(after: next[0])) }
                guard let target = String(validating: next.flatMap { model.bytes(of: $0) }, as: UTF8.self), !target.isEmpty else { continue }
                if model.tokenize(context + target, addSpecial: true) == ids + next { return (context, target) }
            }
        }
        return nil
    }

    @Test func anEndpointErrorIsRecordedOnTheItemAndNotScored() throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.mcSuite(in: dir)
        let inner = ToyModelServer.responder(mode: .openAIEcho)
        let server = try TestHTTPServer(routeAllPathsToResponder: true) { req in
            String(decoding: req.body, as: UTF8.self).contains("Le ciel") ? .status(500, body: #"{"error":"boom"}"#) : inner(req)
        }
        defer { server.stop() }
        let r = try Self.mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite",
                                "--error-budget", "0.5"])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        let items = try store.items(runID: try #require(try store.runs().first).id)
        let failed = try #require(items.first { $0.itemID == "3" })
        #expect(failed.response.failure?.kind == .httpStatus && failed.response.failure?.message.contains("HTTP 500") == true)
        #expect(failed.scores.isEmpty && failed.response.text == nil)
        #expect(items.filter { $0.itemID != "3" }.allSatisfy { $0.response.failure == nil && $0.scores.count == 5 })
    }
}
