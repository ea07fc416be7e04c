/// A database connection that runs SQL text: SQLite or PostgreSQL. `SQLResultStore` runs the statements both
/// stores share through it; each connection reports its failures as `StoreError`s of the right kind and backend.
protocol SQLConnection: AnyObject {
    /// The statement that opens a write transaction (SQLite takes its write lock at once with `BEGIN IMMEDIATE`).
    var beginStatement: String { get }
    /// Runs SQL text that returns no rows (several statements separated by `;` are allowed).
    func execute(_ sql: String) throws
    /// Runs one statement with bound parameters (in the dialect's placeholders); returns its rows.
    @discardableResult
    func query(_ sql: String, _ params: [SQLValue]) throws -> [[SQLValue]]
    /// Runs one INSERT, UPDATE or DELETE; returns the number of rows it changed.
    func changedRows(_ sql: String, _ params: [SQLValue]) throws -> Int
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
