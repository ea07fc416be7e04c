import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport
import MizanTransport

/// `--samples K`: K generations per item with recorded seeds, pass@k and agreement.
@Suite(.timeLimit(.minutes(5))) struct SamplingTests {
    /// Answers "a i" when the request's seed is even, "wrong" otherwise; fails (400) on `failing` seeds of "q 0".
    static func bySeed(failing: Locked<Set<Int>>) -> @Sendable (TestRequest) -> TestReply {
        { req in
            let seed = req.json?["seed"]?.intValue ?? -1
            if req.prompt == "q 0", failing.current.contains(seed) { return .status(400, body: "{}") }
            return .completion(TestCompletion(text: seed % 2 == 0 ? "a " + req.prompt.dropFirst(2) : "wrong"))
        }
    }

    @Test func samplesUseDistinctSeedsAndReportPassAtK() async throws {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try EndToEndTests.numberedSuite(10, in: dir))
        let server = try TestHTTPServer(responder: Self.bySeed(failing: Locked([])))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        var request = RunRequest(suite: suite, endpoint: TestEnv.endpoint(server))
        request.samples = 3
        let outcome = try await Runner(store: store, harnessVersion: "t").run(request)
        #expect(outcome.stored == 30 && outcome.status == .completed)
        let items = try store.items(runID: outcome.runID)
        #expect(Set(items.map { "\($0.itemID)#\($0.sample)" }).count == 30)
        let seeds = Set(server.requests.compactMap { $0.json?["seed"]?.intValue })
        #expect(seeds == [1, 2, 3])
        let run = try store.run(matching: outcome.runID)
        #expect(run.manifest["samples"]?["seeds"] == .array([.number(1), .number(2), .number(3)]))
        let stats = try #require(Summarizer.summarize(run: run, items: items).sampling)
        #expect(stats.samplesPerItem == 3)
        let exact = try #require(stats.passAt["exact"])
        #expect(abs(exact.pass1 - 1.0 / 3.0) < 1e-12 && exact.passK == 1 && exact.passAllK == 0)
        #expect(stats.agreement == 0)
    }

    @Test func resumeWithRetryErrorsResendsOnlyTheFailedSample() async throws {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try EndToEndTests.numberedSuite(4, in: dir))
        let failing = Locked<Set<Int>>([2])
        let server = try TestHTTPServer(responder: Self.bySeed(failing: failing))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        let runner = Runner(store: store, harnessVersion: "t")
        var request = RunRequest(suite: suite, endpoint: TestEnv.endpoint(server))
        request.samples = 2
        let first = try await runner.run(request)
        #expect(first.errors == 1 && first.stored == 8)
        failing.withLock { $0 = [] }
        let before = server.requests.filter { $0.path.hasSuffix("/completions") }.count
        request.resume = try store.run(matching: first.runID)
        request.retryErrors = true
        let again = try await runner.run(request)
        #expect(again.errors == 0 && again.stored == 8)
        #expect(server.requests.filter { $0.path.hasSuffix("/completions") }.count == before + 1)
    }

    @Test func migrationKeepsOldRowsAsSampleZero() throws {
        let items = try StoreTests.roundTripForMigration()
        #expect(items.allSatisfy { $0.sample == 0 })
    }
}
