import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanTestSupport
import MizanTransport

/// The libcurl transport and endpoint dialects, against the real local test server.
@Suite(.timeLimit(.minutes(5))) struct TransportTests {
    @Test func fiveHundredConcurrentRequestsAllAnswered() async throws {
        let server = try TestHTTPServer { req in .completion(TestCompletion(text: "echo:" + req.prompt)) }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server))
        let results = await withTaskGroup(of: (Int, ModelResponse?).self) { group in
            for i in 0..<500 {
                group.addTask { (i, try? await client.generate(RenderedPrompt(user: "سؤال \(i)"), settings: .init())) }
            }
            var out: [Int: ModelResponse] = [:]
            for await (i, r) in group { out[i] = r }
            return out
        }
        #expect(results.count == 500)
        for i in 0..<500 {
            #expect(results[i]?.text == "echo:سؤال \(i)")
            #expect(results[i]?.failure == nil)
        }
        #expect(server.maxConcurrentConnections > 1)
        #expect(server.requestCount == 500)
    }

    @Test(arguments: [EndpointKind.openaiChat, .openaiCompletions, .ollama])
    func streamingReassemblesExactTextAndMeasuresTTFT(kind: EndpointKind) async throws {
        let text = "ⴰⵣⵓⵍ! مرحبا بيك، Bonjour l’ami — é\u{301} done."
        let server = try TestHTTPServer { _ in .completion(TestCompletion(text: text, completionTokens: 11, chunkDelay: 0.01)) }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server, kind: kind, stream: true))
        let r = try await client.generate(RenderedPrompt(system: "sys", user: "hello"), settings: .init(maxTokens: 20))
        #expect(r.failure == nil)
        #expect(r.text == text)
        #expect(r.text?.unicodeScalars.elementsEqual(text.unicodeScalars) == true)
        let ttft = try #require(r.timeToFirstToken)
        #expect(ttft >= 0 && ttft <= r.latency)
        #expect(r.usage.completionTokens == 11)
        #expect(r.finishReason == "stop")
        let sent = try #require(server.requests.last)
        #expect(sent.isStreaming)
        #expect(sent.prompt == "hello" || sent.prompt.hasSuffix("hello"))
    }

    @Test func nonStreamingRecordsUsageAndFinishReason() async throws {
        let server = try TestHTTPServer { _ in .completion(TestCompletion(text: "الرباط", finishReason: "length", promptTokens: 7, completionTokens: 3)) }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server))
        let r = try await client.generate(RenderedPrompt(user: "عاصمة المغرب هي"), settings: .init(maxTokens: 3, temperature: 0, stop: ["\n"]))
        #expect(r.text == "الرباط")
        #expect(r.httpStatus == 200)
        #expect(r.usage.promptTokens == 7 && r.usage.completionTokens == 3)
        #expect(r.finishReason == "length")
        let body = try #require(server.requests.last?.json)
        #expect(body["max_tokens"]?.intValue == 3)
        #expect(body["stop"]?[0]?.stringValue == "\n")
        #expect(body["model"]?.stringValue == "test-model")
    }

    @Test func httpErrorStatusIsRecordedNotScored() async throws {
        let server = try TestHTTPServer { req in
            req.prompt == "busy" ? .status(429, body: #"{"error":"slow down"}"#, headers: ["Retry-After": "2"])
                                 : .status(500, body: #"{"error":"boom"}"#)
        }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server))
        let r = try await client.generate(RenderedPrompt(user: "x"), settings: .init())
        #expect(r.failure?.kind == .httpStatus)
        #expect(r.httpStatus == 500)
        #expect(r.text == nil)
        let busy = try await client.generate(RenderedPrompt(user: "busy"), settings: .init())
        #expect(busy.httpStatus == 429)
        #expect(busy.failure?.message.contains("Retry-After: 2") == true)
    }

    @Test(arguments: [
        (TestFault.malformedJSON, false, EndpointErrorKind.malformedBody),
        (TestFault.invalidUTF8, false, EndpointErrorKind.malformedBody),
        (TestFault.resetConnection, false, EndpointErrorKind.transfer),
        (TestFault.cutStreamBeforeDone(afterChunks: 2), true, EndpointErrorKind.transfer),
        (TestFault.dropStreamMidway(afterChunks: 2), true, EndpointErrorKind.transfer),
        (TestFault.malformedJSON, true, EndpointErrorKind.malformedBody),
    ])
    func faultsBecomeTypedErrors(fault: TestFault, stream: Bool, expected: EndpointErrorKind) async throws {
        let server = try TestHTTPServer { _ in .fault(fault) }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server, stream: stream))
        let r = try await client.generate(RenderedPrompt(user: "a b c d e f g"), settings: .init())
        #expect(r.failure?.kind == expected, "\(fault) → \(String(describing: r.failure))")
        #expect(r.text == nil)
    }

    @Test func totalTimeoutFiresOnASilentServer() async throws {
        let server = try TestHTTPServer { _ in .fault(.neverAnswer) }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server, timeouts: Timeouts(connect: 2, total: 1, stall: nil)))
        let r = try await client.generate(RenderedPrompt(user: "x"), settings: .init())
        #expect(r.failure?.kind == .timeout)
    }

    @Test func stallTimeoutFiresMidStream() async throws {
        let server = try TestHTTPServer { _ in .fault(.stallMidStream(afterChunks: 2)) }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server, stream: true, timeouts: Timeouts(connect: 2, total: nil, stall: 1)))
        let r = try await client.generate(RenderedPrompt(user: "one two three four"), settings: .init())
        #expect(r.failure?.kind == .timeout)
    }

    @Test func connectionRefusedIsAConnectError() async throws {
        let server = try TestHTTPServer { _ in .completion(TestCompletion(text: "x")) }
        let port = server.port
        server.stop()
        let client = try ModelClient(config: EndpointConfig(name: "gone", url: "http://127.0.0.1:\(port)/v1"))
        let r = try await client.generate(RenderedPrompt(user: "x"), settings: .init())
        #expect(r.failure?.kind == .connect)
        #expect(r.httpStatus == 0)
    }

    @Test func oversizedBodyIsRejected() async throws {
        let server = try TestHTTPServer { _ in .fault(.enormousBody(bytes: 2_000_000)) }
        defer { server.stop() }
        let request = HTTPRequest(url: server.baseURL + "/v1/chat/completions", method: "POST",
                                  body: Array(#"{"messages":[{"role":"user","content":"x"}]}"#.utf8), maxResponseBytes: 100_000)
        await #expect(throws: TransportError.self) { try await CurlEngine.shared.send(request) }
        do { _ = try await CurlEngine.shared.send(request) } catch let e as TransportError { #expect(e.kind == .tooLarge) }
    }

    @Test func cancellationAbortsAnInFlightRequest() async throws {
        let server = try TestHTTPServer { _ in .fault(.neverAnswer) }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server, timeouts: Timeouts(connect: 5, total: 120, stall: nil)))
        let task = Task { try await client.generate(RenderedPrompt(user: "x"), settings: .init()) }
        try await TestEnv.waitUntil("the request to reach the server") { server.requestCount > 0 }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test func apiKeyComesFromTheNamedVariableAndNeverFromConfig() async throws {
        let server = try TestHTTPServer { req in .completion(TestCompletion(text: req.headers["authorization"] ?? "none")) }
        defer { server.stop() }
        var config = TestEnv.endpoint(server)
        config.apiKeyEnv = "MIZAN_TEST_KEY"
        config.headers = ["X-Team": .literal("nlp"), "X-Secret": .environment("MIZAN_TEST_SECRET")]
        #expect(throws: UsageError.self) { try ModelClient(config: config, environment: [:]) }
        let client = try ModelClient(config: config, environment: ["MIZAN_TEST_KEY": "sk-123", "MIZAN_TEST_SECRET": "s3"])
        let r = try await client.generate(RenderedPrompt(user: "x"), settings: .init())
        #expect(r.text == "Bearer sk-123")
        #expect(server.requests.last?.headers["x-secret"] == "s3")
        let fingerprint = await client.fingerprint().canonicalJSON
        #expect(!fingerprint.contains("sk-123") && !fingerprint.contains("s3\""))
        #expect(fingerprint.contains("MIZAN_TEST_KEY"))
        #expect(fingerprint.contains("test-model"))
    }

    @Test func endpointURLsAreDerivedPerKind() {
        #expect(EndpointConfig(name: "a", url: "http://h:1/v1").generationURL == "http://h:1/v1/chat/completions")
        #expect(EndpointConfig(name: "a", url: "http://h:1", kind: .openaiCompletions).generationURL == "http://h:1/v1/completions")
        #expect(EndpointConfig(name: "a", url: "http://h:1/v1/completions", kind: .openaiCompletions).generationURL == "http://h:1/v1/completions")
        #expect(EndpointConfig(name: "a", url: "http://h:11434", kind: .ollama).generationURL == "http://h:11434/api/chat")
        #expect(EndpointConfig(name: "a", url: "https://api.mistral.ai/v1/").apiBase == "https://api.mistral.ai/v1")
    }
}
