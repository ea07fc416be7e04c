import CLibPQ
import Foundation
import MizanCore

/// A validated `postgres://` store address. It never holds a password: libpq reads it from
/// `PGPASSWORD` or the password file (`PGPASSFILE`, default `~/.pgpass`).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// The URL as given (known to carry no password), passed to libpq unchanged.
    public let url: String

    /// True if `location` names a PostgreSQL store (`postgres://` or `postgresql://`).
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Parses a store URL `postgres://user@host:port/database?sslmode=…`; refuses one that carries a password.
    public init(_ url: String) throws {
        guard Self.isPostgres(url), let parts = URLComponents(string: url) else {
            throw UsageError("'\(Self.redact(url))' is not a PostgreSQL URL; use postgres://user@host:5432/database?sslmode=require")
        }
        let passwordInQuery = parts.queryItems?.contains { $0.name.lowercased() == "password" } ?? false
        if parts.password != nil || passwordInQuery {
            throw UsageError("the store URL '\(Self.redact(url))' contains a password; remove it and put the password in "
                + "the PGPASSWORD environment variable or a password file (PGPASSFILE, default ~/.pgpass) — "
                + "a password on the command line ends up in shell history, process lists and logs")
        }
        guard let host = parts.host, !host.isEmpty || parts.path.count > 1 else {
            throw UsageError("the store URL '\(url)' names no host or database; use postgres://user@host:5432/database")
        }
        self.url = url
    }

    /// The URL for messages (it has no password to hide).
    public var description: String { url }

    /// `url` with any password (in the user part or a `password=` parameter) replaced by `***`.
    public static func redact(_ url: String) -> String {
        var s = url
        if let scheme = s.range(of: "://") {
            let rest = s[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                s.replaceSubrange(rest.index(after: colon)..<at, with: "***")
            }
        }
        if let regex = try? NSRegularExpression(pattern: "([?&]password=)[^&]*", options: [.caseInsensitive]) {
            s = regex.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "$1***")
        }
        return s
    }
}

/// One libpq connection. Not thread-safe by itself: `PostgresStore` serialises access.
final class PostgresConnection: SQLConnection {
    private var conn: OpaquePointer?
    /// Prepared statement names by SQL text (forgotten when the connection is reset).
    private var prepared: [String: String] = [:]
    let location: PostgresLocation

    init(_ location: PostgresLocation) throws {
        self.location = location
        if let why = mizan_pq_load() {
            throw StoreError(.connection, .postgresql,
                             "cannot use the PostgreSQL store '\(location)': libpq could not be loaded (\(String(cString: why)))",
                             remedy: "install it (Debian: apt-get install libpq5)")
        }
        conn = mizan_PQconnectdb(location.url)
        guard mizan_PQstatus(conn) == CONNECTION_OK else {
            let msg = lastError()
            mizan_PQfinish(conn)
            conn = nil
            throw StoreError(.connection, .postgresql, "cannot connect to the PostgreSQL store '\(location)': \(msg)",
                             remedy: "check that the server runs, the URL (user, host, port, database, sslmode) and the password "
                                 + "in PGPASSWORD or PGPASSFILE")
        }
        mizan_pq_silence_notices(conn)
        try execute("SET client_encoding = 'UTF8'")
        try relaxCommitFlush()
    }

    /// Like SQLite's `synchronous=NORMAL`, a commit does not wait for the server's disk flush
    /// (`synchronous_commit = off`, this session only): a crash of the database server can lose the last
    /// moments of commits — in commit order, so never an item without the ones before it or a shard report
    /// without its items — and a resume sends those items again. Per-item commits otherwise wait for an
    /// fsync each (4 ms on the benchmark machine). A URL whose `options` set `synchronous_commit` keeps its choice.
    private func relaxCommitFlush() throws {
        guard !location.url.lowercased().contains("synchronous_commit") else { return }
        try execute("SET synchronous_commit = off")
    }

    deinit { mizan_PQfinish(conn) }

