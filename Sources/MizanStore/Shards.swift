import Foundation
import MizanCore

/// What one process of a sharded run (`mizan run --shard i/n`) reported about its slice.
public struct ShardRecord: Sendable, Hashable {
    /// The run the shard writes into.
    public var runID: String
    /// Shard index, 0 ..< `count`.
    public var index: Int
    /// Number of shards of the run.
    public var count: Int
    /// Items (times samples) in this shard's slice.
    public var itemCount: Int
    /// `running`, `completed`, `failed` (its items ended in endpoint errors beyond the error budget) or `interrupted`.
    public var status: RunStatus
    /// Host name of the machine that ran the shard.
    public var host: String
    /// ISO-8601 time the shard (last) started.
    public var startedAt: String
    /// ISO-8601 time the shard finished, if it did.
    public var finishedAt: String?

    /// A shard report.
    public init(runID: String, index: Int, count: Int, itemCount: Int, status: RunStatus, host: String, startedAt: String,
                finishedAt: String? = nil) {
        self.runID = runID
        self.index = index
        self.count = count
        self.itemCount = itemCount
        self.status = status
        self.host = host
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// The status of a sharded run from its shards' reports: `completed` once all `count` shards completed,
    /// `failed` once all have finished and some of them failed, `interrupted` if some shard was interrupted and
    /// none is running, else `running`.
    public static func runStatus(_ shards: [ShardRecord], count: Int) -> RunStatus {
        let finished = Set(shards.filter { $0.status.isFinished }.map(\.index))
        if (0..<count).allSatisfy(finished.contains) {
            return shards.contains { $0.status == .failed && $0.index < count } ? .failed : .completed
        }
        if shards.contains(where: { $0.status == .interrupted }) && !shards.contains(where: { $0.status == .running }) {
            return .interrupted
        }
        return .running
    }

    /// Shard indexes of `0..<count` that have not reported `completed`.
    public static func missing(_ shards: [ShardRecord], count: Int) -> [Int] {
        let done = Set(shards.filter { $0.status == .completed }.map(\.index))
        return (0..<count).filter { !done.contains($0) }
    }
}

/// Opens the store at `location`: a PostgreSQL URL (`postgres://…`) or a SQLite file path.
public func openResultStore(_ location: String) throws -> any ResultStore {
    if PostgresLocation.isPostgres(location) { return try PostgresStore(try PostgresLocation(location)) }
    return try SQLiteStore(path: location)
}

/// What a run says about its sharding.
public extension RunRecord {
    /// The number of shards the run is split in (`shards.count` in the manifest), nil for an unsharded run.
    var shardCount: Int? { runManifest.shards?.count }
}
