import Foundation
import Testing
import MizanCore
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport
import MizanTransport

/// Streamed suites (items read from the file while running) and the streaming summary.
@Suite(.timeLimit(.minutes(5))) struct StreamingRunTests {
    /// Items with variants, language overrides, tags, blank lines and long inputs (the file spans several read chunks).
    static func mixedSuite(in dir: String, count: Int = 3000) throws -> String {
        var lines: [String] = []
        let filler = String(repeating: "كلمة ", count: 80)
        for i in 0..<count {
            switch i % 5 {
            case 0: lines.append(#"{"id":"v\#(i)","input":"q \#(i)","reference":"a \#(i)","variants":{"ary-Latn":{"input":"Q \#(i)","reference":"A \#(i)"}}}"#)
            case 1: lines.append(#"{"id":"l\#(i)","input":"q \#(i) \#(filler)","reference":"a \#(i)","lang":"ary-Latn","tags":["long"]}"#)
            case 2: lines.append("")
            case 3: lines.append(#"{"id":"e\#(i)","input":"q \"\#(i)\" \u0600\n","reference":"a \#(i)","kind":"escaped"}"#)
            default: lines.append(#"  {"id":"p\#(i)","input":"q \#(i)","reference":"a \#(i)"}  "#)
            }
        }
        return try TestEnv.writeSuite(in: dir, items: lines)
    }

    static func readAll(_ suite: Suite) throws -> [SuiteItem] {
        let reader = try SuiteItemReader(suite)
        var items: [SuiteItem] = []
        while let item = try reader.next() { items.append(item) }
        return items
    }

    @Test func streamingLoaderGivesTheSameItemsAndHashes() throws {
        let folder = try Self.mixedSuite(in: TestEnv.tempDir())
        let size = (try FileManager.default.attributesOfItem(atPath: folder + "/items.jsonl")[.size] as? NSNumber)?.intValue ?? 0
        #expect(size > 256 << 10, "the file must span several 64 KiB read chunks")
        let whole = try SuiteLoader.load(folder: folder)
        let streamed = try SuiteLoader.load(folder: folder, streaming: true)
        #expect(!whole.streamed && whole.itemCount == whole.items.count && whole.items.count == 3000)
        #expect(streamed.streamed && streamed.items.isEmpty && streamed.itemCount == whole.itemCount)
        #expect(streamed.contentHash == whole.contentHash && streamed.partHashes == whole.partHashes)
        #expect(try Self.readAll(streamed) == whole.items)
        #expect(try Self.readAll(whole) == whole.items)
        for n in [1, 2, 3, 100, 3000] { #expect(streamed.languages(ofFirst: n) == whole.languages(ofFirst: n)) }
        #expect(whole.languages(ofFirst: 1).map(\.description) == ["ary-Arab"])
        #expect(whole.languages(ofFirst: 2).map(\.description) == ["ary-Arab", "ary-Latn"])
    }

    @Test func aChangedItemsFileIsAnErrorNotSilentlyDifferentItems() throws {
        let folder = try Self.mixedSuite(in: TestEnv.tempDir(), count: 20)
        let streamed = try SuiteLoader.load(folder: folder, streaming: true)
        let handle = try #require(FileHandle(forWritingAtPath: folder + "/items.jsonl"))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"id":"new","input":"x","reference":"y"}"#.utf8 + [10]))
        try handle.close()
        #expect(throws: InputError.self) { try SuiteItemReader(streamed) }
    }

    @Test func fewShotFromTheItemsKeepsThemInMemory() throws {
        let dir = TestEnv.tempDir()
        let yaml = TestEnv.suiteYAML(id: "fs", extra: "fewshot:\n  count: 2\n")
        let folder = try TestEnv.writeSuite(in: dir, id: "fs", yaml: yaml, items: (0..<6).map { #"{"id":"i\#($0)","input":"q \#($0)","reference":"a \#($0)"}"# })
        let streamed = try SuiteLoader.load(folder: folder, streaming: true)
        #expect(!streamed.streamed && streamed.items.count == 6 && streamed.fewshotPool.count == 6)
    }

    @Test func streamedRunWithLimitSamplesAndResumeStoresTheRightUnits() async throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.mixedSuite(in: dir, count: 50)
        let suite = try SuiteLoader.load(folder: folder, streaming: true)
        let whole = try SuiteLoader.load(folder: folder)
        let server = try TestHTTPServer(responder: EndToEndTests.answering())
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let runner = Runner(store: store, harnessVersion: "test")
        var request = RunRequest(suite: suite, endpoint: TestEnv.endpoint(server, concurrency: 4), limit: 17)
        request.samples = 2
        let outcome = try await runner.run(request)
        #expect(outcome.status == .completed && outcome.stored == 34)
        let stored = try store.items(runID: outcome.runID)
        let expected = Set(whole.items.prefix(17).flatMap { item in [0, 1].map { "\(item.id)#\($0)" } })
        #expect(Set(stored.map { "\($0.itemID)#\($0.sample)" }) == expected)
        let run = try store.run(matching: outcome.runID)
        #expect(run.itemCount == 17)
        #expect(run.manifest["suite"]?["items_total"]?.doubleValue == Double(whole.items.count))
        let normalizers = run.manifest["normalizers"]
        #expect(normalizers?["ary-Arab"] != nil && normalizers?["ary-Latn"] != nil)
        // Resuming a complete run sends nothing more.
        let before = server.requestCount
        let again = try await runner.run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server), limit: 17, resume: run))
        #expect(again.stored == 34 && again.status == .completed)
        #expect(server.requestCount == before)
    }

    @Test func streamingSummaryEqualsTheInMemorySummary() async throws {
        let dir = TestEnv.tempDir()
        let yaml = TestEnv.suiteYAML(id: "t-suite", metrics: "[exact, contains, chrf]")
        let items = (0..<150).map { i in
            i % 3 == 0 ? #"{"id":"i\#(i)","input":"q \#(i)","reference":"a \#(i)","lang":"ary-Latn","tags":["t\#(i % 2)"],"kind":"k"}"#
                : #"{"id":"i\#(i)","input":"q \#(i)","reference":"a \#(i)"}"#
        }
        let folder = try TestEnv.writeSuite(in: dir, yaml: yaml, items: items)
        let suite = try SuiteLoader.load(folder: folder)
        let server = try TestHTTPServer(responder: EndToEndTests.answering(wrong: ["q 4", "q 9", "q 12"], failing: ["q 20"]))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        var endpoint = TestEnv.endpoint(server, concurrency: 8)
        endpoint.retry.maxRetries = 0
        let outcome = try await Runner(store: store, harnessVersion: "test").run(RunRequest(suite: suite, endpoint: endpoint))
        let run = try store.run(matching: outcome.runID)
        let stored = try store.items(runID: outcome.runID)
        let inMemory = Summarizer.summarize(run: run, items: stored)
        let streamed = try Summarizer.summarize(run: run, store: store)
        #expect(SummaryTables.json(inMemory) == SummaryTables.json(streamed))
        #expect(SummaryTables.json(Summarizer.summarize(run: run, items: stored.shuffled())) == SummaryTables.json(inMemory),
                "the summary must not depend on the order items finished in")
        // Means, counts and errors as the plain definition gives them.
        #expect(inMemory.items == 150 && inMemory.errors == 1 && inMemory.errorKinds == ["http_status": 1])
        let ok = stored.filter { $0.response.failure == nil }
        func mean(_ metric: String, _ subset: [ItemRecord]) -> (Double, Int) {
            let v = subset.compactMap { $0.scores.first { $0.metric == metric }?.value }
            return (v.reduce(0, +) / Double(v.count), v.count)
        }
        for metric in ["exact", "contains", "chrf"] {
            let (m, n) = mean(metric, ok)
            #expect(abs(inMemory.metrics[metric]!.mean - m) < 1e-12 && inMemory.metrics[metric]!.n == n)
            let ci = inMemory.metrics[metric]!
            #expect((ci.low ?? .infinity) <= ci.mean && ci.mean <= (ci.high ?? -.infinity))
            for lang in ["ary-Arab", "ary-Latn"] {
                let (lm, ln) = mean(metric, ok.filter { $0.language == lang })
                #expect(abs(inMemory.byLanguage[lang]![metric]!.mean - lm) < 1e-12 && inMemory.byLanguage[lang]![metric]!.n == ln)
            }
            let (km, kn) = mean(metric, ok.filter { $0.fields["kind"]?.stringValue == "k" })
            #expect(abs(inMemory.byTag["k"]![metric]!.mean - km) < 1e-12 && inMemory.byTag["k"]![metric]!.n == kn)
        }
        #expect(inMemory.corpus["chrf"]?["all"] != nil)
        #expect(inMemory.performance == PerformanceStats.of(stored))
        #expect(inMemory.latencyP50 == Summarizer.percentile(ok.map(\.response.latency), 0.5))
    }

    @Test func summaryBuiltAsItemsAreCommittedEqualsTheStoredOne() async throws {
        let dir = TestEnv.tempDir()
        let folder = try Self.mixedSuite(in: dir, count: 60)
        let suite = try SuiteLoader.load(folder: folder, streaming: true)
        let server = try TestHTTPServer(responder: EndToEndTests.answering(wrong: ["q 3", "Q 5"], failing: ["q 9"]))
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/r.sqlite")
        let collected = Locked<[ItemRecord]>([])
        let ids = Locked<Set<String>>([])
        var endpoint = TestEnv.endpoint(server, concurrency: 6)
        endpoint.retry.maxRetries = 0
        var request = RunRequest(suite: suite, endpoint: endpoint)
        request.onStored = { runID, item in
            ids.withLock { _ = $0.insert(runID) }
            collected.withLock { $0.append(item) }
        }
        let outcome = try await Runner(store: store, harnessVersion: "test").run(request)
        #expect(ids.current == [outcome.runID] && collected.current.count == outcome.stored)
        let run = try store.run(matching: outcome.runID)
        var live = SummaryAggregator(run: run)
        for item in collected.current { live.add(item) }
        #expect(SummaryTables.json(live.summary()) == SummaryTables.json(try Summarizer.summarize(run: run, store: store)))
    }
}
