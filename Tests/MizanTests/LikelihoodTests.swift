import Foundation
import MizanCore
import MizanTestSupport
import Testing
@testable import MizanEndpoints

/// Likelihood backends and probing against the toy language model served by the real test server.
@Suite struct LikelihoodTests {
    static let model = ToyLanguageModel()

    static func server(_ mode: ToyServerMode, context: Int = 64) throws -> TestHTTPServer {
        try TestHTTPServer(routeAllPathsToResponder: true,
                           responder: ToyModelServer.responder(model: ToyLanguageModel(contextSize: context), mode: mode))
    }

    static func client(_ s: TestHTTPServer) throws -> ModelClient {
        var e = EndpointConfig(name: "toy", url: s.baseURL + "/v1", kind: .openaiCompletions)
        e.retry.maxRetries = 0
        return try ModelClient(config: e)
    }

    /// The toy model's per-token log-probs of `continuation` after `context`, straight from the formula.
    static func expected(_ context: String, _ continuation: String) -> [Double] {
        let ctx = model.tokenize(context, addSpecial: true), whole = model.tokenize(context + continuation, addSpecial: true)
        return (ctx.count..<whole.count).map { model.logProbability(of: whole[$0], after: whole[$0 - 1]) }
    }

    static func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 } }

    static let pairs: [(context: String, continuation: String)] = [
        ("The capital of Morocco is", " Rabat"), ("The capital of Morocco is", " Paris"),
        ("The capital of Morocco is", " Casablanca"), ("عاصمة المغرب هي", " الرباط"), ("ⵜⴰⵎⴰⵣⵉⵖⵜ", " ⵜⴰ"),
    ]

    @Test(.timeLimit(.minutes(5))) func nativeAndEchoBackendsAgreeWithTheFormula() async throws {
        let llama = try Self.server(.llamaServer), echo = try Self.server(.openAIEcho)
        let native = try await LlamaCppLikelihoodBackend.connect(client: Self.client(llama))
        #expect(native.contextSize == 64)
        let viaEcho = OpenAIEchoLikelihoodBackend(client: try Self.client(echo))
        for (context, continuation) in Self.pairs {
            let want = Self.expected(context, continuation)
            let a = try await native.loglikelihood(context: context, continuation: continuation)
            let b = try await viaEcho.loglikelihood(context: context, continuation: continuation)
            #expect(Self.close(a.tokenLogprobs, want), "native \(continuation)")
            #expect(Self.close(b.tokenLogprobs, want), "echo \(continuation)")
            #expect(abs(a.logLikelihood - want.reduce(0, +)) < 1e-12)
            #expect(a.isGreedy == b.isGreedy)
        }
        // " Rabat" is one piece; " Casablanca" is the piece " C" then nine single bytes.
        #expect(try await native.loglikelihood(context: "The capital of Morocco is", continuation: " Rabat").tokenCount == 1)
        #expect(try await native.loglikelihood(context: "x", continuation: " Casablanca").tokenCount == 10)
        // The native backend sent token-id grammars, never string grammars.
        let grammars = llama.requests.compactMap { $0.json?["grammar"]?.stringValue }
        #expect(!grammars.isEmpty && grammars.allSatisfy { $0.hasPrefix("root ::= <[") && !$0.contains("\"") })
    }

    @Test(.timeLimit(.minutes(5))) func trailingContextSpaceMovesToTheContinuation() async throws {
        let llama = try Self.server(.llamaServer)
        let native = try await LlamaCppLikelihoodBackend.connect(client: Self.client(llama))
        let spaced = try await native.loglikelihood(context: "The capital of Morocco is ", continuation: "Rabat")
        #expect(Self.close(spaced.tokenLogprobs, Self.expected("The capital of Morocco is", " Rabat")))
    }

    @Test(.timeLimit(.minutes(5))) func greedyContinuationsAreRecognised() async throws {
        let llama = try Self.server(.llamaServer), echo = try Self.server(.openAIEcho)
        let native = try await LlamaCppLikelihoodBackend.connect(client: Self.client(llama))
        let viaEcho = OpenAIEchoLikelihoodBackend(client: try Self.client(echo))
        // Contexts whose greedy next token is printable ASCII that tokenizes back to itself.
        var checked = 0
        for context in ["The", "The city", "Rabat", "ab", "Paris", "x", "Morocco", "q"] {
            let ids = Self.model.tokenize(context, addSpecial: true)
            let g = Self.model.greedy(after: ids.last!)
            guard (33..<127).contains(g), Self.model.tokenize(context + Self.model.piece(g), addSpecial: true) == ids + [g] else { continue }
            let greedy = Self.model.piece(g)
            #expect(try await native.loglikelihood(context: context, continuation: greedy).isGreedy)
            #expect(try await viaEcho.loglikelihood(context: context, continuation: greedy).isGreedy)
            let other = Self.model.top(2, after: ids.last!)[1].id
            if (33..<127).contains(other) {
                #expect(try await native.loglikelihood(context: context, continuation: Self.model.piece(other)).isGreedy == false)
                #expect(try await viaEcho.loglikelihood(context: context, continuation: Self.model.piece(other)).isGreedy == false)
            }
            checked += 1
        }
        #expect(checked >= 1)
    }

    @Test(.timeLimit(.minutes(5))) func echoBatchesSeveralPromptsInOneRequest() async throws {
        let echo = try Self.server(.openAIEcho)
        let backend = OpenAIEchoLikelihoodBackend(client: try Self.client(echo))
        let scores = try await backend.loglikelihoods(Self.pairs)
        #expect(echo.requestCount == 1)
        for (score, pair) in zip(scores, Self.pairs) { #expect(Self.close(score.tokenLogprobs, Self.expected(pair.context, pair.continuation))) }
    }

    @Test(.timeLimit(.minutes(5)), arguments: [ToyServerMode.ignoresEcho, .llamaServer])
    func anEndpointIgnoringEchoIsRefused(mode: ToyServerMode) async throws {
        let s = try Self.server(mode)
        let backend = OpenAIEchoLikelihoodBackend(client: try Self.client(s))
        do {
            _ = try await backend.loglikelihood(context: "The capital of Morocco is", continuation: " Rabat")
            Issue.record("an endpoint ignoring echo was accepted")
        } catch let e as LikelihoodError {
            #expect(e.kind == .echoIgnored)
            #expect(e.description.contains("ignores echo"))
            #expect(e.description.contains("llama.cpp native") && e.description.contains("vLLM"))
        }
    }

    @Test func rollingWindowsPredictEveryTokenOnceWithinTheContext() {
        let w = RollingWindows.windows(Array(0..<10), prefix: 99, maxLength: 4)
        #expect(w.map(\.context) == [[99], [3], [5, 6, 7]])
        #expect(w.map(\.continuation) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(w.allSatisfy { $0.context.count + $0.continuation.count <= 5 })
        #expect(RollingWindows.windows([7], prefix: 1, maxLength: 4).map(\.continuation) == [[7]])
    }

    @Test(.timeLimit(.minutes(5))) func rollingLoglikelihoodMatchesTheFormulaAcrossWindows() async throws {
        let text = "The capital of Morocco is Rabat and the capital of France is Paris; ⵜⴰ عاصمة"
        let ids = [ToyLanguageModel.bos] + Self.model.tokenize(text, addSpecial: false)
        let want = (1..<ids.count).reduce(0.0) { $0 + Self.model.logProbability(of: ids[$1], after: ids[$1 - 1]) }
        let small = try Self.server(.llamaServer, context: 16)
        let native = try await LlamaCppLikelihoodBackend.connect(client: Self.client(small))
        let rolled = try await native.rollingLoglikelihood(text: text)
        #expect(rolled.tokenCount == ids.count - 1)
        #expect(rolled.windows == Int((Double(ids.count - 1) / 15).rounded(.up)))
        #expect(rolled.windows > 1)
        // A bigram model sees only the previous token, so windows lose nothing: the sums agree exactly.
        #expect(abs(rolled.logLikelihood - want) < 1e-9)
        let echo = try Self.server(.openAIEcho, context: 128)
        let whole = try await OpenAIEchoLikelihoodBackend(client: Self.client(echo)).rollingLoglikelihood(text: text)
        #expect(whole.tokenCount == rolled.tokenCount && abs(whole.logLikelihood - want) < 1e-9)
    }

    @Test(.timeLimit(.minutes(5))) func chatLabelScoresAreTheTopLogprobsOfTheLabels() async throws {
        let s = try Self.server(.chatOnly)
        let scorer = ChatLabelScorer(client: try Self.client(s), topK: 20)
        let prompt = "Question: the capital of Morocco? Answer:"
        let labels = ["A", "B", "C", "D", "z"]
        let result = try await scorer.scores(prompt: prompt, labels: labels)
        let last = Self.model.tokenize(prompt, addSpecial: true).last!
        let top = Self.model.top(20, after: last)
        let want: [Double?] = labels.map { label in
            top.filter { Self.model.piece($0.id).trimmingCharacters(in: .whitespaces) == label }.map(\.logprob).max()
        }
        #expect(result.logprobs == want)
        #expect(result.method == .chatLabelTopLogprobs)
        #expect(result.generated == Self.model.piece(top[0].id))
    }

    @Test(.timeLimit(.minutes(5)), arguments: [
        (ToyServerMode.llamaServer, ["chat", "completions", "native_tokenize", "grammar", "top_logprobs"]),
        (.openAIEcho, ["chat", "completions", "echo_logprobs", "top_logprobs"]),
        (.ignoresEcho, ["chat", "completions", "top_logprobs"]),
        (.chatOnly, ["chat", "top_logprobs"]),
    ])
    func probeReportsWhatEachServerCanDo(mode: ToyServerMode, available: [String]) async throws {
        let s = try Self.server(mode)
        let caps = try await EndpointCapabilities.probe(client: Self.client(s))
        #expect(caps.findings.map(\.capability) == EndpointCapabilities.Capability.allCases)
        #expect(caps.findings.filter(\.available).map(\.capability.rawValue) == available)
        #expect(caps.findings.allSatisfy { !$0.evidence.isEmpty })
        if mode == .llamaServer {
            #expect(caps.methods == [.llamaCppNative, .chatLabelTopLogprobs])
            #expect(caps.findings.first { $0.capability == .echoLogprobs }?.evidence.contains("ignores echo") == true)
        }
        if mode == .openAIEcho { #expect(caps.methods == [.openAIEcho, .chatLabelTopLogprobs]) }
    }
}
