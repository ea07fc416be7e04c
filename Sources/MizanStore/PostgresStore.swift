import Foundation
import MizanCore

/// The shared store: a PostgreSQL database reached through libpq, with the same tables and columns as
/// `SQLiteStore` (JSON kept as text, so manifests and details read back byte for byte). One connection per
/// store object, guarded by a lock; each finished item is one statement, so several processes on several
/// machines can write the same run at once. The SQL it shares with SQLite is in `SQLResultStore` (rendered by
/// `PostgresDialect`); here are its own parts: migrations under an advisory lock, the TLS check, shard leases.
public final class PostgresStore: SQLResultStore, @unchecked Sendable {
    // @unchecked Sendable: the libpq connection is used only inside `locked`.
    private let connection: PostgresConnection
    /// Where the store is (no password in it).
    public let location: PostgresLocation

    /// The schema, one entry per migration (`StoreSchema` as PostgreSQL runs it), numbered like `SQLiteStore.migrations`
    /// and giving the same tables.
    public static let migrations: [String] = StoreSchema.steps.map(\.postgres)

    /// Connects and applies pending migrations (under an advisory lock, so processes starting together
    /// against a fresh database migrate it once).
    public init(_ location: PostgresLocation) throws {
        self.location = location
        connection = try PostgresConnection(location)
        try super.init(connection: connection, dialect: PostgresDialect(), place: location.description, migrations: Self.migrations)
    }

    /// Whether the connection is encrypted (TLS), as the server sees it.
    public func usesTLS() throws -> Bool {
        try locked { try connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?[0].int == 1 }
    }

    /// Takes the shard's advisory lock on a connection of its own (see `ShardLease`).
    public override func tryLeaseShard(runID: String, shard: Int) throws -> ShardLease? {
        try ShardLease.advisoryLock(location, runID: runID, shard: shard)
    }
}
