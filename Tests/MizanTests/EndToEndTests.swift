import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// Whole runs: suite → libcurl → local server → metrics → SQLite, through the library and the CLI.
@Suite(.serialized, .timeLimit(.minutes(5))) struct EndToEndTests {
    /// A suite whose item i asks "q i" and expects "a i"; the server answers "a i" except where told.
    static func numberedSuite(_ n: Int, in dir: String) throws -> String {
        try TestEnv.writeSuite(in: dir, items: (0..<n).map { #"{"id":"item-\#($0)","input":"q \#($0)","reference":"a \#($0)"}"# })
    }

    static func answering(wrong: Set<String> = [], failing: Set<String> = [], delay: Double = 0) -> @Sendable (TestRequest) -> TestReply {
        { req in
            let answer = "a " + req.prompt.dropFirst(2)
            let reply: TestReply
            if failing.contains(req.prompt) { reply = .status(503, body: #"{"error":"overloaded"}"#) }
            else { reply = .completion(TestCompletion(text: wrong.contains(req.prompt) ? "wrong" : String(answer))) }
            return delay > 0 ? .delayed(seconds: delay, reply) : reply
        }
    }

    @Test func thousandItemsAtConcurrency32AreAllStored() async throws {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try Self.numberedSuite(1000, in: dir))
        let server = try TestHTTPServer(responder: Self.answering(wrong: ["q 7", "q 99"]))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let outcome = try await Runner(store: store, harnessVersion: "test")
            .run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server, concurrency: 32)))
        #expect(outcome.status == .completed && outcome.stored == 1000 && outcome.errors == 0)
        let items = try store.items(runID: outcome.runID)
        #expect(Set(items.map(\.itemID)).count == 1000)
        #expect(server.maxConcurrentRequests <= 32)
        let summary = Summarizer.summarize(run: try store.run(matching: outcome.runID), items: items)
        #expect(summary.metrics["exact"]?.n == 1000)
        #expect(abs((summary.metrics["exact"]?.mean ?? 0) - 0.998) < 1e-9)
        let ci = try #require(summary.metrics["exact"])
        #expect((ci.low ?? .infinity) <= ci.mean && ci.mean <= (ci.high ?? -.infinity) && (ci.high ?? 2) <= 1)
        let manifest = try store.run(matching: outcome.runID).manifest
        #expect(manifest["suite"]?["hash"]?.stringValue == suite.contentHash)
        #expect(manifest["endpoint"]?["server"]?["models"] != nil)
        #expect(manifest["normalizers"]?["ary-Arab"]?["l1"]?.stringValue != nil)
    }

    @Test func cliRunPrintsJSONAndFailuresAreErrorsNotZeros() throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.numberedSuite(20, in: dir)
        let server = try TestHTTPServer(responder: Self.answering(wrong: ["q 1"], failing: ["q 2", "q 3"]))
        defer { server.stop() }
        let store = dir + "/cli.sqlite"
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1",
                                                      "--concurrency", "4", "--store", store, "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
        let runID = try #require(json["run_id"]?.stringValue)
        #expect(json["items"]?.doubleValue == 20)
        #expect(json["errors"]?.doubleValue == 2)
        #expect(json["error_kinds"]?["http_status"]?.doubleValue == 2)
        // 18 scored items, one wrong: the two failures are not counted as zeros.
        #expect(abs((json["metrics"]?["exact"]?.doubleValue ?? 0) - 17.0 / 18.0) < 1e-9)

        let show = try TestEnv.run(TestEnv.mizanBinary, ["show", String(runID.prefix(17)), "--store", store, "--format", "csv"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("ary-Arab,exact,0.944"))
        let runs = try TestEnv.run(TestEnv.mizanBinary, ["runs", "--store", store, "--format", "json"])
        #expect(runs.stdout.contains(runID))
        let rows = try SQLiteStore(path: store).items(runID: runID)
        #expect(rows.count == 20)
        #expect(rows.filter { $0.response.failure != nil }.allSatisfy { $0.scores.isEmpty && $0.response.httpStatus == 503 })
    }

    @Test func errorBudgetExceededExitsWith3() throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.numberedSuite(4, in: dir)
        let server = try TestHTTPServer(responder: Self.answering(failing: ["q 0", "q 1", "q 2"]))
        defer { server.stop() }
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", dir + "/s.sqlite"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("error-budget"))
    }

    @Test func ctrlCStopsCleanlyWithFinishedItemsStored() async throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.numberedSuite(200, in: dir)
        let server = try TestHTTPServer(responder: Self.answering(delay: 0.1))
        defer { server.stop() }
        let store = dir + "/int.sqlite"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnv.mizanBinary)
        p.arguments = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--concurrency", "2", "--store", store, "--json"]
        p.standardOutput = Pipe()
        p.standardError = Pipe()
        try p.run()
        try await TestEnv.waitUntil("12 requests to reach the server") { server.requestCount >= 12 }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        let s = try SQLiteStore(path: store)
        let run = try #require(try s.runs().first)
        #expect(run.status == .interrupted)
        let stored = try s.items(runID: run.id)
        #expect(stored.count >= 1 && stored.count < 200)
        #expect(stored.allSatisfy { $0.response.failure == nil })
        // The first Ctrl-C drains: every request that was sent finished and was stored.
        let sent = server.requests.filter { $0.path.hasSuffix("/chat/completions") }.count
        #expect(sent == stored.count)
    }

    @Test func secondCtrlCCancelsRequestsInFlight() async throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.numberedSuite(20, in: dir)
        let server = try TestHTTPServer(responder: Self.answering(delay: 60))
        defer { server.stop() }
        let store = dir + "/int2.sqlite"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnv.mizanBinary)
        p.arguments = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--concurrency", "2", "--store", store]
        p.standardOutput = Pipe()
        p.standardError = Pipe()
        try p.run()
        try await TestEnv.waitUntil("2 chat requests in flight") { server.requests.filter { $0.path.hasSuffix("/chat/completions") }.count >= 2 }
        kill(p.processIdentifier, SIGINT)
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(p.isRunning, "the first Ctrl-C waits for requests in flight")
        kill(p.processIdentifier, SIGINT)
        try await TestEnv.waitUntil("mizan to exit after the second Ctrl-C") { !p.isRunning }
        #expect(p.terminationStatus == 130)
        let s = try SQLiteStore(path: store)
        let run = try #require(try s.runs().first)
        #expect(run.status == .interrupted)
        #expect(try s.items(runID: run.id).isEmpty)
    }

    @Test func validateExitsWith2AndNamesTheProblem() throws {
        let dir = TestEnv.tempDir()
        let folder = try TestEnv.writeSuite(in: dir, items: [#"{"id":"1","input":"x","reference":"y"}"#, #"{"id":"1","input":"x","reference":"y"}"#])
        let r = try TestEnv.run(TestEnv.mizanBinary, ["validate", folder])
        #expect(r.status == 2)
        #expect(r.stderr.contains("items.jsonl:2"))
        #expect(r.stderr.contains("duplicate item id"))
        let ok = try TestEnv.run(TestEnv.mizanBinary, ["validate"], cwd: TestEnv.root)
        #expect(ok.status == 0, "\(ok.stderr)")
        let badFlag = try TestEnv.run(TestEnv.mizanBinary, ["run", "--bogus"])
        #expect(badFlag.status == 2 && badFlag.stderr.contains("Unknown option '--bogus'"))
    }

    @Test func ollamaStreamingRunRecordsTTFT() async throws {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try Self.numberedSuite(10, in: dir))
        let server = try TestHTTPServer(responder: Self.answering())
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/o.sqlite")
        let outcome = try await Runner(store: store, harnessVersion: "test")
            .run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server, kind: .ollama, stream: true)))
        let items = try store.items(runID: outcome.runID)
        #expect(items.count == 10)
        #expect(items.allSatisfy { $0.response.timeToFirstToken != nil && $0.scores.first?.value == 1 })
    }
}
