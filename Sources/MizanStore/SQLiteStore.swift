import Foundation
import MizanCore

/// The default store: one SQLite file (WAL mode; each item committed as it finishes). The SQL it shares with
/// PostgreSQL is in `SQLResultStore`; here are SQLite's own parts: background checkpoints during a run, the
/// `response_cache` look-up table, and reading a run's items as a stream.
public final class SQLiteStore: SQLResultStore, @unchecked Sendable {
    // @unchecked Sendable: every use of the connection and of the mutable fields goes through `locked`.
    private let sqlite: SQLiteDatabase
    /// Takes the checkpoints between `beginBulkWrites` and `endBulkWrites`.
    private var checkpointer: SQLiteCheckpointer?
    /// True between `beginBulkWrites` and `endBulkWrites`: look-ups do not index new responses.
    private var bulk = false
    /// Path of the database file.
    public let path: String

    /// The schema, one entry per migration (`StoreSchema` as SQLite runs it); applied in order, never edited once released.
    public static let migrations: [String] = StoreSchema.steps.map(\.sqlite)

    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    public init(path: String) throws {
        self.path = path
        sqlite = try SQLiteDatabase(path: path)
        try super.init(connection: sqlite, dialect: SQLiteDialect(), place: path, migrations: Self.migrations)
    }

    /// Moves WAL checkpoints to a background thread until `endBulkWrites` (see `SQLiteCheckpointer`).
    public override func beginBulkWrites() {
        locked {
            try? catchUpResponseCache()
            bulk = true
            guard checkpointer == nil, let c = try? SQLiteCheckpointer(path: path) else { return }
            checkpointer = c
            sqlite.delegateCheckpoints(to: c)
        }
    }

    /// Back to SQLite's automatic checkpoints; stops the background thread.
    public override func endBulkWrites() {
        let c: SQLiteCheckpointer? = locked {
            bulk = false
            try? catchUpResponseCache()
            defer { checkpointer = nil }
            if checkpointer != nil { sqlite.delegateCheckpoints(to: nil) }
            return checkpointer
        }
        c?.stop()
    }

    /// Locks the shard's byte of `<store>-lease` (see `ShardLease`).
    public override func tryLeaseShard(runID: String, shard: Int) throws -> ShardLease? {
        try ShardLease.lockFile(of: path, runID: runID, shard: shard)
    }

    /// Streams the run's items in (item id, sample) order, each with its scores, through one query.
    public override func forEachItem(runID: String, _ body: (ItemRecord) throws -> Void) throws {
        try locked {
            var current: ItemRecord?
            var key: (String, Int) = ("", -1)
            try sqlite.forEachRow("""
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

    /// The first stored successful response with this request hash, through `response_cache`, preferring one
    /// that was sent over one that was itself reused (see `StoreRows.cachedResponse` for what it carries).
    /// Responses stored since the last run ended are indexed first, except while a run writes:
    /// then only earlier runs' responses are found (identical requests within one run are sent).
    public override func cachedResponse(requestHash: String) throws -> ModelResponse? {
        try locked {
            if !bulk { try catchUpResponseCache() }
            return try sqlite.query("""
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
        let upto = try sqlite.query("SELECT indexed_upto FROM response_cache_state")[0][0].int ?? 0
        let last = try sqlite.query("SELECT COALESCE(MAX(rowid), 0) FROM responses")[0][0].int ?? 0
        guard last > upto else { return }
        // The hash-order sort holds up to a page cache's worth of rows in memory: 2 MiB here, then
        // it spills to a temporary file, instead of 16 MiB on top of the cache at the end of a run.
        try sqlite.execute("PRAGMA cache_size=-2048")
        defer { try? sqlite.execute("PRAGMA cache_size=-\(SQLiteDatabase.defaultCacheKiB)") }
        try sqlite.transaction {
            // Read again under the write lock: another process may have caught up meanwhile.
            let from = try sqlite.query("SELECT indexed_upto FROM response_cache_state")[0][0].int ?? 0
            try sqlite.query("""
                INSERT OR IGNORE INTO response_cache(request_hash, response_rowid)
                SELECT request_hash, rowid FROM responses WHERE rowid > ? AND error_kind IS NULL AND output IS NOT NULL
                ORDER BY request_hash
                """, [.int(from)])
            try sqlite.query("UPDATE response_cache_state SET indexed_upto = (SELECT COALESCE(MAX(rowid), 0) FROM responses)")
        }
    }
}