    private func lastError() -> String {
        guard let c = conn, let p = mizan_PQerrorMessage(c) else { return "unknown error" }
        return PostgresLocation.redact(String(cString: p).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Reconnects once if the server dropped the connection (e.g. it restarted).
    private func ensureConnected() throws {
        guard mizan_PQstatus(conn) != CONNECTION_OK else { return }
        prepared = [:]
        mizan_PQreset(conn)
        guard mizan_PQstatus(conn) == CONNECTION_OK else {
            throw StoreError(.connection, .postgresql, "lost the connection to the PostgreSQL store '\(location)': \(lastError())")
        }
        mizan_pq_silence_notices(conn)
        try execute("SET client_encoding = 'UTF8'")
        try relaxCommitFlush()
    }

    /// Runs statements without parameters or results (several separated by `;` are allowed).
    func execute(_ sql: String) throws {
        try ensureConnected()
        let res = mizan_PQexec(conn, sql)
        defer { mizan_PQclear(res) }
        try check(res, sql)
    }

    /// Runs one statement with text parameters (`$1`, `$2` …); returns its rows.
    @discardableResult
    func query(_ sql: String, _ params: [SQLValue] = []) throws -> [[SQLValue]] {
        try ensureConnected()
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            name = "mizan_\(prepared.count)"
            let res = mizan_PQprepare(conn, name, sql, Int32(params.count), nil)
            defer { mizan_PQclear(res) }
            try check(res, sql)
            prepared[sql] = name
        }
        let texts: [String?] = params.map(Self.text)
        let res = withCStrings(texts) { pointers in
            mizan_PQexecPrepared(conn, name, Int32(pointers.count), pointers, nil, nil, 0)
        }
        defer { mizan_PQclear(res) }
        try check(res, sql)
        return rows(res)
    }


    private func check(_ res: OpaquePointer?, _ sql: String) throws {
        let status = mizan_PQresultStatus(res)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let msg = res.flatMap { mizan_PQresultErrorMessage($0) }.map { String(cString: $0) } ?? ""
            let text = (msg.isEmpty ? lastError() : msg).trimmingCharacters(in: .whitespacesAndNewlines)
            let statement = sql.split(separator: "\n").first.map(String.init) ?? sql
            let code = mizan_PQresultErrorField(res, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            throw StoreError(Self.kind(sqlState: code), .postgresql,
                             "PostgreSQL store '\(location)': \(PostgresLocation.redact(text)) (in: \(statement.prefix(80)))")
        }
    }

    /// The kind of a failed statement from its SQLSTATE (PostgreSQL's five-character error code).
    static func kind(sqlState code: String) -> StoreError.Kind {
        switch code.prefix(2) {
        case "23": return .constraint                         // integrity constraint violation
        case "08", "28", "57": return .connection             // connection, authorization, operator intervention
        case "40", "55": return .busy                         // deadlock, serialization failure, lock not available
        default: return .query
        }
    }

    /// Runs one INSERT, UPDATE or DELETE (without a RETURNING clause); returns the number of rows it changed.
    func changedRows(_ sql: String, _ params: [SQLValue]) throws -> Int {
        try query(sql + " RETURNING 1", params).count
    }

    /// A parameter in PostgreSQL's text format (nil is SQL NULL). PostgreSQL text cannot hold U+0000,
    /// so a NUL character becomes U+FFFD.
    static func text(_ v: SQLValue) -> String? {
        switch v {
        case .null: return nil
        case .int(let i): return String(i)
        case .double(let d): return d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : "\(d)"
        case .text(let s): return s.contains("\0") ? s.replacingOccurrences(of: "\0", with: "\u{FFFD}") : s
        }
    }

    private func rows(_ res: OpaquePointer?) -> [[SQLValue]] {
        let n = mizan_PQntuples(res), cols = mizan_PQnfields(res)
        var out: [[SQLValue]] = []
        out.reserveCapacity(Int(n))
        let types = (0..<cols).map { mizan_PQftype(res, $0) }
        for r in 0..<n {
            var row: [SQLValue] = []
            row.reserveCapacity(Int(cols))
            for c in 0..<cols {
                if mizan_PQgetisnull(res, r, c) == 1 { row.append(.null); continue }
                let len = Int(mizan_PQgetlength(res, r, c))
                let s = mizan_PQgetvalue(res, r, c).map { p in
                    p.withMemoryRebound(to: UInt8.self, capacity: len) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: len), as: UTF8.self)
                    }
                } ?? ""
                switch types[Int(c)] {
                case 20, 21, 23: row.append(Int(s).map(SQLValue.int) ?? .text(s))          // int8, int2, int4
                case 700, 701, 1700: row.append(Double(s).map(SQLValue.double) ?? .text(s)) // float4, float8, numeric
                case 16: row.append(.int(s == "t" ? 1 : 0))                                  // bool
                default: row.append(.text(s))
                }
            }
            out.append(row)
        }
        return out
    }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings` (nil entries stay NULL).
private func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for p in copies { free(p) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
