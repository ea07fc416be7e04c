import Foundation
import MizanCore

/// The SQL flow both stores share — migrations, inserting runs, items and scores, upserts, shard reports and
/// listings — written once over a `SQLConnection` and rendered by a `SQLDialect`. `SQLiteStore` and `PostgresStore`
/// are subclasses that keep only what is their own: how they connect, SQLite's bulk-write checkpoints, response-cache
/// table and streaming reads, PostgreSQL's TLS check and advisory-lock shard leases.
public class SQLResultStore: ResultStore, @unchecked Sendable {
    // @unchecked Sendable: every use of the connection and of the mutable fields goes through `locked`.
    /// The connection (used only inside `locked` once `init` returns).
    let db: any SQLConnection
    /// The SQL dialect of `db`.
    let dialect: any SQLDialect
    /// Where the store is, for messages (a path, or a URL without password).
    let place: String
    private let lock = Locked()
    /// The next storage sequence number per run, when the dialect has no server-side sequence.
    private var seqs: [String: Int] = [:]
    /// The statements run per item, rendered once.
    private let insertResponseSQL: String, insertScoreSQL: String
    /// True when an item (response and scores) is one statement, atomic without a transaction.
    private let oneStatementPerItem: Bool

    /// The `responses` columns an item insert writes, in parameter order.
    private static let responseColumns = [
        "run_id", "item_id", "sample", "seq", "lang", "request_hash", "prompt", "output", "http_status", "latency", "ttft",
        "prompt_tokens", "completion_tokens", "finish_reason", "error_kind", "error_message", "raw_body", "refs", "choices",
        "answer_index", "fields", "attempts", "reused", "reused_from",
    ]
    private static let scoreColumns = ["run_id", "item_id", "sample", "metric", "metric_version", "value", "details", "error"]
    private static let shardColumns = ["run_id", "shard", "shard_count", "item_count", "status", "host", "started_at", "finished_at"]
    private static let runColumnList = StoreRows.runColumns.components(separatedBy: ", ")

    /// Wraps `connection` and applies the pending steps of `migrations` (this backend's rendering of `StoreSchema`).
    init(connection: any SQLConnection, dialect: any SQLDialect, place: String, migrations: [String]) throws {
        db = connection
        self.dialect = dialect
        self.place = place
        let values = Self.responseColumns.map { $0 == "seq" ? dialect.sequenceExpression ?? "?" : "?" }
        let response = dialect.insert(into: "responses", columns: Self.responseColumns, values: values,
                                      key: ["run_id", "item_id", "sample"], onConflict: .replace)
        oneStatementPerItem = dialect.scoreArrayUpsert(first: 1) != nil
        if let scores = dialect.scoreArrayUpsert(first: values.filter { $0 == "?" }.count + 1) {
            // One statement per item: the response upsert as a data-modifying CTE, the scores from arrays.
            insertResponseSQL = "WITH response AS (\(dialect.placeholders(response)) RETURNING 1)\n" + scores
        } else {
            insertResponseSQL = dialect.placeholders(response)
        }
        insertScoreSQL = dialect.placeholders(dialect.insert(into: "scores", columns: Self.scoreColumns,
                                                             values: Self.scoreColumns.map { _ in "?" },
                                                             key: ["run_id", "item_id", "sample", "metric"], onConflict: .replace))
        try migrate(migrations)
    }

