import MizanCore
import MizanStore

/// How far a sharded run is: one row per shard, and the shards still missing.
public enum ShardTables {
    /// One row per shard 0 ..< `count`: status (`missing` if it never reported), items, host, start and end.
    public static func table(_ shards: [ShardRecord], count: Int) -> Table {
        var t = Table(header: ["shard", "status", "items", "host", "started", "finished"], fit: [.fixed, .fixed, .fixed, .elastic(min: 12)])
        let byIndex = Dictionary(shards.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        for i in 0..<count {
            if let s = byIndex[i] {
                t.rows.append(["\(i)/\(count)", s.status.rawValue, String(s.itemCount), s.host, s.startedAt, s.finishedAt ?? ""])
            } else {
                t.rows.append(["\(i)/\(count)", "missing", "", "", "", ""])
            }
        }
        return t
    }

    /// One line: all shards completed, or which are not.
    public static func summary(_ shards: [ShardRecord], count: Int) -> String {
        let missing = ShardRecord.missing(shards, count: count)
        return missing.isEmpty ? "all \(count) shards completed"
            : "shards not completed: \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) (the run is complete when every shard has reported)"
    }

    /// `{"count": n, "missing": [i…], "shards": [{shard, status, items, host, started_at, finished_at}…]}`.
    public static func json(_ shards: [ShardRecord], count: Int) -> JSONValue {
        .object([
            "count": .number(Double(count)),
            "missing": .array(ShardRecord.missing(shards, count: count).map { .number(Double($0)) }),
            "shards": .array(shards.map { s in
                .object(["shard": .number(Double(s.index)), "status": .string(s.status.rawValue), "items": .number(Double(s.itemCount)),
                         "host": .string(s.host), "started_at": .string(s.startedAt),
                         "finished_at": s.finishedAt.map { .string($0) } ?? .null])
            }),
        ])
    }
}
