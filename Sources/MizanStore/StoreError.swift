import MizanCore

/// A failure of a store (SQLite file or PostgreSQL database): what kind, which store, what happened, what to do.
///
/// Like GRDB's `DatabaseError` carries SQLite's result code, the `kind` lets callers tell a store that is
/// newer than this mizan from a lost connection or a busy database without reading the message, which stays
/// written for people: it names the store's backend and location, and ends with the remedy.
public struct StoreError: UserFacingError, Hashable {
    /// What went wrong, independent of the backend.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The SQLite file could not be opened or is not a database.
        case cannotOpen = "cannot_open"
        /// The PostgreSQL server could not be reached, refused the login, or dropped the connection; or libpq is missing.
        case connection
        /// The store was migrated by a newer mizan (its schema version is higher than this one knows).
        case schemaTooNew = "schema_too_new"
        /// The run to update is not in the store (a run the user names and the store lacks is a `UsageError`).
        case notFound = "not_found"
        /// The database is locked by another writer, or a transaction lost a deadlock or serialization conflict.
        case busy
        /// A write broke a constraint (primary key, foreign key, not null), e.g. items of a run that does not exist.
        case constraint
        /// The shard lease file beside a SQLite store could not be opened or locked.
        case lease
        /// The store (or the writer in front of it) was closed while a write was pending.
        case closed
        /// Any other failure of a statement.
        case query
    }

    /// Which store implementation failed (nil when the failure is not about one backend).
    public enum Backend: String, Sendable, Hashable {
        /// An embedded SQLite file.
        case sqlite = "SQLite"
        /// A PostgreSQL database.
        case postgresql = "PostgreSQL"
    }

    /// What went wrong.
    public var kind: Kind
    /// The backend, when known.
    public var backend: Backend?
    /// What happened, naming the store (never a password).
    public var message: String
    /// What to do about it, if there is something to do.
    public var remedy: String?

    /// An error of `kind` from `backend`.
    public init(_ kind: Kind, _ backend: Backend?, _ message: String, remedy: String? = nil) {
        self.kind = kind
        self.backend = backend
        self.message = message
        self.remedy = remedy
    }

    /// A failure known only by its message (kind `query`, no backend).
    public init(_ message: String) { self.init(.query, nil, message) }

    /// Exit code 4: the store failed.
    public var exitCode: Int32 { 4 }

    /// The message and, after a dash, the remedy.
    public var description: String { remedy.map { "\(message) — \($0)" } ?? message }
}
