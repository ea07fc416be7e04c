import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// Whole runs against a server that misbehaves per item: every item ends scored or as an error of
/// the right kind, retries stay bounded, nothing is lost.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FaultRunTests {
    /// Item i gets fault `faults[i % faults.count]` (nil = a correct answer), on every attempt.
    static let faults: [(TestReply?, EndpointErrorKind?)] = [
        (nil, nil),
        (.status(500, body: "{}"), .httpStatus),
        (.status(429, body: "{}", headers: ["Retry-After": "0"]), .httpStatus),
        (.fault(.resetConnection), .transfer),
        (.fault(.malformedJSON), .malformedBody),
        (.fault(.invalidUTF8), .malformedBody),
        (.fault(.cutStreamBeforeDone(afterChunks: 1)), .transfer),
        (.fault(.stallMidStream(afterChunks: 1)), .timeout),
        (.fault(.enormousBody(bytes: 3_000_000)), nil),
        (.fault(.neverAnswer), .timeout),
    ]

    @Test func everyItemEndsScoredOrWithTheRightErrorKind() async throws {
        let dir = TestEnv.tempDir()
        let n = 40
        let suite = try SuiteLoader.load(folder: try EndToEndTests.numberedSuite(n, in: dir))
        let server = try TestHTTPServer { req in
            guard let i = Int(req.prompt.dropFirst(2)) else { return .status(400, body: "{}") }
            return Self.faults[i % Self.faults.count].0 ?? .completion(TestCompletion(text: "a \(i)"))
        }
        defer { server.stop() }
        var endpoint = TestEnv.endpoint(server, stream: true, concurrency: 8,
                                        timeouts: .init(connect: 2, total: 3, stall: 1))
        endpoint.retry = RetryPolicy(maxRetries: 2, baseDelay: 0.01, maxDelay: 0.02)
        let store = try SQLiteStore(path: dir + "/f.sqlite")
        let outcome = try await Runner(store: store, harnessVersion: "test").run(RunRequest(suite: suite, endpoint: endpoint))
        #expect(outcome.status == .completed)
        let items = try store.items(runID: outcome.runID)
        #expect(items.count == n)
        for item in items {
            let i = Int(item.itemID.dropFirst(5))!
            let expected = Self.faults[i % Self.faults.count]
            if expected.0 == nil || i % Self.faults.count == 8 {
                if i % Self.faults.count == 8 {
                    // The enormous body is a valid stream in this test server: it is scored, not lost.
                    #expect(item.response.failure == nil || item.response.failure?.kind == .malformedBody)
                } else {
                    #expect(item.response.failure == nil && item.scores.first?.value == 1, "item \(i)")
                }
            } else {
                #expect(item.response.failure?.kind == expected.1, "item \(i): \(String(describing: item.response.failure))")
                #expect(item.scores.isEmpty, "failed items are never scored")
                #expect(item.response.attempts <= 3, "retries bounded")
            }
        }
        let perPrompt = Dictionary(grouping: server.requests.filter { $0.path.hasSuffix("/completions") }, by: \.prompt)
        // mizan's retries use fresh connections, so each adds exactly one request. libcurl itself
        // re-sends a request whose reused keep-alive connection dies before any byte of the answer
        // (a reset), at most 5 times (its CONN_MAX_RETRIES): only reset items may exceed 3.
        for (prompt, requests) in perPrompt {
            let i = Int(prompt.dropFirst(2))!
            #expect(requests.count <= (i % Self.faults.count == 3 ? 3 + 5 : 3), "\(prompt): \(requests.count) requests")
        }
        #expect(perPrompt["q 4"]?.count == 1, "malformed bodies are not retried")
        #expect(perPrompt["q 1"]?.count == 3, "5xx is retried up to the bound")
    }

    @Test func twoProcessesWritingOneStoreLoseNothing() async throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(150, in: dir)
        let server = try TestHTTPServer(responder: EndToEndTests.answering())
        defer { server.stop() }
        let store = dir + "/shared.sqlite"
        let args = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--concurrency", "16", "--store", store, "--json"]
        async let a = Task.detached { try TestEnv.run(TestEnv.mizanBinary, args) }.value
        async let b = Task.detached { try TestEnv.run(TestEnv.mizanBinary, args) }.value
        let (ra, rb) = try await (a, b)
        #expect(ra.status == 0 && rb.status == 0, "\(ra.stderr) \(rb.stderr)")
        let s = try SQLiteStore(path: store)
        let runs = try s.runs()
        #expect(runs.count == 2)
        for run in runs {
            let items = try s.items(runID: run.id)
            #expect(items.count == 150 && Set(items.map(\.itemID)).count == 150)
            #expect(run.status == .completed)
        }
    }
}
