import Foundation
import Testing
import MizanCore
@testable import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// Requests ordered for the server's caches: `cache_prompt: true` to llama.cpp servers without touching the
/// response cache's request hash, samples sent sample-major in blocks, the ordering recorded, answers unchanged.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CacheOrderingTests {
    static func run(_ server: TestHTTPServer, dir: String, folder: String, extra: [String] = [], environment: [String: String]? = nil)
        throws -> (runID: String, store: SQLiteStore) {
        let store = dir + "/o.sqlite"
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment ?? [:] { env[k] = v }
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", store,
                                                      "--json"] + extra, environment: env)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
        return (try #require(json["run_id"]?.stringValue), try SQLiteStore(path: store))
    }

    static func suite(in dir: String) throws -> String {
        try TestEnv.writeSuite(in: dir, yaml: TestEnv.suiteYAML(id: "samples", extra: "generation:\n  temperature: 0.7"),
                               items: (0..<6).map { #"{"id":"i\#($0)","input":"q\#($0)","reference":"q\#($0)"}"# })
    }

    @Test func samplesGoSampleMajorWithCachePromptAndTheSameAnswers() throws {
        // While `slots` is true the server answers /props with total_slots like llama-server; then it answers 404.
        let slots = Locked(true)
        let server = try TestHTTPServer(routeAllPathsToResponder: true) { r in
            if r.path.hasSuffix("/chat/completions") { return .text(r.prompt) }
            return r.path == "/props" && !slots.current ? .status(404, body: "{}") : .builtin
        }
        defer { server.stop() }
        let dir = TestEnv.tempDir()
        let folder = try Self.suite(in: dir)
        let (runID, store) = try Self.run(server, dir: dir, folder: folder, extra: ["--samples", "3", "--concurrency", "2"])
        let generation = server.requests.filter { $0.path.hasSuffix("/chat/completions") }
        #expect(generation.count == 18)
        #expect(generation.allSatisfy { $0.json?["cache_prompt"]?.boolValue == true }, "cache_prompt sent with every request")
        let manifest = try store.run(matching: runID).runManifest
        #expect(manifest.ordering?.strategy == "sample-blocks" && manifest.ordering?.window == 2)
        #expect(manifest.ordering?.cachePrompt == true && manifest.ordering?.slots == 4)
        let items = try store.items(runID: runID)
        #expect(items.count == 18 && items.allSatisfy { $0.response.text == $0.prompt })

        // The suite's order, no hint (the server stops reporting slots): the same answers, and the same request
        // hashes, so the response cache matches runs sent with and without the hint.
        slots.withLock { $0 = false }
        let dir2 = TestEnv.tempDir()
        let (run2, store2) = try Self.run(server, dir: dir2, folder: try Self.suite(in: dir2),
                                          extra: ["--samples", "3", "--concurrency", "2"], environment: ["MIZAN_ORDERING": "suite"])
        let ordering2 = try store2.run(matching: run2).runManifest.ordering
        #expect(ordering2?.strategy == "suite" && ordering2?.cachePrompt == false)
        #expect(server.requests.filter { $0.path.hasSuffix("/chat/completions") }.dropFirst(18).allSatisfy { $0.json?["cache_prompt"] == nil })
        let answers = { (s: SQLiteStore, id: String) in
            try s.items(runID: id).map { "\($0.itemID)#\($0.sample)=\($0.response.text ?? "")" }.sorted()
        }
        #expect(try answers(store, runID) == answers(store2, run2))
        #expect(Set(try store.items(runID: runID).map(\.requestHash)) == Set(try store2.items(runID: run2).map(\.requestHash)))
    }

    @Test func aServerWithoutSlotsGetsNoHint() throws {
        // No /props: not llama.cpp, so no cache_prompt field.
        let server = try TestHTTPServer(routeAllPathsToResponder: true) { r in
            r.path.hasSuffix("/chat/completions") ? .text(r.prompt) : .status(404, body: "{}")
        }
        defer { server.stop() }
        let dir = TestEnv.tempDir()
        let (runID, store) = try Self.run(server, dir: dir, folder: try Self.suite(in: dir), extra: ["--concurrency", "2"])
        let generation = server.requests.filter { $0.path.hasSuffix("/chat/completions") }
        #expect(generation.count == 6 && generation.allSatisfy { $0.json?["cache_prompt"] == nil })
        let ordering = try store.run(matching: runID).runManifest.ordering
        #expect(ordering?.strategy == "suite" && ordering?.cachePrompt == false && ordering?.slots == nil)
    }

    @Test func samplesAreHandedOutSampleMajorInBlocks() throws {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try Self.suite(in: dir))
        func order(block: Int, skip: Set<String> = []) throws -> [String] {
            var source = Runner.UnitSource(reader: try SuiteItemReader(suite), limit: 5, samples: 2, skip: skip, block: block)
            var out: [String] = []
            while let (item, sample) = try source.next() { out.append("\(item.id)#\(sample)") }
            return out
        }
        // Before: item by item. Now, in blocks of 2: sample 0 of two items, then their sample 1; the last block is short.
        #expect(try order(block: 1) == ["i0#0", "i0#1", "i1#0", "i1#1", "i2#0", "i2#1", "i3#0", "i3#1", "i4#0", "i4#1"])
        #expect(try order(block: 2) == ["i0#0", "i1#0", "i0#1", "i1#1", "i2#0", "i3#0", "i2#1", "i3#1", "i4#0", "i4#1"])
        #expect(try order(block: 2, skip: ["i1#0", "i2#1"]) == ["i0#0", "i0#1", "i1#1", "i2#0", "i3#0", "i3#1", "i4#0", "i4#1"])
    }
}
