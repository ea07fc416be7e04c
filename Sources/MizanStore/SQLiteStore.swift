import Foundation
import MizanCore

/// The default store: one SQLite file (WAL mode; each item committed as it finishes).
public final class SQLiteStore: ResultStore, @unchecked Sendable {
    // @unchecked Sendable: every use of the connection and of the mutable fields goes through `locked`.
    private let db: SQLiteDatabase
    private let lock = Locked()
    private var seqs: [String: Int] = [:]
    /// Takes the checkpoints between `beginBulkWrites` and `endBulkWrites`.
    private var checkpointer: SQLiteCheckpointer?
    /// True between `beginBulkWrites` and `endBulkWrites`: look-ups do not index new responses.
    private var bulk = false
    /// Path of the database file.
    public let path: String

    /// The schema, one entry per migration; applied in order, never edited once released.
    public static let migrations: [String] = [
        """
        CREATE TABLE runs(
            id TEXT PRIMARY KEY, suite_id TEXT NOT NULL, suite_version TEXT NOT NULL, suite_hash TEXT NOT NULL,
            endpoint TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL,
            finished_at TEXT, item_count INTEGER NOT NULL, manifest TEXT NOT NULL);
        CREATE TABLE responses(
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, item_id TEXT NOT NULL, seq INTEGER NOT NULL,
            lang TEXT NOT NULL, request_hash TEXT NOT NULL, prompt TEXT NOT NULL, output TEXT,
            http_status INTEGER NOT NULL, latency REAL NOT NULL, ttft REAL, prompt_tokens INTEGER,
            completion_tokens INTEGER, finish_reason TEXT, error_kind TEXT, error_message TEXT, raw_body TEXT,
            refs TEXT NOT NULL, choices TEXT, answer_index INTEGER, fields TEXT NOT NULL,
            PRIMARY KEY(run_id, item_id));
        CREATE TABLE scores(
            run_id TEXT NOT NULL, item_id TEXT NOT NULL, metric TEXT NOT NULL, metric_version TEXT NOT NULL,
            value REAL, details TEXT NOT NULL, error TEXT,
            PRIMARY KEY(run_id, item_id, metric),
            FOREIGN KEY(run_id, item_id) REFERENCES responses(run_id, item_id) ON DELETE CASCADE);
        CREATE INDEX responses_request_hash ON responses(request_hash);
        """,
        "ALTER TABLE responses ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;",
        // 3: several samples per item. Scores move first (their foreign key pointed at responses),
        // then responses get `sample` in their primary key.
        """
        CREATE TABLE scores_v3(
            run_id TEXT NOT NULL, item_id TEXT NOT NULL, sample INTEGER NOT NULL DEFAULT 0, metric TEXT NOT NULL,
            metric_version TEXT NOT NULL, value REAL, details TEXT NOT NULL, error TEXT,
            PRIMARY KEY(run_id, item_id, sample, metric));
        INSERT INTO scores_v3(run_id, item_id, sample, metric, metric_version, value, details, error)
            SELECT run_id, item_id, 0, metric, metric_version, value, details, error FROM scores;
        DROP TABLE scores;
        CREATE TABLE responses_v3(
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, item_id TEXT NOT NULL, sample INTEGER NOT NULL DEFAULT 0,
            seq INTEGER NOT NULL, lang TEXT NOT NULL, request_hash TEXT NOT NULL, prompt TEXT NOT NULL, output TEXT,
            http_status INTEGER NOT NULL, latency REAL NOT NULL, ttft REAL, prompt_tokens INTEGER,
            completion_tokens INTEGER, finish_reason TEXT, error_kind TEXT, error_message TEXT, raw_body TEXT,
            refs TEXT NOT NULL, choices TEXT, answer_index INTEGER, fields TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY(run_id, item_id, sample));
        INSERT INTO responses_v3 SELECT run_id, item_id, 0, seq, lang, request_hash, prompt, output, http_status, latency, ttft,
            prompt_tokens, completion_tokens, finish_reason, error_kind, error_message, raw_body, refs, choices, answer_index,
            fields, attempts FROM responses;
        DROP TABLE responses;
        ALTER TABLE responses_v3 RENAME TO responses;
        ALTER TABLE scores_v3 RENAME TO scores;
        CREATE INDEX responses_request_hash ON responses(request_hash);
        """,
        // 4: shard reports of sharded runs (`mizan run --shard i/n`).
        """
        CREATE TABLE run_shards(
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, shard INTEGER NOT NULL, shard_count INTEGER NOT NULL,
            item_count INTEGER NOT NULL, status TEXT NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
            PRIMARY KEY(run_id, shard));
        """,
        // 5: the response cache's look-up table, filled after each run instead of on every insert
        // (see `catchUpResponseCache`): an index on the random request hashes dirtied one page per
        // item per commit and was 70% of the bytes a run wrote.
        """
        DROP INDEX responses_request_hash;
        CREATE TABLE response_cache(
            request_hash TEXT NOT NULL, response_rowid INTEGER NOT NULL, PRIMARY KEY(request_hash, response_rowid)) WITHOUT ROWID;
        CREATE TABLE response_cache_state(indexed_upto INTEGER NOT NULL);
        INSERT INTO response_cache_state VALUES(0);
        """,
        // 6: whether an item's answer was reused from the response cache, and from which run. Before, a reused
        // answer was stored with attempts 0 (nothing else stores 0) and a copy of the original run's latency and
        // TTFT: such rows become reused with an unknown origin, and lose the copied measurements, which belong to
        // the run that made the request.
        """
        ALTER TABLE responses ADD COLUMN reused INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE responses ADD COLUMN reused_from TEXT;
        UPDATE responses SET reused = 1, latency = 0, ttft = NULL WHERE attempts = 0;
        """,
    ]

    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    public init(path: String) throws {
        self.path = path
        db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        try db.transaction {
            let current = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0].int ?? 0
            guard current <= Self.migrations.count else {
                throw StoreError("store '\(path)' has schema version \(current), newer than this mizan (\(Self.migrations.count)); upgrade mizan")
            }
            for (i, sql) in Self.migrations.enumerated() where i + 1 > current {
                try db.execute(sql)
                try db.query("INSERT INTO schema_migrations(version, applied_at) VALUES(?, ?)", [.int(i + 1), .text(isoNow())])
            }
        }
    }

    /// The schema version after migrations.
    public func schemaVersion() throws -> Int {
        try locked { try db.query("SELECT MAX(version) FROM schema_migrations")[0][0].int ?? 0 }
    }

    /// Moves WAL checkpoints to a background thread until `endBulkWrites` (see `SQLiteCheckpointer`).
    public func beginBulkWrites() {
        locked {
            try? catchUpResponseCache()
            bulk = true
            guard checkpointer == nil, let c = try? SQLiteCheckpointer(path: path) else { return }
            checkpointer = c
            db.delegateCheckpoints(to: c)
        }
    }

    /// Back to SQLite's automatic checkpoints; stops the background thread.
    public func endBulkWrites() {
        let c: SQLiteCheckpointer? = locked {
            bulk = false
            try? catchUpResponseCache()
            defer { checkpointer = nil }
            if checkpointer != nil { db.delegateCheckpoints(to: nil) }
            return checkpointer
        }
        c?.stop()
    }

    @discardableResult
    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        try lock.withLock(body)
    }

    public func createRun(_ run: RunRecord) throws {
        try insertRun(run, orIgnore: false)
    }

    public func createRunIfAbsent(_ run: RunRecord) throws -> Bool {
        try insertRun(run, orIgnore: true)
    }

    @discardableResult
    private func insertRun(_ run: RunRecord, orIgnore: Bool) throws -> Bool {
        try locked {
            try db.query("""
                INSERT \(orIgnore ? "OR IGNORE " : "")INTO runs(id, suite_id, suite_version, suite_hash, endpoint, model, status, started_at, finished_at, item_count, manifest)
                VALUES(?,?,?,?,?,?,?,?,?,?,?)
                """, [.text(run.id), .text(run.suiteID), .text(run.suiteVersion), .text(run.suiteHash), .text(run.endpoint),
                      .text(run.model), .text(run.status.rawValue), .text(run.startedAt), run.finishedAt.sql, .int(run.itemCount),
                      .text(run.manifest.canonicalJSON)])
            return try db.query("SELECT changes()")[0][0].int == 1
        }
    }

    public func reportShard(_ shard: ShardRecord) throws {
        try locked {
            try db.transaction {
                try db.query("""
                    INSERT OR REPLACE INTO run_shards(run_id, shard, shard_count, item_count, status, host, started_at, finished_at)
                    VALUES(?,?,?,?,?,?,?,?)
                    """, [.text(shard.runID), .int(shard.index), .int(shard.count), .int(shard.itemCount), .text(shard.status.rawValue),
                          .text(shard.host), .text(shard.startedAt), shard.finishedAt.sql])
                let all = try shardRows(shard.runID)
                let status = ShardRecord.runStatus(all, count: shard.count)
                let finished = status == .running ? nil : all.compactMap(\.finishedAt).max()
                try db.query("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", [.text(status.rawValue), finished.sql, .text(shard.runID)])
            }
        }
    }

    public func shards(runID: String) throws -> [ShardRecord] {
        try locked { try shardRows(runID) }
    }

    private func shardRows(_ runID: String) throws -> [ShardRecord] {
        try db.query("""
            SELECT shard, shard_count, item_count, status, host, started_at, finished_at FROM run_shards WHERE run_id = ? ORDER BY shard
            """, [.text(runID)]).map {
            ShardRecord(runID: runID, index: $0[0].int ?? 0, count: $0[1].int ?? 0, itemCount: $0[2].int ?? 0, status: RunStatus(stored: $0[3].text ?? ""),
                        host: $0[4].text ?? "", startedAt: $0[5].text ?? "", finishedAt: $0[6].text)
        }
    }

    public func record(runID: String, item: ItemRecord) throws {
        try locked { try db.transaction { try insert(runID: runID, item: item) } }
    }

    /// All items in one transaction: a group commit of items that finished together.
    public func record(runID: String, items: [ItemRecord]) throws {
        guard !items.isEmpty else { return }
        try locked { try db.transaction { for item in items { try insert(runID: runID, item: item) } } }
    }

    private func insert(runID: String, item: ItemRecord) throws {
        let r = item.response
        let seq = try nextSeq(runID)
        try db.query("""
            INSERT OR REPLACE INTO responses(run_id, item_id, sample, seq, lang, request_hash, prompt, output, http_status, latency, ttft,
                prompt_tokens, completion_tokens, finish_reason, error_kind, error_message, raw_body,
                refs, choices, answer_index, fields, attempts, reused, reused_from)
            VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, [.text(runID), .text(item.itemID), .int(item.sample), .int(seq), .text(item.language), .text(item.requestHash), .text(item.prompt),
                  r.text.sql, .int(r.httpStatus), .double(r.latency), r.timeToFirstToken.sql, r.usage.promptTokens.sql,
                  r.usage.completionTokens.sql, r.finishReason.sql, (r.failure?.kind.rawValue).sql,
                  (r.failure?.message).sql, r.failure == nil ? .null : r.rawBody.map { String($0.prefix(4096)) }.sql,
                  .text(JSONValue.array(item.references.map { .string($0) }).canonicalJSON),
                  item.choices.map { JSONValue.array($0.map { .string($0) }).canonicalJSON }.sql,
                  item.answerIndex.sql, .text(JSONValue.object(item.fields).canonicalJSON), .int(r.attempts),
                  .int(r.reused ? 1 : 0), r.reusedFrom.sql])
        try insertScores(runID: runID, itemID: item.itemID, sample: item.sample, item.scores)
    }

    /// The next storage sequence number of a run (kept in memory after the first look-up).
    private func nextSeq(_ runID: String) throws -> Int {
        if let n = seqs[runID] { seqs[runID] = n + 1; return n }
        let n = try db.query("SELECT COALESCE(MAX(seq), -1) + 1 FROM responses WHERE run_id = ?", [.text(runID)])[0][0].int ?? 0
        seqs[runID] = n + 1
        return n
    }

    private func insertScores(runID: String, itemID: String, sample: Int, _ scores: [ScoreRecord]) throws {
        for s in scores {
            try db.query("INSERT OR REPLACE INTO scores(run_id, item_id, sample, metric, metric_version, value, details, error) VALUES(?,?,?,?,?,?,?,?)",
                         [.text(runID), .text(itemID), .int(sample), .text(s.metric), .text(s.metricVersion), s.value.sql,
                          .text(s.details.canonicalJSON), s.error.sql])
        }
    }

    public func replaceScores(runID: String, itemID: String, sample: Int, scores: [ScoreRecord]) throws {
        try locked {
            try db.transaction {
                for s in scores {
                    try db.query("DELETE FROM scores WHERE run_id = ? AND item_id = ? AND sample = ? AND metric = ?",
                                 [.text(runID), .text(itemID), .int(sample), .text(s.metric)])
                }
                try insertScores(runID: runID, itemID: itemID, sample: sample, scores)
            }
        }
    }

    public func updateManifest(runID: String, manifest: JSONValue) throws {
        try locked {
            try db.query("UPDATE runs SET manifest = ? WHERE id = ?", [.text(manifest.canonicalJSON), .text(runID)])
            guard try db.query("SELECT changes()")[0][0].int == 1 else {
                throw StoreError("no run '\(runID)' in store '\(path)' to update")
            }
        }
    }

    public func setStatus(runID: String, status: RunStatus) throws {
        try locked { try db.query("UPDATE runs SET status = ?, finished_at = NULL WHERE id = ?", [.text(status.rawValue), .text(runID)]) }
    }

    public func finishRun(id: String, status: RunStatus, finishedAt: String) throws {
        try locked {
            try db.query("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", [.text(status.rawValue), .text(finishedAt), .text(id)])
        }
    }

    public func runs() throws -> [RunRecord] {
        try locked { try db.query("SELECT \(StoreRows.runColumns) FROM runs ORDER BY started_at DESC, id DESC").map(StoreRows.runRecord) }
    }

    public func run(matching id: String) throws -> RunRecord {
        let rows = try locked {
            try db.query("SELECT \(StoreRows.runColumns) FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id", [.text(id)])
        }
        if let exact = rows.first(where: { $0[0].text == id }) { return StoreRows.runRecord(exact) }
        guard rows.count == 1 else {
            throw UsageError(rows.isEmpty
                ? "no run '\(id)' in store '\(path)'; list runs with `mizan runs --store \(path)`"
                : "run id '\(id)' is ambiguous (\(rows.count) runs start with it); give more characters")
        }
        return StoreRows.runRecord(rows[0])
    }

    public func items(runID: String) throws -> [ItemRecord] {
        try locked {
            let scores = StoreRows.scoreRecords(try db.query(
                "SELECT item_id || '#' || sample, metric, metric_version, value, details, error FROM scores WHERE run_id = ? ORDER BY metric",
                [.text(runID)]))
            return StoreRows.itemRecords(try db.query("SELECT \(StoreRows.itemColumns) FROM responses WHERE run_id = ? ORDER BY seq",
                                                      [.text(runID)]), scores: scores)
        }
    }

    /// Streams the run's items in (item id, sample) order, each with its scores, through one query.
    public func forEachItem(runID: String, _ body: (ItemRecord) throws -> Void) throws {
        try locked {
            var current: ItemRecord?
            var key: (String, Int) = ("", -1)
            try db.forEachRow("""
                SELECT \(StoreRows.qualifiedItemColumns), s.metric, s.metric_version, s.value, s.details, s.error
                FROM responses r LEFT JOIN scores s ON s.run_id = r.run_id AND s.item_id = r.item_id AND s.sample = r.sample
                WHERE r.run_id = ? ORDER BY r.item_id, r.sample, s.metric
                """, [.text(runID)]) { row in
                let rowKey = (row[0].text ?? "", row[19].int ?? 0)
                let scoreAt = StoreRows.itemColumnCount
                if rowKey != key {
                    if let done = current { try body(done) }
                    current = StoreRows.itemRecord(row, scores: [])
                    key = rowKey
                }
                if row[scoreAt] != .null { current?.scores.append(StoreRows.scoreRecord(row, from: scoreAt)) }
            }
            if let done = current { try body(done) }
        }
    }

    public func storedSamples(runID: String) throws -> [StoredSample] {
        try locked {
            try db.query("SELECT item_id, sample, error_kind IS NOT NULL, reused FROM responses WHERE run_id = ?", [.text(runID)]).map {
                StoredSample(itemID: $0[0].text ?? "", sample: $0[1].int ?? 0, failed: $0[2].int == 1, reused: $0[3].int == 1)
            }
        }
    }

    /// The first stored successful response with this request hash, through `response_cache`, preferring one
    /// that was sent over one that was itself reused (see `StoreRows.cachedResponse` for what it carries).
    /// Responses stored since the last run ended are indexed first, except while a run writes:
    /// then only earlier runs' responses are found (identical requests within one run are sent).
    public func cachedResponse(requestHash: String) throws -> ModelResponse? {
        try locked {
            if !bulk { try catchUpResponseCache() }
            return try db.query("""
                SELECT \(StoreRows.cacheColumns("r."))
                FROM response_cache c JOIN responses r ON r.rowid = c.response_rowid
                WHERE c.request_hash = ? AND r.error_kind IS NULL AND r.output IS NOT NULL ORDER BY r.reused, c.response_rowid LIMIT 1
                """, [.text(requestHash)]).first.map(StoreRows.cachedResponse)
        }
    }

    /// Adds the successful responses stored since the last call (any process) to `response_cache`,
    /// in hash order, in one transaction: each page of the look-up table is written once per run
    /// instead of once per item. Rows are found by rowid, which only grows as rows are appended;
    /// a replaced row can come back under an already-indexed rowid and then is simply not reused
    /// (a cache miss sends the request again; it never returns a wrong response, because the
    /// look-up joins on the stored row and checks it). Caller holds the lock.
    private func catchUpResponseCache() throws {
        let upto = try db.query("SELECT indexed_upto FROM response_cache_state")[0][0].int ?? 0
        let last = try db.query("SELECT COALESCE(MAX(rowid), 0) FROM responses")[0][0].int ?? 0
        guard last > upto else { return }
        // The hash-order sort holds up to a page cache's worth of rows in memory: 2 MiB here, then
        // it spills to a temporary file, instead of 16 MiB on top of the cache at the end of a run.
        try db.execute("PRAGMA cache_size=-2048")
        defer { try? db.execute("PRAGMA cache_size=-\(SQLiteDatabase.defaultCacheKiB)") }
        try db.transaction {
            // Read again under the write lock: another process may have caught up meanwhile.
            let from = try db.query("SELECT indexed_upto FROM response_cache_state")[0][0].int ?? 0
            try db.query("""
                INSERT OR IGNORE INTO response_cache(request_hash, response_rowid)
                SELECT request_hash, rowid FROM responses WHERE rowid > ? AND error_kind IS NULL AND output IS NOT NULL
                ORDER BY request_hash
                """, [.int(from)])
            try db.query("UPDATE response_cache_state SET indexed_upto = (SELECT COALESCE(MAX(rowid), 0) FROM responses)")
        }
    }
}
