import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// Interrupted runs resume without re-requesting finished items and end with the same scores.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ResumeTests {
    /// Counts generation requests per prompt; answers "a i" to "q i" (wrong for multiples of 7).
    static func counting(_ counts: Locked<[String: Int]>, failing: Locked<Set<String>> = Locked([]), delay: Double = 0)
        -> @Sendable (TestRequest) -> TestReply {
        { req in
            counts.withLock { $0[req.prompt, default: 0] += 1 }
            if failing.current.contains(req.prompt) { return .status(400, body: #"{"error":"bad"}"#) }
            let n = Int(req.prompt.dropFirst(2)) ?? 0
            let reply = TestReply.completion(TestCompletion(text: n % 7 == 0 ? "wrong" : "a \(n)"))
            return delay > 0 ? .delayed(seconds: delay, reply) : reply
        }
    }

    static func scores(_ store: SQLiteStore, _ runID: String) throws -> [String: Double?] {
        Dictionary(uniqueKeysWithValues: try store.items(runID: runID).map { ($0.itemID, $0.scores.first?.value) })
    }

    @Test func interruptedThenResumedEqualsUninterrupted() async throws {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try EndToEndTests.numberedSuite(120, in: dir))
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: Self.counting(counts))
        defer { server.stop() }
        let endpoint = TestEnv.endpoint(server, concurrency: 4)
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let runner = Runner(store: store, harnessVersion: "test")

        let full = try await runner.run(RunRequest(suite: suite, endpoint: endpoint))
        counts.withLock { $0 = [:] }

        let slow = try TestHTTPServer(responder: Self.counting(counts, delay: 0.05))
        defer { slow.stop() }
        var slowEndpoint = TestEnv.endpoint(slow, concurrency: 4)
        slowEndpoint.name = endpoint.name
        let task = Task { try await runner.run(RunRequest(suite: suite, endpoint: slowEndpoint)) }
        // Cancel from outside as soon as 40 items of the second run are in.
        func secondRunCount() -> Int {
            guard let runs = try? store.runs(), runs.count == 2, let id = runs.first(where: { $0.id != full.runID })?.id else { return 0 }
            return (try? store.items(runID: id).count) ?? 0
        }
        try await TestEnv.waitUntil("40 items of the second run") { secondRunCount() >= 40 }
        task.cancel()
        let partial = try await task.value
        #expect(partial.status == .interrupted)
        let before = Set(try store.items(runID: partial.runID).map(\.itemID))
        #expect(before.count >= 40 && before.count < 120)

        let resumed = try await runner.run(RunRequest(suite: suite, endpoint: endpoint, resume: try store.run(matching: partial.runID)))
        #expect(resumed.runID == partial.runID && resumed.status == .completed && resumed.stored == 120)
        #expect(try Self.scores(store, partial.runID) == Self.scores(store, full.runID))
        for id in before {
            let n = Int(id.dropFirst(5))!
            #expect(counts.current["q \(n)"] == 1, "finished item \(id) was requested again")
        }
        #expect(counts.current.values.allSatisfy { $0 <= 2 })
    }

    @Test func retryErrorsResendsOnlyFailedItems() async throws {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try EndToEndTests.numberedSuite(20, in: dir))
        let counts = Locked([String: Int]())
        let failing = Locked<Set<String>>(["q 3", "q 4"])
        let server = try TestHTTPServer(responder: Self.counting(counts, failing: failing))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let runner = Runner(store: store, harnessVersion: "test")
        let first = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        #expect(first.errors == 2)
        failing.withLock { $0 = [] }
        let record = try store.run(matching: first.runID)
        let again = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server), resume: record))
        #expect(again.errors == 2, "plain --resume keeps errored items")
        #expect(counts.current.values.reduce(0, +) == 20)
        let retried = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server), resume: record, retryErrors: true))
        #expect(retried.errors == 0 && retried.stored == 20)
        #expect(counts.current["q 3"] == 2 && counts.current["q 5"] == 1)
        #expect(try store.items(runID: first.runID).allSatisfy { $0.response.failure == nil })
    }

    @Test func resumeRefusesAChangedSuite() async throws {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try EndToEndTests.numberedSuite(5, in: dir))
        let server = try TestHTTPServer(responder: Self.counting(Locked([:])))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let runner = Runner(store: store, harnessVersion: "test")
        let run = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        var changed = suite
        changed.contentHash = "different"
        await #expect(throws: UsageError.self) {
            try await runner.run(RunRequest(suite: changed, endpoint: TestEnv.endpoint(server), resume: try store.run(matching: run.runID)))
        }
    }

    @Test func sigkilledRunResumesFromTheCLI() async throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(60, in: dir)
        let counts = Locked([String: Int]())
        // After 12 requests the server holds every further one (until released), so the process is
        // certainly killed mid-run however fast mizan or slow the machine is.
        let released = Locked(false)
        let inner = Self.counting(counts, delay: 0.01)
        let server = try TestHTTPServer(responder: { req in
            let reply = inner(req)
            return !released.current && counts.current.values.reduce(0, +) > 12 ? .delayed(seconds: 60, reply) : reply
        })
        defer { server.stop() }
        let storePath = dir + "/k.sqlite"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnv.mizanBinary)
        p.arguments = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--concurrency", "2", "--store", storePath]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        try await TestEnv.waitUntil("12 requests counted") { counts.current.values.reduce(0, +) >= 12 }
        kill(p.processIdentifier, SIGKILL)
        try await TestEnv.waitUntil("the killed mizan to exit") { !p.isRunning }
        released.withLock { $0 = true }
        let store = try SQLiteStore(path: storePath)
        let run = try #require(try store.runs().first)
        #expect(run.status == .running, "a killed run never got to mark itself")
        let survived = Set(try store.items(runID: run.id).map(\.itemID))
        #expect(!survived.isEmpty && survived.count < 60)

        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--resume", String(run.id.prefix(20)), "--store", storePath, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
        #expect(json["run_id"]?.stringValue == run.id && json["items"]?.doubleValue == 60 && json["errors"]?.doubleValue == 0)
        #expect(try store.run(matching: run.id).status == .completed)
        for id in survived { #expect(counts.current["q \(id.dropFirst(5))"] == 1) }
        #expect(counts.current.count == 60 && counts.current.values.allSatisfy { $0 <= 2 })
    }
}
