import Foundation
import Testing
import MizanCore
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport
import MizanTransport

/// The response cache: identical requests reuse a stored successful response instead of being sent.
@Suite(.timeLimit(.minutes(5))) struct ResponseCacheTests {
    static func suite(in dir: String, generation: String = "generation:\n  temperature: 0\n", count: Int = 30) throws -> Suite {
        let yaml = TestEnv.suiteYAML(id: "cache-suite", extra: generation)
        return try SuiteLoader.load(folder: try TestEnv.writeSuite(in: dir, id: "cache-suite", yaml: yaml,
                                                                    items: (0..<count).map { #"{"id":"item-\#($0)","input":"q \#($0)","reference":"a \#($0)"}"# }),
                                    streaming: true)
    }

    static func scores(_ store: SQLiteStore, _ runID: String) throws -> [String: Double?] {
        Dictionary(uniqueKeysWithValues: try store.items(runID: runID).map { ($0.itemID, $0.scores.first?.value) })
    }

    @Test func aSecondDeterministicRunSendsNothingAndScoresTheSame() async throws {
        let dir = TestEnv.tempDir()
        let suite = try Self.suite(in: dir)
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let runner = Runner(store: store, harnessVersion: "test")
        let first = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        #expect(first.cacheHits == 0 && counts.current.values.reduce(0, +) == 30)
        let second = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        #expect(second.runID != first.runID && second.status == .completed && second.stored == 30)
        #expect(counts.current.values.reduce(0, +) == 30, "the second run must not send generation requests")
        #expect(second.cacheHits == 30)
        #expect(try Self.scores(store, second.runID) == Self.scores(store, first.runID))
        let reused = try store.items(runID: second.runID)
        #expect(reused.allSatisfy { $0.response.attempts == 0 })
        let firstItems = Dictionary(uniqueKeysWithValues: try store.items(runID: first.runID).map { ($0.itemID, $0) })
        for item in reused {
            #expect(item.response.text == firstItems[item.itemID]?.response.text)
            #expect(item.requestHash == firstItems[item.itemID]?.requestHash)
        }
        let manifest = try store.run(matching: second.runID).manifest["cache"]
        #expect(manifest?["hits"]?.doubleValue == 30 && manifest?["enabled"] == .bool(true) && manifest?["mode"]?.stringValue == "auto")

        var fresh = RunRequest(suite: suite, endpoint: TestEnv.endpoint(server))
        fresh.cache = .off
        let third = try await runner.run(fresh)
        #expect(third.cacheHits == 0 && counts.current.values.reduce(0, +) == 60, "--no-cache sends every request")
        #expect(try store.run(matching: third.runID).manifest["cache"]?["enabled"] == .bool(false))
    }

    @Test func failedResponsesAreNeverReused() async throws {
        let dir = TestEnv.tempDir()
        let suite = try Self.suite(in: dir, count: 10)
        let counts = Locked([String: Int]())
        let failing = Locked<Set<String>>(["q 3", "q 4"])
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts, failing: failing))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let runner = Runner(store: store, harnessVersion: "test")
        let first = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        #expect(first.errors == 2)
        let second = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        #expect(second.cacheHits == 8 && second.errors == 2)
        #expect(counts.current["q 3"] == 2 && counts.current["q 4"] == 2 && counts.current["q 5"] == 1)
        failing.withLock { $0 = [] }
        let third = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        #expect(third.errors == 0 && third.cacheHits == 8 && counts.current["q 3"] == 3)
    }

    @Test func samplingSuitesAreNotReusedUnlessAsked() async throws {
        let dir = TestEnv.tempDir()
        let suite = try Self.suite(in: dir, generation: "generation:\n  temperature: 0.8\n", count: 5)
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let runner = Runner(store: store, harnessVersion: "test")
        _ = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        let second = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        #expect(second.cacheHits == 0 && counts.current.values.reduce(0, +) == 10)
        var forced = RunRequest(suite: suite, endpoint: TestEnv.endpoint(server))
        forced.cache = .on
        let third = try await runner.run(forced)
        #expect(third.cacheHits == 5 && counts.current.values.reduce(0, +) == 10)
        // A different model is a different request: nothing reused.
        var other = TestEnv.endpoint(server)
        other.model = "another-model"
        var otherRequest = RunRequest(suite: suite, endpoint: other)
        otherRequest.cache = .on
        let fourth = try await runner.run(otherRequest)
        #expect(fourth.cacheHits == 0 && counts.current.values.reduce(0, +) == 15)
    }

    @Test func cliCacheFlags() throws {
        let dir = TestEnv.tempDir()
        let suite = try Self.suite(in: dir, count: 6)
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts))
        defer { server.stop() }
        let store = dir + "/r.sqlite"
        func run(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", suite.path, "--endpoint", server.baseURL + "/v1", "--store", store] + extra)
        }
        #expect(try run([]).status == 0)
        let second = try run([])
        #expect(second.status == 0 && second.stderr.contains("6 of 6 answers reused from run "))
        #expect(counts.current.values.reduce(0, +) == 6)
        #expect(try run(["--no-cache"]).status == 0)
        #expect(counts.current.values.reduce(0, +) == 12)
        let json = try run(["--cache", "--json"])
        #expect(json.status == 0 && counts.current.values.reduce(0, +) == 12)
    }
}
