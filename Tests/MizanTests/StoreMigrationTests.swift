import Foundation
import Testing
import MizanCore
@testable import MizanStore

/// The shared SQL implementation on both backends: stores of every earlier schema version open and migrate, the
/// paths the run and the reports use behave alike, and failures carry a kind and name the right backend.
@Suite(.timeLimit(.minutes(5))) struct StoreMigrationTests {
    /// A raw connection to `location` (no migrations applied) and its dialect.
    static func raw(_ kind: StoreKind, _ location: String) throws -> (any SQLConnection, any SQLDialect) {
        switch kind {
        case .sqlite: return (try SQLiteDatabase(path: location), SQLiteDialect())
        case .postgres: return (try PostgresConnection(try PostgresLocation(location)), PostgresDialect())
        }
    }

    /// Builds a store at schema `version` by running the first `version` steps as released, with rows of that era:
    /// a completed run, a scored answer, an answer reused under that era's convention (before version 6: attempts 0,
    /// copied latency), a shard.
    static func buildOldStore(_ kind: StoreKind, version: Int) throws -> String {
        let location = try kind.freshLocation()
        let (db, dialect) = try raw(kind, location)
        let steps = kind == .sqlite ? SQLiteStore.migrations : PostgresStore.migrations
        try db.execute(dialect.types(StoreSchema.versionTable))
        for v in 0..<version {
            try db.execute(steps[v])
            try db.execute("INSERT INTO schema_migrations(version, applied_at) VALUES(\(v + 1), 'then')")
        }
        try db.execute("""
            INSERT INTO runs VALUES('old', 's', '1.0.0', 'h', 'e', 'm', 'completed', 't0', 't1', 2, '{"k":"v"}');
            INSERT INTO responses(run_id, item_id, seq, lang, request_hash, prompt, output, http_status, latency, ttft, refs, fields)
                VALUES('old', 'i1', 0, 'ary-Arab', 'rh', 'p', 'مرحبا', 200, 0.5, 0.1, '["مرحبا"]', '{}');
            INSERT INTO scores(run_id, item_id, metric, metric_version, value, details, error) VALUES('old', 'i1', 'exact', 'exact/1', 1, '{}', NULL);
            """)
        if version >= 6 {
            // From version 6 on a reused answer is stored as such: reused 1, no latency or TTFT of its own.
            try db.execute("""
                INSERT INTO responses(run_id, item_id, seq, lang, request_hash, prompt, output, http_status, latency, ttft, refs, fields, reused)
                    VALUES('old', 'i2', 1, 'ary-Arab', 'rh2', 'p', 'copied', 200, 0, NULL, '[]', '{}', 1);
                """)
        } else if version >= 2 {
            try db.execute("""
                INSERT INTO responses(run_id, item_id, seq, lang, request_hash, prompt, output, http_status, latency, ttft, refs, fields, attempts)
                    VALUES('old', 'i2', 1, 'ary-Arab', 'rh2', 'p', 'copied', 200, 0.7, 0.2, '[]', '{}', 0);
                """)
        }
        if version >= 4 {
            try db.execute("INSERT INTO run_shards VALUES('old', 0, 1, 2, 'completed', 'host', 't0', 't1')")
        }
        return location
    }

    @Test(arguments: StoreKind.testable, 1..<StoreSchema.steps.count)
    func aStoreOfEveryEarlierSchemaVersionOpensAndMigrates(kind: StoreKind, version: Int) throws {
        let location = try Self.buildOldStore(kind, version: version)
        let store = try #require(try openResultStore(location) as? SQLResultStore)
        #expect(try store.schemaVersion() == StoreSchema.steps.count)
        let run = try store.run(matching: "old")
        #expect(run.status == .completed && run.manifest["k"]?.stringValue == "v" && run.itemCount == 2)
        let items = try store.items(runID: "old")
        #expect(items.count == (version >= 2 ? 2 : 1))
        #expect(items[0].response.text == "مرحبا" && items[0].scores.first?.value == 1 && items[0].references == ["مرحبا"])
        #expect(items[0].sample == 0 && items[0].response.attempts == 1 && !items[0].response.reused)
        if version >= 2 {
            // Migration 6: an answer stored with attempts 0 was reused; its copied latency and TTFT are dropped.
            #expect(items[1].response.reused && items[1].response.latency == 0 && items[1].response.timeToFirstToken == nil)
        }
        #expect(try store.shards(runID: "old").count == (version >= 4 ? 1 : 0))
        #expect(try store.cachedResponse(requestHash: "rh")?.text == "مرحبا", "old answers are found by request hash")
        // The migrated store takes new items next to the old ones.
        try store.record(runID: "old", item: StoreTests.item("new", text: "x"))
        #expect(try store.items(runID: "old").last == StoreTests.item("new", text: "x"))
        _ = try openResultStore(location) // reopening applies nothing twice
        #expect(try store.schemaVersion() == StoreSchema.steps.count)
    }

    @Test(arguments: StoreKind.testable) func theRunAndReportPathsBehaveAlike(kind: StoreKind) throws {
        let store = try openResultStore(try kind.freshLocation())
        #expect(try store.createRunIfAbsent(StoreTests.run("r")))
        #expect(try !store.createRunIfAbsent(StoreTests.run("r")), "a second create changes nothing")
        store.beginBulkWrites()
        var ok = StoreTests.item("b", text: "answer")
        ok.requestHash = "hash-ok"
        var failed = StoreTests.item("a", text: nil, failure: EndpointFailure(kind: .timeout, message: "slow"))
        failed.requestHash = "hash-failed"
        var reused = StoreTests.item("c", text: "again")
        reused.response.reused = true
        reused.response.reusedFrom = "earlier"
        try store.record(runID: "r", items: [ok, failed, reused])
        store.endBulkWrites()
        let samples = try store.storedSamples(runID: "r").sorted { $0.itemID < $1.itemID }
        #expect(samples == [StoredSample(itemID: "a", sample: 0, failed: true), StoredSample(itemID: "b", sample: 0, failed: false),
                            StoredSample(itemID: "c", sample: 0, failed: false, reused: true)])
        var streamed: [ItemRecord] = []
        try store.forEachItem(runID: "r") { streamed.append($0) }
        #expect(Set(streamed) == Set(try store.items(runID: "r")) && streamed.count == 3)
        #expect(try store.cachedResponse(requestHash: "hash-ok")?.reusedFrom == "r")
        #expect(try store.cachedResponse(requestHash: "hash-failed") == nil)
        // A metric named twice keeps its last score, on both backends.
        try store.replaceScores(runID: "r", itemID: "b", sample: 0, scores: [ScoreRecord(metric: "m", metricVersion: "1", value: 1),
                                                                            ScoreRecord(metric: "m", metricVersion: "2", value: 2)])
        let scores = try store.items(runID: "r").first { $0.itemID == "b" }?.scores ?? []
        #expect(scores.map(\.metric) == ["exact", "m"] && scores.last?.value == 2 && scores.last?.metricVersion == "2")
        try store.createRun(StoreTests.run("r2"))
        #expect(try store.runs().map(\.id).sorted() == ["r", "r2"])
    }

    @Test(arguments: StoreKind.testable) func storeErrorsHaveAKindAndNameTheirBackend(kind: StoreKind) throws {
        let location = try kind.freshLocation()
        let store = try openResultStore(location)
        let backend: StoreError.Backend = kind == .sqlite ? .sqlite : .postgresql
        let other = kind == .sqlite ? "PostgreSQL" : "SQLite"
        func expectError(_ expected: StoreError.Kind, _ body: () throws -> Void) {
            #expect {
                try body()
            } throws: { error in
                guard let e = error as? StoreError else { return false }
                return e.kind == expected && e.backend == backend && !"\(e)".contains(other)
            }
        }
        try store.createRun(StoreTests.run("abc1"))
        try store.createRun(StoreTests.run("abc2"))
        expectError(.notFound) { try store.updateManifest(runID: "nope", manifest: .null) }
        expectError(.constraint) { try store.record(runID: "nope", item: StoreTests.item("i", text: "x")) }
        do {
            _ = try store.run(matching: "zzz")
            Issue.record("an unknown run id is an error")
        } catch let e as UsageError {
            #expect(e.message.contains("list runs with `mizan runs --store \(location)`"), "\(e)")
        }
        // A store migrated by a newer mizan is refused, naming its backend, with the remedy.
        let (db, _) = try Self.raw(kind, location)
        try db.execute("INSERT INTO schema_migrations(version, applied_at) VALUES(\(StoreSchema.steps.count + 1), 'future')")
        expectError(.schemaTooNew) { _ = try openResultStore(location) }
        #expect {
            _ = try openResultStore(location)
        } throws: { "\($0)".contains("\(backend.rawValue) store") && "\($0)".contains("upgrade mizan") && ($0 as? StoreError)?.exitCode == 4 }
    }

    @Test func aRefusedPostgreSQLConnectionIsAConnectionErrorThatNamesPostgreSQL() throws {
        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        #expect {
            _ = try openResultStore("postgres://mizan@127.0.0.1:1/mizan?connect_timeout=5")
        } throws: { error in
            guard let e = error as? StoreError else { return false }
            let text = "\(e)"
            return e.kind == .connection && e.backend == .postgresql && text.contains("PostgreSQL") && !text.contains("SQLite")
        }
    }

    @Test func aFileThatIsNotASQLiteStoreCannotBeOpened() throws {
        let dir = TestEnv.tempDir()
        try "not a database, just text\n".write(toFile: dir + "/notes.sqlite", atomically: true, encoding: .utf8)
        try "x".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        for path in [dir + "/notes.sqlite", dir + "/file/store.sqlite"] {
            #expect {
                _ = try SQLiteStore(path: path)
            } throws: { error in
                guard let e = error as? StoreError else { return false }
                return e.kind == .cannotOpen && e.backend == .sqlite && "\(e)".contains("SQLite store") && "\(e)".contains(path)
            }
        }
    }
}
