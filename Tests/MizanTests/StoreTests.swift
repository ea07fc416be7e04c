import Foundation
import Testing
import MizanCore
@testable import MizanStore

/// Both stores (SQLite files and PostgreSQL databases on the test server) behave the same.
@Suite(.timeLimit(.minutes(5))) struct StoreTests {
    static func run(_ id: String) -> RunRecord {
        RunRecord(id: id, suiteID: "s", suiteVersion: "1.0.0", suiteHash: "h", endpoint: "e", model: "m", status: .running,
                  startedAt: isoNow(), itemCount: 2, manifest: .object(["k": .string("v")]))
    }

    static func item(_ id: String, text: String?, failure: EndpointFailure? = nil) -> ItemRecord {
        ItemRecord(itemID: id, language: "ary-Arab", requestHash: "rh", prompt: "p",
                   response: ModelResponse(text: text, httpStatus: failure == nil ? 200 : 503, latency: 0.5, timeToFirstToken: 0.1,
                                           usage: TokenUsage(promptTokens: 5, completionTokens: 2), finishReason: "stop", failure: failure),
                   scores: text == nil ? [] : [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: 1, details: .object(["n": .number(1)]))],
                   references: ["مرحبا"], fields: ["id": .string(id)])
    }

    @Test(arguments: StoreKind.testable) func roundTripsRunsItemsAndScoresExactly(kind: StoreKind) throws {
        let location = try kind.freshLocation()
        let store = try openResultStore(location)
        try store.createRun(Self.run("r1"))
        let text = "مرحبا\u{200F} ⴰⵣⵓⵍ e\u{301}"
        try store.record(runID: "r1", item: Self.item("i1", text: text))
        try store.record(runID: "r1", item: Self.item("i2", text: nil, failure: EndpointFailure(kind: .httpStatus, message: "HTTP 503")))
        try store.finishRun(id: "r1", status: .completed, finishedAt: isoNow())
        let reopened = try openResultStore(location)
        let run = try reopened.run(matching: "r")
        #expect(run.status == .completed && run.manifest["k"]?.stringValue == "v")
        let items = try reopened.items(runID: "r1")
        #expect(items.count == 2)
        #expect(items[0].response.text?.unicodeScalars.elementsEqual(text.unicodeScalars) == true)
        #expect(items[0].scores.first?.value == 1 && items[0].references == ["مرحبا"])
        #expect(items[0].response.timeToFirstToken == 0.1 && items[0].response.usage.completionTokens == 2)
        #expect(items[1].response.failure?.kind == .httpStatus && items[1].scores.isEmpty)
        #expect(items[0] == Self.item("i1", text: text), "every stored field reads back exactly")
    }

    @Test(arguments: StoreKind.testable) func unknownAndAmbiguousRunIdsSayWhatToDo(kind: StoreKind) throws {
        let store = try openResultStore(try kind.freshLocation())
        try store.createRun(Self.run("abc1"))
        try store.createRun(Self.run("abc2"))
        #expect { try store.run(matching: "abc") } throws: { "\($0)".contains("ambiguous") }
        #expect { try store.run(matching: "zzz") } throws: { "\($0)".contains("mizan runs") }
        #expect { try store.run(matching: "a_c") } throws: { "\($0)".contains("mizan runs") }
        #expect(try store.run(matching: "abc2").id == "abc2")
    }

    @Test(arguments: StoreKind.testable) func twoConnectionsWritingConcurrentlyLoseNothing(kind: StoreKind) async throws {
        let location = try kind.freshLocation()
        let a = try openResultStore(location), b = try openResultStore(location)
        try a.createRun(Self.run("ra"))
        try b.createRun(Self.run("rb"))
        await withTaskGroup(of: Void.self) { group in
            for (store, run) in [(a, "ra"), (b, "rb")] {
                group.addTask { for i in 0..<200 { try? store.record(runID: run, item: Self.item("i\(i)", text: "t\(i)")) } }
            }
        }
        #expect(try a.items(runID: "ra").count == 200)
        #expect(try a.items(runID: "rb").count == 200)
        #expect(try b.items(runID: "ra").map(\.itemID) == (0..<200).map { "i\($0)" }, "items come back in storage order")
    }

    @Test(arguments: StoreKind.testable) func rescoringReplacesOnlyTheNamedMetricAndRecordingAgainReplacesTheItem(kind: StoreKind) throws {
        let store = try openResultStore(try kind.freshLocation())
        try store.createRun(Self.run("r"))
        var item = Self.item("i", text: "x")
        item.scores.append(ScoreRecord(metric: "chrf", metricVersion: "chrf/1", value: 0.5))
        try store.record(runID: "r", item: item)
        try store.replaceScores(runID: "r", itemID: "i", sample: 0, scores: [ScoreRecord(metric: "chrf", metricVersion: "chrf/2", value: 0.25)])
        let scores = try store.items(runID: "r")[0].scores
        #expect(scores.map(\.metric) == ["chrf", "exact"] && scores[0].value == 0.25 && scores[1].value == 1)
        let awkward = ScoreRecord(metric: "judge", metricVersion: "judge/1", value: nil,
                                  details: .object(["raw": .string("say \"hi\" \\ {a,b} NULL ,\u{0645}")]), error: "bad \"x\" \\")
        try store.replaceScores(runID: "r", itemID: "i", sample: 0, scores: [awkward])
        #expect(try store.items(runID: "r")[0].scores.last == awkward, "quotes, backslashes, braces and NULL survive")
        try store.record(runID: "r", item: Self.item("i", text: "y"))
        let again = try store.items(runID: "r")
        #expect(again.count == 1 && again[0].response.text == "y")
        try store.updateManifest(runID: "r", manifest: .object(["k": .string("w")]))
        #expect(try store.run(matching: "r").manifest["k"]?.stringValue == "w")
        #expect(throws: StoreError.self) { try store.updateManifest(runID: "nope", manifest: .null) }
    }

    @Test(arguments: StoreKind.testable) func shardsCreateTheRunOnceAndCompleteItTogether(kind: StoreKind) async throws {
        let location = try kind.freshLocation()
        let stores = try (0..<4).map { _ in try openResultStore(location) }
        let created = await withTaskGroup(of: Bool.self) { group in
            for store in stores { group.addTask { (try? store.createRunIfAbsent(Self.run("shared"))) ?? false } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(created == 1, "exactly one of four racing shards creates the run; the others join it")
        func report(_ i: Int, _ status: RunStatus) throws {
            try stores[i].reportShard(ShardRecord(runID: "shared", index: i, count: 4, itemCount: 10, status: status, host: "h\(i)",
                                                  startedAt: isoNow(), finishedAt: status == .running ? nil : isoNow()))
        }
        for i in 0..<4 { try report(i, .running) }
        try report(0, .completed); try report(1, .completed); try report(2, .interrupted)
        #expect(try stores[0].run(matching: "shared").status == .running, "shard 3 is still running")
        try report(3, .completed)
        #expect(try stores[0].run(matching: "shared").status == .interrupted)
        #expect(ShardRecord.missing(try stores[1].shards(runID: "shared"), count: 4) == [2])
        try report(2, .running)
        try report(2, .completed)
        let run = try stores[3].run(matching: "shared")
        #expect(run.status == .completed && run.finishedAt != nil)
        #expect(try stores[3].shards(runID: "shared").map(\.host) == ["h0", "h1", "h2", "h3"])
    }

    /// Stores two items and reads them back (used by the sampling tests too).
    static func roundTripForMigration() throws -> [ItemRecord] {
        let store = try SQLiteStore(path: TestEnv.tempDir() + "/m.sqlite")
        try store.createRun(Self.run("m1"))
        try store.record(runID: "m1", item: Self.item("a", text: "x"))
        try store.record(runID: "m1", item: Self.item("b", text: "y"))
        return try store.items(runID: "m1")
    }

    @Test func aVersionOneStoreIsMigratedWithoutLosingRows() throws {
        let path = TestEnv.tempDir() + "/v1.sqlite"
        // Build a schema-1 store by hand with the sqlite3 library through a plain SQLiteStore-free path:
        // the first migration's SQL, one run, one response, one score.
        let script = """
            CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
            \(SQLiteStore.migrations[0])
            INSERT INTO schema_migrations VALUES(1, 'then');
            INSERT INTO runs VALUES('old', 's', '1.0.0', 'h', 'e', 'm', 'completed', 't', 't', 1, '{}');
            INSERT INTO responses(run_id, item_id, seq, lang, request_hash, prompt, output, http_status, latency, refs, fields)
                VALUES('old', 'i1', 0, 'ary-Arab', 'rh', 'p', 'مرحبا', 200, 0.5, '["مرحبا"]', '{}');
            INSERT INTO scores VALUES('old', 'i1', 'exact', 'exact/1', 1, '{}', NULL);
            """
        let r = try TestEnv.run("/usr/bin/env", ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", path, script])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try SQLiteStore(path: path)
        #expect(try store.schemaVersion() == SQLiteStore.migrations.count)
        #expect(try store.shards(runID: "old").isEmpty)
        let items = try store.items(runID: "old")
        #expect(items.count == 1 && items[0].response.text == "مرحبا" && items[0].scores.first?.value == 1)
        #expect(items[0].sample == 0 && items[0].response.attempts == 1)
        // Migration 5: the old store's successful response is found by its request hash.
        #expect(try store.cachedResponse(requestHash: "rh")?.text == "مرحبا")
        #expect(try store.cachedResponse(requestHash: "other") == nil)
    }

    @Test func responsesAreFoundByHashOnceIndexedAndFailuresNever() throws {
        let path = TestEnv.tempDir() + "/c.sqlite"
        let store = try SQLiteStore(path: path)
        try store.createRun(Self.run("c1"))
        store.beginBulkWrites()
        var ok = Self.item("a", text: "first")
        ok.requestHash = "hash-a"
        var failed = Self.item("b", text: nil, failure: EndpointFailure(kind: .httpStatus, message: "HTTP 503"))
        failed.requestHash = "hash-b"
        try store.record(runID: "c1", items: [ok, failed])
        // While a run writes, its own responses are not looked up (they are indexed when it ends).
        #expect(try store.cachedResponse(requestHash: "hash-a") == nil)
        store.endBulkWrites()
        #expect(try store.cachedResponse(requestHash: "hash-a")?.text == "first")
        #expect(try store.cachedResponse(requestHash: "hash-b") == nil, "failed responses are never reused")
        // A process that stored items and never ended its run (killed): the next opener indexes them.
        let killed = try SQLiteStore(path: path)
        killed.beginBulkWrites()
        var late = Self.item("c", text: "late")
        late.requestHash = "hash-c"
        try killed.record(runID: "c1", item: late)
        let next = try SQLiteStore(path: path)
        #expect(try next.cachedResponse(requestHash: "hash-c")?.text == "late")
        killed.endBulkWrites()
        let rows = try SQLiteDatabase(path: path).query("SELECT COUNT(*) FROM response_cache")[0][0].int
        #expect(rows == 2, "each successful response indexed once")
    }

    @Test func backgroundCheckpointsKeepTheWALBoundedAndTheFileIntact() throws {
        let path = TestEnv.tempDir() + "/w.sqlite"
        let store = try SQLiteStore(path: path)
        try store.createRun(Self.run("w1"))
        store.beginBulkWrites()
        // About 20,000 WAL pages (6,000 items of 10 KB, 20 per commit): past the writer's 16,000-page limit.
        let padding = String(repeating: "ⵜⴰⵎⴰⵣⵉⵖⵜ ", count: 400)
        for batch in 0..<300 {
            try store.record(runID: "w1", items: (0..<20).map { i in
                var item = Self.item("i\(batch)-\(i)", text: padding)
                item.requestHash = "h\(batch)-\(i)"
                return item
            })
        }
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        store.endBulkWrites()
        // Twice SQLite's own 4000-page (16 MiB) checkpoint size: the background thread took them; under
        // 80 MiB: the committing thread restarted the WAL at 16,000 pages.
        #expect(walBytes > 32 << 20 && walBytes <= 80 << 20, "WAL \(walBytes) bytes")
        let check = try SQLiteDatabase(path: path)
        #expect(try check.query("PRAGMA integrity_check")[0][0].text == "ok")
        #expect(try check.query("SELECT COUNT(*) FROM responses WHERE run_id = 'w1'")[0][0].int == 6000)
    }
}
