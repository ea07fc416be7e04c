import Foundation
import Testing
@testable import MizanStore

/// The PostgreSQL test server: `MIZAN_TEST_POSTGRES_URL` (and `PGPASSWORD`), started by `scripts/test` with
/// `scripts/pg-server`. Without it, `swift test` runs the store tests on SQLite only — unless
/// `MIZAN_REQUIRE_POSTGRES` is set (scripts/test and CI set it), in which case the PostgreSQL cases fail.
enum TestPostgres {
    /// The admin URL of the test server, if one was given.
    static var url: String? { ProcessInfo.processInfo.environment["MIZAN_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    /// True when PostgreSQL cases must run (and fail without a server).
    static var required: Bool { !(ProcessInfo.processInfo.environment["MIZAN_REQUIRE_POSTGRES"] ?? "").isEmpty }
    /// True when the PostgreSQL cases are part of this test run.
    static var enabled: Bool { url != nil || required }
    /// The CA certificate the test server's TLS certificate is signed with, if known.
    static var caFile: String? { ProcessInfo.processInfo.environment["MIZAN_TEST_POSTGRES_CA"] }

    /// A new, empty database on the test server; returns its URL (no password: it comes from PGPASSWORD).
    static func freshDatabase() throws -> String {
        guard let admin = url else {
            throw StoreError("MIZAN_REQUIRE_POSTGRES is set but MIZAN_TEST_POSTGRES_URL is not: start a server with "
                + "`eval \"$(bash scripts/pg-server start /tmp/mizan-pg)\"` or run `bash scripts/test`")
        }
        let name = "mizan_test_" + UUID().uuidString.prefix(13).lowercased().replacingOccurrences(of: "-", with: "")
        let connection = try PostgresConnection(try PostgresLocation(admin))
        try connection.execute("CREATE DATABASE \(name)")
        return withDatabase(admin, name)
    }

    /// `url` with its database path replaced by `name` (query kept).
    static func withDatabase(_ url: String, _ name: String) -> String {
        var parts = URLComponents(string: url)!
        parts.path = "/" + name
        return parts.string!
    }
}

/// The two store implementations, for tests that must behave the same on both.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    /// SQLite always; PostgreSQL when a test server is configured or required.
    static var testable: [StoreKind] { TestPostgres.enabled ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }

    /// A new, empty store location: a SQLite file in a temp dir, or a fresh database's URL.
    func freshLocation() throws -> String {
        switch self {
        case .sqlite: return TestEnv.tempDir() + "/store.sqlite"
        case .postgres: return try TestPostgres.freshDatabase()
        }
    }
}
