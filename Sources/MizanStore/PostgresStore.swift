import Foundation
import MizanCore

/// The shared store: a PostgreSQL database reached through libpq, with the same tables and columns as
/// `SQLiteStore` (JSON kept as text, so manifests and details read back byte for byte). One connection per
/// store object, guarded by a lock; each finished item is one transaction, so several processes on several
/// machines can write the same run at once.
public final class PostgresStore: ResultStore, @unchecked Sendable {
    // @unchecked Sendable: the libpq connection is used only inside `locked`.
    private let db: PostgresConnection
    private let lock = Locked()
    /// Where the store is (no password in it).
    public let location: PostgresLocation

    /// The schema, one entry per migration, numbered like `SQLiteStore.migrations` and giving the same tables.
    public static let migrations: [String] = [
        """
        CREATE TABLE runs(
            id TEXT PRIMARY KEY, suite_id TEXT NOT NULL, suite_version TEXT NOT NULL, suite_hash TEXT NOT NULL,
            endpoint TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL,
            finished_at TEXT, item_count BIGINT NOT NULL, manifest TEXT NOT NULL);
        CREATE SEQUENCE responses_seq;
        CREATE TABLE responses(
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, item_id TEXT NOT NULL, seq BIGINT NOT NULL,
            lang TEXT NOT NULL, request_hash TEXT NOT NULL, prompt TEXT NOT NULL, output TEXT,
            http_status BIGINT NOT NULL, latency DOUBLE PRECISION NOT NULL, ttft DOUBLE PRECISION, prompt_tokens BIGINT,
            completion_tokens BIGINT, finish_reason TEXT, error_kind TEXT, error_message TEXT, raw_body TEXT,
            refs TEXT NOT NULL, choices TEXT, answer_index BIGINT, fields TEXT NOT NULL,
            PRIMARY KEY(run_id, item_id));
        CREATE TABLE scores(
            run_id TEXT NOT NULL, item_id TEXT NOT NULL, metric TEXT NOT NULL, metric_version TEXT NOT NULL,
            value DOUBLE PRECISION, details TEXT NOT NULL, error TEXT,
            PRIMARY KEY(run_id, item_id, metric),
            FOREIGN KEY(run_id, item_id) REFERENCES responses(run_id, item_id) ON DELETE CASCADE);
        CREATE INDEX responses_request_hash ON responses(request_hash);
        """,
        "ALTER TABLE responses ADD COLUMN attempts BIGINT NOT NULL DEFAULT 1;",
        """
        ALTER TABLE scores DROP CONSTRAINT scores_run_id_item_id_fkey;
        ALTER TABLE scores ADD COLUMN sample BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE scores DROP CONSTRAINT scores_pkey, ADD PRIMARY KEY(run_id, item_id, sample, metric);
        ALTER TABLE responses ADD COLUMN sample BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE responses DROP CONSTRAINT responses_pkey, ADD PRIMARY KEY(run_id, item_id, sample);
        """,
        """
        CREATE TABLE run_shards(
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, shard BIGINT NOT NULL, shard_count BIGINT NOT NULL,
            item_count BIGINT NOT NULL, status TEXT NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
            PRIMARY KEY(run_id, shard));
        """,
        // 5: SQLite moved its request-hash look-up into a table filled after each run; PostgreSQL
        // keeps its index (its writes are row by row, not whole pages per commit): nothing to do.
        "SELECT 1;",
        // 6: as SQLite's 6 — reused answers are marked, with their origin run; old ones (attempts 0) lose the
        // latency and TTFT copied from the original run.
        """
        ALTER TABLE responses ADD COLUMN reused BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE responses ADD COLUMN reused_from TEXT;
        UPDATE responses SET reused = 1, latency = 0, ttft = NULL WHERE attempts = 0;
        """,
    ]

