import Foundation
import MizanCore

/// A bounded look at one run's items: filters plus a page position, for `mizan serve`'s item pages (a store of
/// 100,000 items is never read whole to show 50 of them).
public struct ItemQuery: Sendable {
    /// Only items of this language tag.
    public var language: String?
    /// The metric `minScore`/`maxScore` apply to; with neither, only items that have a score of this metric.
    public var metric: String?
    /// Only items whose `metric` score is at least this.
    public var minScore: Double?
    /// Only items whose `metric` score is at most this.
    public var maxScore: Double?
    /// Text the item id, prompt, references or output contain (case-insensitive for ASCII letters; NFC).
    public var search: String?
    /// true: only items that ended in an endpoint error; false: only items without one; nil: both.
    public var failed: Bool?
    /// Start after this (item id, sample) in (item id, sample) order; nil starts at the first.
    public var after: (itemID: String, sample: Int)?
    /// Items per page (clamped to 1…500).
    public var limit: Int

    /// A query for the first `limit` items, no filter.
    public init(limit: Int = 50) { self.limit = limit }
}

/// One page of items and what the whole filtered selection holds.
public struct ItemPage: Sendable {
    /// The page's items with their scores, in (item id, sample) order.
    public var items: [ItemRecord]
    /// How many items match the filters in the whole run.
    public var total: Int
    /// The position to pass as `after` for the next page; nil on the last page.
    public var next: (itemID: String, sample: Int)?
}

extension SQLResultStore {
    /// One page of a run's items matching `q`: two bounded statements (the page through the primary key, its scores)
    /// and one count.
    public func itemPage(runID: String, query q: ItemQuery) throws -> ItemPage {
        var clauses = ["r.run_id = ?"]
        var params: [SQLValue] = [.text(runID)]
        if let lang = q.language { clauses.append("r.lang = ?"); params.append(.text(lang)) }
        if let failed = q.failed { clauses.append(failed ? "r.error_kind IS NOT NULL" : "r.error_kind IS NULL") }
        if let metric = q.metric {
            var score = "EXISTS (SELECT 1 FROM scores s WHERE s.run_id = r.run_id AND s.item_id = r.item_id AND s.sample = r.sample "
                + "AND s.metric = ? AND s.value IS NOT NULL"
            params.append(.text(metric))
            if let lo = q.minScore { score += " AND s.value >= ?"; params.append(.double(lo)) }
            if let hi = q.maxScore { score += " AND s.value <= ?"; params.append(.double(hi)) }
            clauses.append(score + ")")
        }
        if let text = q.search?.precomposedStringWithCanonicalMapping, !text.isEmpty {
            let pattern = "%" + Self.likeEscaped(Self.asciiLowercased(text)) + "%"
            let columns = ["r.item_id", "r.prompt", "r.refs", "COALESCE(r.output, '')"]
            clauses.append("(" + columns.map { "LOWER(\($0)) LIKE ? ESCAPE '!'" }.joined(separator: " OR ") + ")")
            params += columns.map { _ in .text(pattern) }
        }
        let filter = clauses.joined(separator: " AND ")
        let limit = min(max(q.limit, 1), 500)
        return try locked {
            let total = try query("SELECT COUNT(*) FROM responses r WHERE \(filter)", params)[0][0].int ?? 0
            var pageFilter = filter, pageParams = params
            if let after = q.after {
                pageFilter += " AND (r.item_id > ? OR (r.item_id = ? AND r.sample > ?))"
                pageParams += [.text(after.itemID), .text(after.itemID), .int(after.sample)]
            }
            let rows = try query("""
                SELECT \(StoreRows.qualifiedItemColumns) FROM responses r WHERE \(pageFilter)
                ORDER BY r.item_id, r.sample LIMIT \(limit + 1)
                """, pageParams)
            let pageRows = rows.prefix(limit)
            var scores: [String: [ScoreRecord]] = [:]
            let ids = Array(Set(pageRows.compactMap { $0[0].text })).sorted()
            if !ids.isEmpty {
                let marks = ids.map { _ in "?" }.joined(separator: ",")
                scores = StoreRows.scoreRecords(try query("""
                    SELECT item_id || '#' || sample, metric, metric_version, value, details, error FROM scores
                    WHERE run_id = ? AND item_id IN (\(marks)) ORDER BY metric\(dialect.binaryOrder)
                    """, [.text(runID)] + ids.map { .text($0) }))
            }
            let items = pageRows.map { row in
                StoreRows.itemRecord(row, scores: scores["\(row[0].text ?? "")#\(row[19].int ?? 0)"] ?? [])
            }
            let next = rows.count > limit ? items.last.map { (itemID: $0.itemID, sample: $0.sample) } : nil
            return ItemPage(items: items, total: total, next: next)
        }
    }

    /// `s` with `!`, `%` and `_` escaped for `LIKE … ESCAPE '!'`.
    static func likeEscaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u == "!" || u == "%" || u == "_" { out.unicodeScalars.append("!") }
            out.unicodeScalars.append(u)
        }
        return out
    }

    /// ASCII letters lowercased, everything else kept (SQLite's `LOWER` folds only ASCII, PostgreSQL's more: both
    /// stores then agree for ASCII text; other letters match as written).
    static func asciiLowercased(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }))
    }
}
