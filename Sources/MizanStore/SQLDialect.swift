import Foundation
import MizanCore

/// What a conflicting insert does to the row already there.
enum ConflictAction {
    /// Keeps the existing row; the insert changes nothing.
    case ignore
    /// Replaces the existing row's values with the new ones.
    case replace
}

/// What differs between SQLite's and PostgreSQL's SQL for the statements both stores share (see `SQLResultStore`):
/// placeholders, upsert syntax, column types, text ordering, and the few places where PostgreSQL needs an explicit
/// lock or a server-side sequence. Shared statements are written once, SQLite-style (`?` placeholders, `INTEGER`
/// and `REAL` columns), and each dialect renders them.
protocol SQLDialect: Sendable {
    /// The store's backend, for messages and error kinds.
    var backend: StoreError.Backend { get }
    /// A statement with `?` placeholders in this dialect's placeholders.
    func placeholders(_ sql: String) -> String
    /// Schema SQL written with SQLite's column types in this dialect's types.
    func types(_ ddl: String) -> String
    /// `INSERT INTO table(columns) VALUES(values)` that, when a row with the same `key` exists, does `action`.
    func insert(into table: String, columns: [String], values: [String], key: [String], onConflict action: ConflictAction) -> String
    /// Appended to an `ORDER BY` term on text so both stores sort by code point (PostgreSQL's default is the locale's).
    var binaryOrder: String { get }
    /// The condition that `id` starts with the first parameter, in final placeholders.
    var idStartsWithFirstParameter: String { get }
    /// The expression numbering a new response in storage order; nil when the store counts per run itself.
    var sequenceExpression: String? { get }
    /// A statement (final placeholders, parameter: the run id) that locks a run's row until the transaction ends, so
    /// shards finishing together compute the run's status one after the other; nil when a transaction already serialises writers.
    var runRowLock: String? { get }
    /// A statement run first in the migration transaction, so processes opening a fresh store together migrate it once;
    /// nil when the transaction already excludes other writers.
    var migrationLock: String? { get }
    /// True when a batch of items is written in (item id, sample) order: concurrent writers of the same items then take
    /// their row locks in one order and cannot deadlock. False keeps finishing order (SQLite writers never interleave).
    var ordersBatches: Bool { get }
    /// A statement upserting an item's scores given as five arrays from parameter `$first` on, with run id, item id and
    /// sample as `$1`–`$3` (final placeholders); nil when scores are written one statement each.
    func scoreArrayUpsert(first: Int) -> String?
    /// The five array parameters `scoreArrayUpsert` reads.
    func scoreArrayParameters(_ scores: [ScoreRecord]) -> [SQLValue]
}

extension SQLDialect {
    /// `column = EXCLUDED.column` for every column not in `key` (PostgreSQL and SQLite upsert syntax).
    static func updateExcluded(_ columns: [String], key: [String]) -> String {
        columns.filter { !key.contains($0) }.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
    }
}

/// SQLite: `?` placeholders, `INSERT OR REPLACE` (a replaced row gets a new rowid, which the response cache's
/// catch-up relies on), binary text order, writers serialised by `BEGIN IMMEDIATE`.
struct SQLiteDialect: SQLDialect {
    var backend: StoreError.Backend { .sqlite }
    func placeholders(_ sql: String) -> String { sql }
    func types(_ ddl: String) -> String { ddl }

    func insert(into table: String, columns: [String], values: [String], key: [String], onConflict action: ConflictAction) -> String {
        "INSERT OR \(action == .ignore ? "IGNORE" : "REPLACE") INTO \(table)(\(columns.joined(separator: ", "))) VALUES(\(values.joined(separator: ",")))"
    }

    var binaryOrder: String { "" }
    var idStartsWithFirstParameter: String { "substr(id, 1, length(?1)) = ?1" }
    var sequenceExpression: String? { nil }
    var runRowLock: String? { nil }
    var migrationLock: String? { nil }
    var ordersBatches: Bool { false }
    func scoreArrayUpsert(first: Int) -> String? { nil }
    func scoreArrayParameters(_ scores: [ScoreRecord]) -> [SQLValue] { [] }
}

