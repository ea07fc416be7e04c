import Foundation
import Testing
import MizanCore
@testable import MizanStore

/// PostgreSQL-specific behaviour: the schema matches SQLite's, passwords never come from the URL, TLS works.
@Suite(.timeLimit(.minutes(5))) struct PostgresStoreTests {
    @Test func aPasswordInTheURLIsRefusedAndNeverEchoed() throws {
        for url in ["postgres://alice:s3cret-pw@db.example:5432/mizan", "postgresql://alice@db.example/mizan?password=s3cret-pw"] {
            #expect { try openResultStore(url) } throws: { error in
                let text = "\(error)"
                return (error as? UsageError) != nil && !text.contains("s3cret-pw") && text.contains("PGPASSWORD") && text.contains("***")
            }
        }
        #expect(PostgresLocation.redact("postgres://u:p%40ss@h:1/d?sslmode=require&password=x") == "postgres://u:***@h:1/d?sslmode=require&password=***")
        #expect(throws: UsageError.self) { try PostgresLocation("postgres://") }
    }

    @Test(.enabled(if: TestPostgres.enabled)) func migrationsGiveTheSameTablesAndColumnsAsSQLite() throws {
        let url = try TestPostgres.freshDatabase()
        let pg = try PostgresStore(try PostgresLocation(url))
        #expect(try pg.schemaVersion() == PostgresStore.migrations.count)
        #expect(PostgresStore.migrations.count == SQLiteStore.migrations.count)
        _ = try PostgresStore(try PostgresLocation(url)) // reopening applies nothing twice
        let sqlite = try SQLiteDatabase(path: TestEnv.tempDir() + "/s.sqlite")
        _ = try SQLiteStore(path: sqlite.path)
        let connection = try PostgresConnection(try PostgresLocation(url))
        for table in ["runs", "responses", "scores", "run_shards", "schema_migrations"] {
            let lite = Set(try sqlite.query("SELECT name FROM pragma_table_info('\(table)')").compactMap { $0[0].text })
            let post = Set(try connection.query("SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
                                                [.text(table)]).compactMap { $0[0].text })
            #expect(!lite.isEmpty && lite == post, "table \(table): SQLite \(lite.sorted()) vs PostgreSQL \(post.sorted())")
            let litePK = try sqlite.query("SELECT name FROM pragma_table_info('\(table)') WHERE pk > 0 ORDER BY pk").compactMap { $0[0].text }
            let postPK = try connection.query("""
                SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)
                """, [.text(table)]).compactMap { $0[0].text }
            #expect(litePK == postPK, "primary key of \(table)")
        }
    }

    @Test(.enabled(if: TestPostgres.enabled && TestPostgres.caFile != nil)) func connectsOverVerifiedTLS() throws {
        let url = try TestPostgres.freshDatabase()
        let ca = try #require(TestPostgres.caFile)
        let verified = try PostgresStore(try PostgresLocation(url + "?sslmode=verify-full&sslrootcert=" + ca))
        #expect(try verified.usesTLS())
        let plain = try PostgresStore(try PostgresLocation(url + "?sslmode=disable"))
        #expect(try !plain.usesTLS())
        // A CA that did not sign the server's certificate is refused.
        let otherCA = TestEnv.tempDir() + "/other-ca.crt"
        let made = try TestEnv.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                                     "-subj", "/CN=other", "-keyout", otherCA + ".key", "-out", otherCA])
        #expect(made.status == 0, "\(made.stderr)")
        #expect { try PostgresStore(try PostgresLocation(url + "?sslmode=verify-full&sslrootcert=" + otherCA)) } throws: {
            "\($0)".contains("certificate")
        }
    }

    @Test(.enabled(if: TestPostgres.enabled)) func thePasswordComesFromPGPASSWORDOrThePasswordFile() throws {
        let url = try TestPostgres.freshDatabase()
        let r = try TestEnv.run(TestEnv.mizanBinary, ["runs", "--store", url],
                                environment: ProcessInfo.processInfo.environment.merging(["PGPASSWORD": "wrong-pw-123"]) { $1 })
        #expect(r.status == 4)
        #expect(r.stderr.contains("password authentication failed") && r.stderr.contains("PGPASSWORD"))
        #expect(!r.stderr.contains("wrong-pw-123"))
        let ok = try TestEnv.run(TestEnv.mizanBinary, ["runs", "--store", url, "--format", "csv"])
        #expect(ok.status == 0 && ok.stdout.hasPrefix("run,name,suite"), "\(ok.stderr)")
        // The password file instead of the variable (PGPASSFILE; libpq wants it private, mode 0600).
        var env = ProcessInfo.processInfo.environment
        let password = try #require(env["PGPASSWORD"])
        env["PGPASSWORD"] = nil
        let passfile = TestEnv.tempDir() + "/pgpass"
        try "*:*:*:*:\(password)\n".write(toFile: passfile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passfile)
        env["PGPASSFILE"] = passfile
        let fromFile = try TestEnv.run(TestEnv.mizanBinary, ["runs", "--store", url, "--format", "csv"], environment: env)
        #expect(fromFile.status == 0 && fromFile.stdout.hasPrefix("run,name,suite"), "\(fromFile.stderr)")
    }
}

/// Store methods the run path uses for speed (group commit, response cache), on PostgreSQL.
@Suite(.timeLimit(.minutes(5))) struct PostgresBatchTests {
    @Test(.enabled(if: TestPostgres.enabled)) func aBatchIsStoredTogetherAndAnsweredFromTheCache() throws {
        let store = try PostgresStore(try PostgresLocation(try TestPostgres.freshDatabase()))
        try store.createRun(StoreTests.run("b"))
        var items = (0..<5).map { StoreTests.item("i\($0)", text: "t\($0)") }
        for i in items.indices { items[i].requestHash = "h\(i)" }
        items[4].response.failure = EndpointFailure(kind: .httpStatus, message: "HTTP 503")
        try store.record(runID: "b", items: items)
        try store.record(runID: "b", items: [])
        #expect(try store.items(runID: "b") == items, "all five, in order, exactly")
        #expect(try store.cachedResponse(requestHash: "h2")?.text == "t2")
        #expect(try store.cachedResponse(requestHash: "h4") == nil, "failed responses are not reused")
        #expect(try store.cachedResponse(requestHash: "nope") == nil)
        #expect(throws: StoreError.self) { try store.record(runID: "nope", items: items) }
        #expect(try store.items(runID: "b").count == 5)
    }
}