    /// Applies the steps after the store's recorded version, in one transaction; refuses a store newer than `steps`.
    private func migrate(_ steps: [String]) throws {
        try db.transaction {
            if let lock = dialect.migrationLock { try db.query(lock, []) }
            try db.execute(dialect.types(StoreSchema.versionTable))
            let current = try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [])[0][0].int ?? 0
            guard current <= steps.count else {
                throw StoreError(.schemaTooNew, dialect.backend,
                                 "the \(dialect.backend.rawValue) store '\(place)' has schema version \(current), newer than "
                                     + "this mizan (\(steps.count))", remedy: "upgrade mizan")
            }
            for (i, sql) in steps.enumerated() where i + 1 > current {
                try db.execute(sql)
                try db.query(dialect.placeholders("INSERT INTO schema_migrations(version, applied_at) VALUES(?, ?)"),
                             [.int(i + 1), .text(isoNow())])
            }
        }
    }

    /// Runs `body` holding the store's lock (one statement sequence on the connection at a time).
    @discardableResult
    func locked<R>(_ body: () throws -> R) rethrows -> R {
        try lock.withLock(body)
    }

    /// `sql` (with `?` placeholders) in this dialect, run with `params`.
    @discardableResult
    func query(_ sql: String, _ params: [SQLValue] = []) throws -> [[SQLValue]] {
        try db.query(dialect.placeholders(sql), params)
    }

    /// The schema version after migrations.
    public func schemaVersion() throws -> Int {
        try locked { try query("SELECT MAX(version) FROM schema_migrations")[0][0].int ?? 0 }
    }

    // MARK: Runs

    private func runParams(_ run: RunRecord) -> [SQLValue] {
        [.text(run.id), .text(run.suiteID), .text(run.suiteVersion), .text(run.suiteHash), .text(run.endpoint), .text(run.model),
         .text(run.status.rawValue), .text(run.startedAt), run.finishedAt.sql, .int(run.itemCount), .text(run.manifest.canonicalJSON)]
    }

    private func placeholders(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ",") }

    public func createRun(_ run: RunRecord) throws {
        try locked {
            try query("INSERT INTO runs(\(StoreRows.runColumns)) VALUES(\(placeholders(Self.runColumnList.count)))", runParams(run))
        }
    }

    public func createRunIfAbsent(_ run: RunRecord) throws -> Bool {
        let sql = dialect.insert(into: "runs", columns: Self.runColumnList, values: Self.runColumnList.map { _ in "?" }, key: ["id"],
                                 onConflict: .ignore)
        return try locked { try db.changedRows(dialect.placeholders(sql), runParams(run)) == 1 }
    }

    public func updateManifest(runID: String, manifest: JSONValue) throws {
        try locked {
            let changed = try db.changedRows(dialect.placeholders("UPDATE runs SET manifest = ? WHERE id = ?"),
                                             [.text(manifest.canonicalJSON), .text(runID)])
            guard changed == 1 else { throw StoreError(.notFound, dialect.backend, "no run '\(runID)' in store '\(place)' to update") }
        }
    }

    public func setStatus(runID: String, status: RunStatus) throws {
        try locked { try query("UPDATE runs SET status = ?, finished_at = NULL WHERE id = ?", [.text(status.rawValue), .text(runID)]) }
    }

    public func finishRun(id: String, status: RunStatus, finishedAt: String) throws {
        try locked {
            try query("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", [.text(status.rawValue), .text(finishedAt), .text(id)])
        }
    }

    public func runs() throws -> [RunRecord] {
        let c = dialect.binaryOrder
        return try locked {
            try query("SELECT \(StoreRows.runColumns) FROM runs ORDER BY started_at\(c) DESC, id\(c) DESC").map(StoreRows.runRecord)
        }
    }

    public func run(matching id: String) throws -> RunRecord {
        let rows = try locked {
            try query("SELECT \(StoreRows.runColumns) FROM runs WHERE \(dialect.idStartsWithFirstParameter) ORDER BY id\(dialect.binaryOrder)",
                      [.text(id)])
        }
        if let exact = rows.first(where: { $0[0].text == id }) { return StoreRows.runRecord(exact) }
        guard rows.count == 1 else {
            // A usage error: the user named the run.
            throw UsageError(rows.isEmpty
                ? "no run '\(id)' in store '\(place)'; list runs with `\(CLICommand.runs) \(CLIFlag.store) \(place)`"
                : "run id '\(id)' is ambiguous (\(rows.count) runs start with it); give more characters")
        }
        return StoreRows.runRecord(rows[0])
    }

    // MARK: Shards

    public func reportShard(_ shard: ShardRecord) throws {
        let upsert = dialect.insert(into: "run_shards", columns: Self.shardColumns, values: Self.shardColumns.map { _ in "?" },
                                    key: ["run_id", "shard"], onConflict: .replace)
        try locked {
            try db.transaction {
                if let lock = dialect.runRowLock { try db.query(lock, [.text(shard.runID)]) }
                try query(upsert, [.text(shard.runID), .int(shard.index), .int(shard.count), .int(shard.itemCount),
                                   .text(shard.status.rawValue), .text(shard.host), .text(shard.startedAt), shard.finishedAt.sql])
                let all = try shardRows(shard.runID)
                let status = ShardRecord.runStatus(all, count: shard.count)
                let finished = status == .running ? nil : all.compactMap(\.finishedAt).max()
                try query("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", [.text(status.rawValue), finished.sql, .text(shard.runID)])
            }
        }
    }

    public func shards(runID: String) throws -> [ShardRecord] {
        try locked { try shardRows(runID) }
    }

    private func shardRows(_ runID: String) throws -> [ShardRecord] {
        try query("""
            SELECT shard, shard_count, item_count, status, host, started_at, finished_at FROM run_shards WHERE run_id = ? ORDER BY shard
            """, [.text(runID)]).map {
            ShardRecord(runID: runID, index: $0[0].int ?? 0, count: $0[1].int ?? 0, itemCount: $0[2].int ?? 0, status: RunStatus(stored: $0[3].text ?? ""),
                        host: $0[4].text ?? "", startedAt: $0[5].text ?? "", finishedAt: $0[6].text)
        }
    }

    // MARK: Items and scores

    /// Stores the response and its scores atomically: in one statement when the dialect writes scores as arrays,
    /// else in one transaction.
    public func record(runID: String, item: ItemRecord) throws {
        try locked {
            if oneStatementPerItem { try insert(runID: runID, item: item) } else { try db.transaction { try insert(runID: runID, item: item) } }
        }
    }

    /// Stores several finished items in one transaction (group commit); see `SQLDialect.ordersBatches` for their order.
    public func record(runID: String, items: [ItemRecord]) throws {
        guard !items.isEmpty else { return }
        if items.count == 1 { return try record(runID: runID, item: items[0]) }
        let ordered = dialect.ordersBatches ? items.sorted { ($0.itemID, $0.sample) < ($1.itemID, $1.sample) } : items
        try locked { try db.transaction { for item in ordered { try insert(runID: runID, item: item) } } }
    }

    private func insert(runID: String, item: ItemRecord) throws {
        let r = item.response
        var params: [SQLValue] = [
            .text(runID), .text(item.itemID), .int(item.sample), .text(item.language), .text(item.requestHash), .text(item.prompt),
            r.text.sql, .int(r.httpStatus), .double(r.latency), r.timeToFirstToken.sql, r.usage.promptTokens.sql,
            r.usage.completionTokens.sql, r.finishReason.sql, (r.failure?.kind.rawValue).sql,
            (r.failure?.message).sql, r.failure == nil ? .null : r.rawBody.map { String($0.prefix(4096)) }.sql,
            .text(JSONValue.array(item.references.map { .string($0) }).canonicalJSON),
            item.choices.map { JSONValue.array($0.map { .string($0) }).canonicalJSON }.sql,
            item.answerIndex.sql, .text(JSONValue.object(item.fields).canonicalJSON), .int(r.attempts),
            .int(r.reused ? 1 : 0), r.reusedFrom.sql,
        ]
        if dialect.sequenceExpression == nil { params.insert(.int(try nextSeq(runID)), at: 3) }
        if oneStatementPerItem {
            try db.query(insertResponseSQL, params + dialect.scoreArrayParameters(item.scores))
        } else {
            try db.query(insertResponseSQL, params)
            try insertScores(runID: runID, itemID: item.itemID, sample: item.sample, item.scores)
        }
    }

    /// The next storage sequence number of a run (kept in memory after the first look-up).
    private func nextSeq(_ runID: String) throws -> Int {
        if let n = seqs[runID] { seqs[runID] = n + 1; return n }
        let n = try query("SELECT COALESCE(MAX(seq), -1) + 1 FROM responses WHERE run_id = ?", [.text(runID)])[0][0].int ?? 0
        seqs[runID] = n + 1
        return n
    }

    /// Upserts scores one statement each (dialects without score arrays).
    private func insertScores(runID: String, itemID: String, sample: Int, _ scores: [ScoreRecord]) throws {
        for s in scores {
            try db.query(insertScoreSQL, [.text(runID), .text(itemID), .int(sample), .text(s.metric), .text(s.metricVersion), s.value.sql,
                                          .text(s.details.canonicalJSON), s.error.sql])
        }
    }

    public func replaceScores(runID: String, itemID: String, sample: Int, scores: [ScoreRecord]) throws {
        try locked {
            if let upsert = dialect.scoreArrayUpsert(first: 4) {
                try db.query(upsert, [.text(runID), .text(itemID), .int(sample)] + dialect.scoreArrayParameters(scores))
            } else {
                try db.transaction { try insertScores(runID: runID, itemID: itemID, sample: sample, scores) }
            }
        }
    }

    public func items(runID: String) throws -> [ItemRecord] {
        try locked {
            let scores = StoreRows.scoreRecords(try query("""
                SELECT item_id || '#' || sample, metric, metric_version, value, details, error FROM scores WHERE run_id = ?
                ORDER BY metric\(dialect.binaryOrder)
                """, [.text(runID)]))
            return StoreRows.itemRecords(try query("SELECT \(StoreRows.itemColumns) FROM responses WHERE run_id = ? ORDER BY seq",
                                                   [.text(runID)]), scores: scores)
        }
    }

    public func storedSamples(runID: String) throws -> [StoredSample] {
        try locked {
            try query("SELECT item_id, sample, error_kind IS NOT NULL, reused FROM responses WHERE run_id = ?", [.text(runID)]).map {
                StoredSample(itemID: $0[0].text ?? "", sample: $0[1].int ?? 0, failed: $0[2].int == 1, reused: $0[3].int == 1)
            }
        }
    }

    // MARK: Overridden where a backend does better

    /// Read through `items(runID:)` (holds them all); SQLite streams instead.
    public func forEachItem(runID: String, _ body: (ItemRecord) throws -> Void) throws {
        for item in try items(runID: runID) { try body(item) }
    }

    /// The first stored successful response to a request with this hash, in any run (a response cache), preferring one
    /// that was sent over one that was itself reused (see `StoreRows.cachedResponse` for what it carries); found through
    /// the `request_hash` index. SQLite looks up its `response_cache` table instead.
    public func cachedResponse(requestHash: String) throws -> ModelResponse? {
        try locked {
            try query("""
                SELECT \(StoreRows.cacheColumns()) FROM responses
                WHERE request_hash = ? AND error_kind IS NULL AND output IS NOT NULL ORDER BY reused, seq LIMIT 1
                """, [.text(requestHash)]).first.map(StoreRows.cachedResponse)
        }
    }

    /// Nothing to do (SQLite moves its checkpoints off the commit path).
    public func beginBulkWrites() {}

    /// Nothing to do.
    public func endBulkWrites() {}

    /// Always granted (each backend overrides it with its lease mechanism, see `ShardLease`).
    public func tryLeaseShard(runID: String, shard: Int) throws -> ShardLease? { .unshared() }
}
