import Foundation
import Testing
import MizanCore
import MizanStore

/// The SQLite store on real files.
@Suite struct StoreTests {
    static func run(_ id: String) -> RunRecord {
        RunRecord(id: id, suiteID: "s", suiteVersion: "1.0.0", suiteHash: "h", endpoint: "e", model: "m", status: "running",
                  startedAt: isoNow(), itemCount: 2, manifest: .object(["k": .string("v")]))
    }

    static func item(_ id: String, text: String?, failure: EndpointFailure? = nil) -> ItemRecord {
        ItemRecord(itemID: id, language: "ary-Arab", requestHash: "rh", prompt: "p",
                   response: ModelResponse(text: text, httpStatus: failure == nil ? 200 : 503, latency: 0.5, timeToFirstToken: 0.1,
                                           usage: TokenUsage(promptTokens: 5, completionTokens: 2), finishReason: "stop", failure: failure),
                   scores: text == nil ? [] : [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: 1, details: .object(["n": .number(1)]))],
                   references: ["مرحبا"], fields: ["id": .string(id)])
    }

    @Test func roundTripsRunsItemsAndScoresExactly() throws {
        let path = TestEnv.tempDir() + "/store.sqlite"
        let store = try SQLiteStore(path: path)
        #expect(try store.schemaVersion() == SQLiteStore.migrations.count)
        try store.createRun(Self.run("r1"))
        let text = "مرحبا\u{200F} ⴰⵣⵓⵍ e\u{301}"
        try store.record(runID: "r1", item: Self.item("i1", text: text))
        try store.record(runID: "r1", item: Self.item("i2", text: nil, failure: EndpointFailure(kind: .httpStatus, message: "HTTP 503")))
        try store.finishRun(id: "r1", status: "completed", finishedAt: isoNow())
        let reopened = try SQLiteStore(path: path)
        let run = try reopened.run(matching: "r")
        #expect(run.status == "completed" && run.manifest["k"]?.stringValue == "v")
        let items = try reopened.items(runID: "r1")
        #expect(items.count == 2)
        #expect(items[0].response.text?.unicodeScalars.elementsEqual(text.unicodeScalars) == true)
        #expect(items[0].scores.first?.value == 1 && items[0].references == ["مرحبا"])
        #expect(items[0].response.timeToFirstToken == 0.1 && items[0].response.usage.completionTokens == 2)
        #expect(items[1].response.failure?.kind == .httpStatus && items[1].scores.isEmpty)
    }

    @Test func unknownAndAmbiguousRunIdsSayWhatToDo() throws {
        let store = try SQLiteStore(path: TestEnv.tempDir() + "/s.sqlite")
        try store.createRun(Self.run("abc1"))
        try store.createRun(Self.run("abc2"))
        #expect { try store.run(matching: "abc") } throws: { "\($0)".contains("ambiguous") }
        #expect { try store.run(matching: "zzz") } throws: { "\($0)".contains("mizan runs") }
    }

    @Test func twoConnectionsWritingConcurrentlyLoseNothing() async throws {
        let path = TestEnv.tempDir() + "/shared.sqlite"
        let a = try SQLiteStore(path: path), b = try SQLiteStore(path: path)
        try a.createRun(Self.run("ra"))
        try b.createRun(Self.run("rb"))
        await withTaskGroup(of: Void.self) { group in
            for (store, run) in [(a, "ra"), (b, "rb")] {
                group.addTask { for i in 0..<200 { try? store.record(runID: run, item: Self.item("i\(i)", text: "t\(i)")) } }
            }
        }
        #expect(try a.items(runID: "ra").count == 200)
        #expect(try a.items(runID: "rb").count == 200)
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
        let items = try store.items(runID: "old")
        #expect(items.count == 1 && items[0].response.text == "مرحبا" && items[0].scores.first?.value == 1)
        #expect(items[0].sample == 0 && items[0].response.attempts == 1)
    }
}
