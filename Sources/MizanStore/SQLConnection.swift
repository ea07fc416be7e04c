/// A database connection that runs SQL text: SQLite or PostgreSQL.
protocol SQLConnection {
    /// The statement that opens a write transaction (SQLite takes its write lock at once with `BEGIN IMMEDIATE`).
    var beginStatement: String { get }
    /// Runs SQL text that returns no rows.
    func execute(_ sql: String) throws
}

extension SQLConnection {
    /// Runs `body` inside a transaction, committing on success and rolling back on error.
    func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute(beginStatement)
        do {
            let r = try body()
            try execute("COMMIT")
            return r
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

extension SQLiteDatabase {
    /// `BEGIN IMMEDIATE`: the write lock is taken at once, so a busy store waits here rather than failing mid-item.
    var beginStatement: String { "BEGIN IMMEDIATE" }
}

extension PostgresConnection {
    /// A plain `BEGIN`.
    var beginStatement: String { "BEGIN" }
}