/// PostgreSQL: `$n` placeholders, `ON CONFLICT … DO UPDATE`, `BIGINT` and `DOUBLE PRECISION` columns, `COLLATE "C"`
/// ordering, a global sequence for storage order, row and advisory locks, and an item's scores as arrays in the same
/// statement as its response (one round trip per item).
struct PostgresDialect: SQLDialect {
    var backend: StoreError.Backend { .postgresql }

    /// Numbers the `?` placeholders `$1`, `$2` … in order (none of the shared statements has a `?` inside a literal).
    func placeholders(_ sql: String) -> String {
        guard sql.contains("?") else { return sql }
        var out = "", n = 0
        for c in sql {
            if c == "?" { n += 1; out += "$\(n)" } else { out.append(c) }
        }
        return out
    }

    /// SQLite's `INTEGER` as `BIGINT` (64-bit, as SQLite's) and `REAL` as `DOUBLE PRECISION`.
    func types(_ ddl: String) -> String {
        ddl.replacingOccurrences(of: "\\bINTEGER\\b", with: "BIGINT", options: .regularExpression)
            .replacingOccurrences(of: "\\bREAL\\b", with: "DOUBLE PRECISION", options: .regularExpression)
    }

    func insert(into table: String, columns: [String], values: [String], key: [String], onConflict action: ConflictAction) -> String {
        let head = "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES(\(values.joined(separator: ",")))"
        let conflict = "ON CONFLICT (\(key.joined(separator: ", ")))"
        switch action {
        case .ignore: return "\(head) \(conflict) DO NOTHING"
        case .replace: return "\(head) \(conflict) DO UPDATE SET \(Self.updateExcluded(columns, key: key))"
        }
    }

    var binaryOrder: String { " COLLATE \"C\"" }
    var idStartsWithFirstParameter: String { "starts_with(id, $1)" }
    var sequenceExpression: String? { "nextval('responses_seq')" }
    var runRowLock: String? { "SELECT id FROM runs WHERE id = $1 FOR UPDATE" }
    var migrationLock: String? { "SELECT pg_advisory_xact_lock(7126153001)" }
    var ordersBatches: Bool { true }

    /// `INSERT INTO scores … SELECT … FROM unnest(…)`, upserting.
    func scoreArrayUpsert(first n: Int) -> String? {
        """
        INSERT INTO scores(run_id, item_id, sample, metric, metric_version, value, details, error)
        SELECT $1::text, $2::text, $3::bigint, m, v, x, d, e
        FROM unnest($\(n)::text[], $\(n + 1)::text[], $\(n + 2)::float8[], $\(n + 3)::text[], $\(n + 4)::text[]) AS s(m, v, x, d, e)
        ON CONFLICT (run_id, item_id, sample, metric) DO UPDATE SET metric_version = EXCLUDED.metric_version,
            value = EXCLUDED.value, details = EXCLUDED.details, error = EXCLUDED.error
        """
    }

    /// Scores as five PostgreSQL array literals (metric, version, value, details, error); a metric named twice
    /// keeps its last score, as SQLite's `INSERT OR REPLACE` does.
    func scoreArrayParameters(_ scores: [ScoreRecord]) -> [SQLValue] {
        var last: [String: Int] = [:]
        for (i, s) in scores.enumerated() { last[s.metric] = i }
        let kept = scores.enumerated().filter { last[$0.element.metric] == $0.offset }.map(\.element)
        let columns: [[String?]] = [kept.map(\.metric), kept.map(\.metricVersion),
                                    kept.map { s in s.value.flatMap { PostgresConnection.text(.double($0)) } },
                                    kept.map(\.details.canonicalJSON), kept.map(\.error)]
        return columns.map { .text(Self.arrayLiteral($0)) }
    }

    /// A PostgreSQL array literal of double-quoted elements (nil is NULL).
    static func arrayLiteral(_ values: [String?]) -> String {
        let elements = values.map { v -> String in
            guard let v else { return "NULL" }
            return "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "{" + elements.joined(separator: ",") + "}"
    }
}
