import CSQLite
import Foundation
import MizanCore

/// A value bound to or read from SQL.
public enum SQLValue: Sendable, Hashable {
    case null, int(Int), double(Double), text(String)

    /// The value as text, if it is text.
    public var text: String? { if case .text(let s) = self { return s } else { return nil } }
    /// The value as an integer, if numeric.
    public var int: Int? {
        switch self { case .int(let i): return i; case .double(let d): return Int(d); default: return nil }
    }
    /// The value as a double, if numeric.
    public var double: Double? {
        switch self { case .int(let i): return Double(i); case .double(let d): return d; default: return nil }
    }
}

/// Wraps optionals into `SQLValue`s.
public extension Optional where Wrapped == String { var sql: SQLValue { map { .text($0) } ?? .null } }
/// Wraps optionals into `SQLValue`s.
public extension Optional where Wrapped == Int { var sql: SQLValue { map { .int($0) } ?? .null } }
/// Wraps optionals into `SQLValue`s.
public extension Optional where Wrapped == Double { var sql: SQLValue { map { .double($0) } ?? .null } }

/// One SQLite connection. Not thread-safe by itself: `SQLiteStore` serialises access.
final class SQLiteDatabase: SQLConnection {
    private var db: OpaquePointer?
    /// Prepared statements by SQL text, reused across calls (finalized on close).
    private var statements: [String: OpaquePointer] = [:]
    let path: String

    /// Opens `path`; `cacheKiB` is the page cache size (16 MiB for the store's own connection).
    init(path: String, cacheKiB: Int = SQLiteDatabase.defaultCacheKiB) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(rc)"
            sqlite3_close(db)
            throw StoreError(.cannotOpen, .sqlite, "cannot open the SQLite store '\(path)': \(msg)", remedy: "check the path and its permissions")
        }
        sqlite3_busy_timeout(db, 10_000)
        try execute("PRAGMA journal_mode=WAL")
        // NORMAL in WAL mode: a commit is durable against a crash of the process (SIGKILL, panic) —
        // the WAL write reached the OS — and only an OS crash or power cut can lose the last commits;
        // it saves an fsync per transaction. Checkpoints every 4000 pages (16 MiB of WAL) instead of
        // 1000 copy each hot page back once rather than four times (during a run, see
        // `SQLiteCheckpointer`). A WAL file that grew past 64 MiB is cut back after a checkpoint.
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA wal_autocheckpoint=\(Self.autoCheckpointPages)")
        try execute("PRAGMA journal_size_limit=67108864")
        // Up to 16 MiB of page cache (default 2 MiB): the request-hash index of a 100,000-item
        // run is written at random places and would otherwise be re-read from the file per insert.
        try execute("PRAGMA cache_size=-\(cacheKiB)")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        for stmt in statements.values { sqlite3_finalize(stmt) }
        sqlite3_close_v2(db)
    }

    /// The page cache of the store's own connection, in KiB.
    static let defaultCacheKiB = 16384

    /// WAL pages after which a commit checkpoints (SQLite's automatic checkpoint).
    static let autoCheckpointPages: Int32 = 4000

    /// Copies what it can of the WAL into the database without waiting for readers or writers
    /// (`SQLITE_CHECKPOINT_PASSIVE`); false when another checkpoint was running.
    @discardableResult
    func checkpointPassive() -> Bool {
        sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK
    }

    /// Hands this connection's checkpoints to `checkpointer` (nil: back to SQLite's automatic ones).
    /// The caller keeps `checkpointer` alive until it calls this again with nil.
    func delegateCheckpoints(to checkpointer: SQLiteCheckpointer?) {
        if let checkpointer {
            // Unretained: the caller (SQLiteStore, between beginBulkWrites and endBulkWrites) keeps it alive.
            sqlite3_wal_hook(db, sqliteWALHook, Unmanaged.passUnretained(checkpointer).toOpaque())
        } else {
            sqlite3_wal_autocheckpoint(db, Self.autoCheckpointPages)
        }
    }

    /// Runs statements with no results.
    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw failure(rc, msg)
        }
    }

    /// Runs one statement with bound parameters; returns its rows.
    @discardableResult
    func query(_ sql: String, _ params: [SQLValue] = []) throws -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        try forEachRow(sql, params) { rows.append($0) }
        return rows
    }

    /// Runs one INSERT, UPDATE or DELETE; returns the number of rows it changed.
    func changedRows(_ sql: String, _ params: [SQLValue]) throws -> Int {
        try forEachRow(sql, params) { _ in }
        return Int(sqlite3_changes(db))
    }

    /// The error for SQLite result code `rc`, its kind from the primary code (the low byte).
    private func failure(_ rc: Int32, _ message: String) -> StoreError {
        let kind: StoreError.Kind
        switch rc & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: kind = .busy
        case SQLITE_CONSTRAINT: kind = .constraint
        case SQLITE_CANTOPEN, SQLITE_NOTADB, SQLITE_PERM, SQLITE_READONLY: kind = .cannotOpen
        default: kind = .query
        }
        return StoreError(kind, .sqlite, "SQLite store '\(path)': \(message)")
    }

    /// Runs one statement with bound parameters, handing each row to `body` as it is read.
    func forEachRow(_ sql: String, _ params: [SQLValue] = [], _ body: ([SQLValue]) throws -> Void) throws {
        var stmt: OpaquePointer?
        if let cached = statements[sql] {
            stmt = cached
        } else {
            let rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nil)
            guard rc == SQLITE_OK else { throw failure(rc, String(cString: sqlite3_errmsg(db))) }
            statements[sql] = stmt
        }
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            switch p {
            case .null: sqlite3_bind_null(stmt, idx)
            case .int(let v): sqlite3_bind_int64(stmt, idx, Int64(v))
            case .double(let v): sqlite3_bind_double(stmt, idx, v)
            case .text(let v): sqlite3_bind_text(stmt, idx, v, -1, mizan_sqlite_transient())
            }
        }
        let n = sqlite3_column_count(stmt)
        var row: [SQLValue] = []
        row.reserveCapacity(Int(n))
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure(rc, String(cString: sqlite3_errmsg(db))) }
            row.removeAll(keepingCapacity: true)
            for c in 0..<n {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: row.append(.int(Int(sqlite3_column_int64(stmt, c))))
                case SQLITE_FLOAT: row.append(.double(sqlite3_column_double(stmt, c)))
                case SQLITE_NULL: row.append(.null)
                default:
                    let len = Int(sqlite3_column_bytes(stmt, c))
                    if let p = sqlite3_column_text(stmt, c) {
                        row.append(.text(String(decoding: UnsafeBufferPointer(start: p, count: len), as: UTF8.self)))
                    } else { row.append(.text("")) }
                }
            }
            try body(row)
        }
    }

}