    /// Connects and applies pending migrations (under an advisory lock, so processes starting together
    /// against a fresh database migrate it once).
    public init(_ location: PostgresLocation) throws {
        self.location = location
        db = try PostgresConnection(location)
        try db.transaction {
            try db.query("SELECT pg_advisory_xact_lock(7126153001)")
            try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations(version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")
            let current = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0].int ?? 0
            guard current <= Self.migrations.count else {
                throw StoreError("store '\(location)' has schema version \(current), newer than this mizan (\(Self.migrations.count)); upgrade mizan")
            }
            for (i, sql) in Self.migrations.enumerated() where i + 1 > current {
                try db.execute(sql)
                try db.query("INSERT INTO schema_migrations(version, applied_at) VALUES($1, $2)", [.int(i + 1), .text(isoNow())])
            }
        }
    }

    /// The schema version after migrations.
    public func schemaVersion() throws -> Int {
        try locked { try db.query("SELECT MAX(version) FROM schema_migrations")[0][0].int ?? 0 }
    }

    /// Whether the connection is encrypted (TLS), as the server sees it.
    public func usesTLS() throws -> Bool {
        try locked { try db.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?[0].int == 1 }
    }

    @discardableResult
    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        try lock.withLock(body)
    }

    private static let insertRun = """
        INSERT INTO runs(id, suite_id, suite_version, suite_hash, endpoint, model, status, started_at, finished_at, item_count, manifest)
        VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
        """

    private func runParams(_ run: RunRecord) -> [SQLValue] {
        [.text(run.id), .text(run.suiteID), .text(run.suiteVersion), .text(run.suiteHash), .text(run.endpoint), .text(run.model),
         .text(run.status.rawValue), .text(run.startedAt), run.finishedAt.sql, .int(run.itemCount), .text(run.manifest.canonicalJSON)]
    }

    public func createRun(_ run: RunRecord) throws {
        try locked { try db.query(Self.insertRun, runParams(run)) }
    }

    public func createRunIfAbsent(_ run: RunRecord) throws -> Bool {
        try locked { !(try db.query(Self.insertRun + " ON CONFLICT (id) DO NOTHING RETURNING id", runParams(run)).isEmpty) }
    }

    /// Stores the response and its scores in one statement (atomic by itself, one round trip per item):
    /// the response upsert runs as a data-modifying CTE, the scores come as parallel arrays.
    public func record(runID: String, item: ItemRecord) throws {
        try locked { try insert(runID: runID, item: item) }
    }

    /// Stores several finished items in one transaction (group commit), in (item id, sample) order: two
    /// processes writing the same items (the same shard twice, a run resumed twice) then take their row locks
    /// in the same order and cannot deadlock, whatever order their items finished in.
    public func record(runID: String, items: [ItemRecord]) throws {
        try locked {
            if items.count == 1 { return try insert(runID: runID, item: items[0]) }
            let ordered = items.sorted { ($0.itemID, $0.sample) < ($1.itemID, $1.sample) }
            if items.count > 1 { try db.transaction { for item in ordered { try insert(runID: runID, item: item) } } }
        }
    }

    /// The first stored successful response to a request with this hash, in any run (a response cache), preferring
    /// one that was sent over one that was itself reused (see `StoreRows.cachedResponse` for what it carries).
    public func cachedResponse(requestHash: String) throws -> ModelResponse? {
        try locked {
            try db.query("""
                SELECT \(StoreRows.cacheColumns()) FROM responses
                WHERE request_hash = $1 AND error_kind IS NULL AND output IS NOT NULL ORDER BY reused, seq LIMIT 1
                """, [.text(requestHash)]).first.map(StoreRows.cachedResponse)
        }
    }

    private func insert(runID: String, item: ItemRecord) throws {
        let r = item.response
        let scores = Self.scoreArrays(item.scores)
        try db.query("""
            WITH response AS (
                INSERT INTO responses(run_id, item_id, sample, seq, lang, request_hash, prompt, output, http_status, latency, ttft,
                    prompt_tokens, completion_tokens, finish_reason, error_kind, error_message, raw_body,
                    refs, choices, answer_index, fields, attempts, reused, reused_from)
                VALUES($1,$2,$3,nextval('responses_seq'),$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)
                ON CONFLICT (run_id, item_id, sample) DO UPDATE SET seq = EXCLUDED.seq, lang = EXCLUDED.lang,
                    request_hash = EXCLUDED.request_hash, prompt = EXCLUDED.prompt, output = EXCLUDED.output,
                    http_status = EXCLUDED.http_status, latency = EXCLUDED.latency, ttft = EXCLUDED.ttft,
                    prompt_tokens = EXCLUDED.prompt_tokens, completion_tokens = EXCLUDED.completion_tokens,
                    finish_reason = EXCLUDED.finish_reason, error_kind = EXCLUDED.error_kind,
                    error_message = EXCLUDED.error_message, raw_body = EXCLUDED.raw_body, refs = EXCLUDED.refs,
                    choices = EXCLUDED.choices, answer_index = EXCLUDED.answer_index, fields = EXCLUDED.fields,
                    attempts = EXCLUDED.attempts, reused = EXCLUDED.reused, reused_from = EXCLUDED.reused_from
                RETURNING 1)
            \(Self.upsertScores(first: 24))
            """, [.text(runID), .text(item.itemID), .int(item.sample), .text(item.language), .text(item.requestHash), .text(item.prompt),
                  r.text.sql, .int(r.httpStatus), .double(r.latency), r.timeToFirstToken.sql, r.usage.promptTokens.sql,
                  r.usage.completionTokens.sql, r.finishReason.sql, (r.failure?.kind.rawValue).sql,
                  (r.failure?.message).sql, r.failure == nil ? .null : r.rawBody.map { String($0.prefix(4096)) }.sql,
                  .text(JSONValue.array(item.references.map { .string($0) }).canonicalJSON),
                  item.choices.map { JSONValue.array($0.map { .string($0) }).canonicalJSON }.sql,
                  item.answerIndex.sql, .text(JSONValue.object(item.fields).canonicalJSON), .int(r.attempts),
                  .int(r.reused ? 1 : 0), r.reusedFrom.sql] + scores)
    }

    /// `INSERT INTO scores … SELECT … FROM unnest(…)` upserting the scores given as five arrays at `$first` …
    /// (run id, item id and sample are `$1`–`$3`).
    private static func upsertScores(first n: Int) -> String {
        """
        INSERT INTO scores(run_id, item_id, sample, metric, metric_version, value, details, error)
        SELECT $1::text, $2::text, $3::bigint, m, v, x, d, e
        FROM unnest($\(n)::text[], $\(n + 1)::text[], $\(n + 2)::float8[], $\(n + 3)::text[], $\(n + 4)::text[]) AS s(m, v, x, d, e)
        ON CONFLICT (run_id, item_id, sample, metric) DO UPDATE SET metric_version = EXCLUDED.metric_version,
            value = EXCLUDED.value, details = EXCLUDED.details, error = EXCLUDED.error
        """
    }

    /// Scores as five PostgreSQL array literals (metric, version, value, details, error); a metric named twice
    /// keeps its last score, as SQLite's `INSERT OR REPLACE` does.
    private static func scoreArrays(_ scores: [ScoreRecord]) -> [SQLValue] {
        var last: [String: Int] = [:]
        for (i, s) in scores.enumerated() { last[s.metric] = i }
        let kept = scores.enumerated().filter { last[$0.element.metric] == $0.offset }.map(\.element)
        let columns: [[String?]] = [kept.map(\.metric), kept.map(\.metricVersion),
                                    kept.map { s in s.value.flatMap { PostgresConnection.text(.double($0)) } },
                                    kept.map(\.details.canonicalJSON), kept.map(\.error)]
        return columns.map { .text(arrayLiteral($0)) }
    }

    /// A PostgreSQL array literal of double-quoted elements (nil is NULL).
    static func arrayLiteral(_ values: [String?]) -> String {
        let elements = values.map { v -> String in
            guard let v else { return "NULL" }
            return "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "{" + elements.joined(separator: ",") + "}"
    }

    public func replaceScores(runID: String, itemID: String, sample: Int, scores: [ScoreRecord]) throws {
        try locked {
            try db.query(Self.upsertScores(first: 4), [.text(runID), .text(itemID), .int(sample)] + Self.scoreArrays(scores))
        }
    }

    public func updateManifest(runID: String, manifest: JSONValue) throws {
        try locked {
            let rows = try db.query("UPDATE runs SET manifest = $1 WHERE id = $2 RETURNING id", [.text(manifest.canonicalJSON), .text(runID)])
            guard rows.count == 1 else { throw StoreError("no run '\(runID)' in store '\(location)' to update") }
        }
    }

    public func setStatus(runID: String, status: RunStatus) throws {
        try locked { try db.query("UPDATE runs SET status = $1, finished_at = NULL WHERE id = $2", [.text(status.rawValue), .text(runID)]) }
    }

    public func finishRun(id: String, status: RunStatus, finishedAt: String) throws {
        try locked {
            try db.query("UPDATE runs SET status = $1, finished_at = $2 WHERE id = $3", [.text(status.rawValue), .text(finishedAt), .text(id)])
        }
    }

    public func reportShard(_ shard: ShardRecord) throws {
        try locked {
            try db.transaction {
                // Lock the run row so shards finishing together compute the run status one after the other.
                try db.query("SELECT id FROM runs WHERE id = $1 FOR UPDATE", [.text(shard.runID)])
                try db.query("""
                    INSERT INTO run_shards(run_id, shard, shard_count, item_count, status, host, started_at, finished_at)
                    VALUES($1,$2,$3,$4,$5,$6,$7,$8)
                    ON CONFLICT (run_id, shard) DO UPDATE SET shard_count = EXCLUDED.shard_count, item_count = EXCLUDED.item_count,
                        status = EXCLUDED.status, host = EXCLUDED.host, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at
                    """, [.text(shard.runID), .int(shard.index), .int(shard.count), .int(shard.itemCount), .text(shard.status.rawValue),
                          .text(shard.host), .text(shard.startedAt), shard.finishedAt.sql])
                let all = try shardRows(shard.runID)
                let status = ShardRecord.runStatus(all, count: shard.count)
                let finished = status == .running ? nil : all.compactMap(\.finishedAt).max()
                try db.query("UPDATE runs SET status = $1, finished_at = $2 WHERE id = $3", [.text(status.rawValue), finished.sql, .text(shard.runID)])
            }
        }
    }

    public func shards(runID: String) throws -> [ShardRecord] {
        try locked { try shardRows(runID) }
    }

    private func shardRows(_ runID: String) throws -> [ShardRecord] {
        try db.query("""
            SELECT shard, shard_count, item_count, status, host, started_at, finished_at FROM run_shards WHERE run_id = $1 ORDER BY shard
            """, [.text(runID)]).map {
            ShardRecord(runID: runID, index: $0[0].int ?? 0, count: $0[1].int ?? 0, itemCount: $0[2].int ?? 0, status: RunStatus(stored: $0[3].text ?? ""),
                        host: $0[4].text ?? "", startedAt: $0[5].text ?? "", finishedAt: $0[6].text)
        }
    }

    public func runs() throws -> [RunRecord] {
        try locked {
            try db.query("SELECT \(StoreRows.runColumns) FROM runs ORDER BY started_at COLLATE \"C\" DESC, id COLLATE \"C\" DESC")
                .map(StoreRows.runRecord)
        }
    }

    public func run(matching id: String) throws -> RunRecord {
        let rows = try locked {
            try db.query("SELECT \(StoreRows.runColumns) FROM runs WHERE starts_with(id, $1) ORDER BY id COLLATE \"C\"", [.text(id)])
        }
        if let exact = rows.first(where: { $0[0].text == id }) { return StoreRows.runRecord(exact) }
        guard rows.count == 1 else {
            throw UsageError(rows.isEmpty
                ? "no run '\(id)' in store '\(location)'; list runs with `mizan runs --store \(location)`"
                : "run id '\(id)' is ambiguous (\(rows.count) runs start with it); give more characters")
        }
        return StoreRows.runRecord(rows[0])
    }

    public func items(runID: String) throws -> [ItemRecord] {
        try locked {
            let scoreRows = try db.query("""
                SELECT item_id || '#' || sample, metric, metric_version, value, details, error FROM scores WHERE run_id = $1
                ORDER BY metric COLLATE "C"
                """, [.text(runID)])
            let rows = try db.query("""
                SELECT \(StoreRows.itemColumns) FROM responses WHERE run_id = $1 ORDER BY seq
                """, [.text(runID)])
            return StoreRows.itemRecords(rows, scores: StoreRows.scoreRecords(scoreRows))
        }
    }
}
