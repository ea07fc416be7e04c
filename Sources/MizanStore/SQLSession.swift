import MizanCore

/// The store's SQL as the other modules of this package see it (`MizanHuman` keeps its tables through it): statements
/// written SQLite-style with `?` placeholders, rendered by the store's dialect, run on the store's one connection
/// under its lock. Not public: the library's users go through the modules' typed APIs.
package struct SQLSession {
    /// The connection (used only while the store's lock is held).
    let db: any SQLConnection
    /// The connection's dialect.
    let dialect: any SQLDialect

    /// The backend, for messages and the few statements that differ.
    package var backend: StoreError.Backend { dialect.backend }

    /// Runs `sql` (with `?` placeholders) with `params`; returns its rows.
    @discardableResult
    package func rows(_ sql: String, _ params: [SQLValue] = []) throws -> [[SQLValue]] {
        try db.query(dialect.placeholders(sql), params)
    }

    /// Runs an INSERT, UPDATE or DELETE (with `?` placeholders); returns the number of rows it changed.
    package func changed(_ sql: String, _ params: [SQLValue] = []) throws -> Int {
        try db.changedRows(dialect.placeholders(sql), params)
    }

    /// `INSERT INTO table(columns) VALUES(?, …)` that keeps (`replace: false`) or replaces an existing row with the same `key`.
    package func insertSQL(into table: String, columns: [String], key: [String], replace: Bool) -> String {
        dialect.insert(into: table, columns: columns, values: columns.map { _ in "?" }, key: key, onConflict: replace ? .replace : .ignore)
    }

    /// Appended to an `ORDER BY` term on text so both stores sort by code point.
    package var binaryOrder: String { dialect.binaryOrder }

    /// Locks the row of `table` whose `id` column is `id` until the transaction ends (PostgreSQL `FOR UPDATE`;
    /// SQLite's `BEGIN IMMEDIATE` already serialises writers, so nothing to do there).
    package func lockRow(_ table: String, id: String) throws {
        guard dialect.backend == .postgresql else { return }
        try rows("SELECT id FROM \(table) WHERE id = ? FOR UPDATE", [.text(id)])
    }
}

extension SQLResultStore {
    /// Runs `body` in one transaction under the store's lock: committed when it returns, rolled back when it throws.
    @discardableResult
    package func writeTransaction<R>(_ body: (SQLSession) throws -> R) throws -> R {
        try locked { try db.transaction { try body(SQLSession(db: db, dialect: dialect)) } }
    }

    /// Runs `body` under the store's lock without a transaction (reads).
    package func read<R>(_ body: (SQLSession) throws -> R) throws -> R {
        try locked { try body(SQLSession(db: db, dialect: dialect)) }
    }

    /// Where the store is, for messages (a path, or a URL without password).
    package var placeDescription: String { place }
}
