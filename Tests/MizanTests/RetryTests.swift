import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanTestSupport

/// Retries, back-off and pacing against the real test server.
@Suite(.timeLimit(.minutes(5))) struct RetryTests {
    /// A responder that fails the first `failures` attempts of each prompt with `reply`, then answers.
    static func flaky(failures: Int, with reply: TestReply, counts: Locked<[String: Int]>) -> @Sendable (TestRequest) -> TestReply {
        { req in
            let n = counts.withLock { c -> Int in c[req.prompt, default: 0] += 1; return c[req.prompt]! }
            return n <= failures ? reply : .completion(TestCompletion(text: "ok " + req.prompt))
        }
    }

    static func client(_ server: TestHTTPServer, maxRetries: Int = 3) throws -> ModelClient {
        var config = TestEnv.endpoint(server)
        config.retry = RetryPolicy(maxRetries: maxRetries, baseDelay: 0.01, maxDelay: 0.05)
        return try ModelClient(config: config)
    }

    @Test(arguments: [
        TestReply.status(503, body: "{}"), .status(502, body: "{}"), .status(500, body: "{}"),
        .fault(.resetConnection), .fault(.dropStreamMidway(afterChunks: 1)),
    ])
    func retryableFailuresAreRetriedUntilSuccess(reply: TestReply) async throws {
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: Self.flaky(failures: 2, with: reply, counts: counts))
        defer { server.stop() }
        let r = try await Self.client(server).generate(RenderedPrompt(user: "q"), settings: .init(), pacer: nil)
        #expect(r.failure == nil)
        #expect(r.text == "ok q")
        #expect(r.attempts == 3)
        #expect(counts.current["q"] == 3)
    }

    @Test func retriesAreBoundedAndTheLastFailureIsRecorded() async throws {
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: Self.flaky(failures: 100, with: .status(500, body: "{}"), counts: counts))
        defer { server.stop() }
        let r = try await Self.client(server, maxRetries: 2).generate(RenderedPrompt(user: "q"), settings: .init(), pacer: nil)
        #expect(r.failure?.kind == .httpStatus && r.httpStatus == 500)
        #expect(r.attempts == 3)
        #expect(counts.current["q"] == 3)
    }

    @Test(arguments: [400, 401, 404, 422])
    func clientErrorsAreNotRetried(status: Int) async throws {
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: Self.flaky(failures: 100, with: .status(status, body: "{}"), counts: counts))
        defer { server.stop() }
        let r = try await Self.client(server).generate(RenderedPrompt(user: "q"), settings: .init(), pacer: nil)
        #expect(r.httpStatus == status && r.attempts == 1 && counts.current["q"] == 1)
    }

    @Test func malformedBodiesAreNotRetried() async throws {
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: Self.flaky(failures: 100, with: .fault(.malformedJSON), counts: counts))
        defer { server.stop() }
        let r = try await Self.client(server).generate(RenderedPrompt(user: "q"), settings: .init(), pacer: nil)
        #expect(r.failure?.kind == .malformedBody && r.attempts == 1)
    }

    @Test func tooManyRequestsHonoursRetryAfterAndPausesTheEndpoint() async throws {
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: Self.flaky(failures: 1, with: .status(429, body: "{}", headers: ["Retry-After": "1"]), counts: counts))
        defer { server.stop() }
        let pacer = EndpointPacer(limit: RateLimit())
        let r = try await Self.client(server).generate(RenderedPrompt(user: "q"), settings: .init(), pacer: pacer)
        #expect(r.failure == nil && r.attempts == 2)
        #expect(ModelClient.parseRetryAfterForTests("7") == 7)
        #expect((ModelClient.parseRetryAfterForTests("Wed, 21 Oct 2099 07:28:00 GMT") ?? 0) > 1_000_000)
    }

    @Test func backoffGrowsIsCappedAndNeverUndercutsRetryAfter() {
        let p = RetryPolicy(maxRetries: 5, baseDelay: 0.5, maxDelay: 4, maxRetryAfter: 30)
        #expect(p.delay(beforeRetry: 1, retryAfter: nil, random: 1) == 0.5)
        #expect(p.delay(beforeRetry: 3, retryAfter: nil, random: 1) == 2)
        #expect(p.delay(beforeRetry: 10, retryAfter: nil, random: 1) == 4)
        #expect(p.delay(beforeRetry: 2, retryAfter: nil, random: 0) == 0.5)
        #expect(p.delay(beforeRetry: 1, retryAfter: 10, random: 0) == 10)
        #expect(p.delay(beforeRetry: 1, retryAfter: 100, random: 0) == 30)
    }

    @Test func pacerReservesCapacityAndAsksToWaitWhenExhausted() async {
        let pacer = EndpointPacer(limit: RateLimit(requestsPerSecond: 2))
        #expect(await pacer.reserveForTests(tokens: 1) == 0)
        #expect(await pacer.reserveForTests(tokens: 1) == 0)
        #expect(await pacer.reserveForTests(tokens: 1) > 0)
        let tokens = EndpointPacer(limit: RateLimit(tokensPerMinute: 600))
        #expect(await tokens.reserveForTests(tokens: 600) == 0)
        #expect(await tokens.reserveForTests(tokens: 100) > 0)
    }
}
