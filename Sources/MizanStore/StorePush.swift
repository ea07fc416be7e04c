import Foundation
import MizanCore

/// What pushing one run did.
public enum PushOutcome: Sendable, Hashable {
    /// The run was new in the destination; this many items (samples) were copied.
    case copied(items: Int)
    /// The destination had part of the run (an earlier push of a run still going, or a push cut short); the rest was added.
    case updated(items: Int)
    /// The destination already had the run exactly as the source has it; nothing was written.
    case alreadyPresent
}

/// A run that exists in the destination with different content: push refuses to overwrite it.
public struct PushConflict: UserFacingError {
    /// What differs, and what to do.
    public var message: String
    /// Exit code 2: the input (run ids, destination) cannot be pushed as asked.
    public var exitCode: Int32 { 2 }
    /// The message.
    public var description: String { message }
}

/// Copies runs (run, items, scores, shard reports) from one store to another, e.g. a local SQLite file to the
/// team's PostgreSQL database. Idempotent: pushing a run again changes nothing. A destination that holds a
/// prefix of the run (fewer items, all identical) is completed; one that differs in any stored value is refused.
public enum StorePush {
    /// Pushes the run whose id is (or uniquely starts with) `runID` from `source` to `destination`.
    public static func push(runID: String, from source: any ResultStore, to destination: any ResultStore) throws -> (RunRecord, PushOutcome) {
        let run = try source.run(matching: runID)
        let items = try source.items(runID: run.id)
        let shards = try source.shards(runID: run.id)
        let created = try destination.createRunIfAbsent(run)
        var existing: [String: ItemRecord] = [:]
        var existingShards: [ShardRecord] = []
        var target = run
        if !created {
            target = try destination.run(matching: run.id)
            try compare(run, target)
            for item in try destination.items(runID: run.id) { existing[key(item)] = item }
            existingShards = try destination.shards(runID: run.id)
        }
        let sourceKeys = Set(items.map(key))
        for (k, item) in existing {
            guard sourceKeys.contains(k) else {
                throw conflict(run, "the destination has item \(item.itemID) (sample \(item.sample)) that the source does not")
            }
        }
        var added = 0
        for item in items {
            if let there = existing[key(item)] {
                guard there == item else { throw conflict(run, "item \(item.itemID) (sample \(item.sample)) differs (\(difference(item, there)))") }
                continue
            }
            try destination.record(runID: run.id, item: item)
            added += 1
        }
        let shardsThere = Set(existingShards)
        for shard in shards where !shardsThere.contains(shard) { try destination.reportShard(shard) }
        let statusChanged = target.status != run.status || target.finishedAt != run.finishedAt
        let shardsChanged = Set(shards) != shardsThere
        if created || statusChanged || shardsChanged {
            if let finished = run.finishedAt {
                try destination.finishRun(id: run.id, status: run.status, finishedAt: finished)
            } else {
                try destination.setStatus(runID: run.id, status: run.status)
            }
        }
        if created { return (run, .copied(items: added)) }
        return (run, added == 0 && !statusChanged && !shardsChanged ? .alreadyPresent : .updated(items: added))
    }

    private static func key(_ item: ItemRecord) -> String { "\(item.itemID)#\(item.sample)" }

    /// Refuses when the destination's run is another run under the same id, or was changed after a push (rescored).
    private static func compare(_ run: RunRecord, _ there: RunRecord) throws {
        var fields: [String] = []
        if run.suiteID != there.suiteID || run.suiteVersion != there.suiteVersion || run.suiteHash != there.suiteHash { fields.append("suite") }
        if run.endpoint != there.endpoint || run.model != there.model { fields.append("endpoint or model") }
        if run.startedAt != there.startedAt { fields.append("start time") }
        if run.itemCount != there.itemCount { fields.append("item count") }
        if run.manifest != there.manifest { fields.append("manifest") }
        guard fields.isEmpty else { throw conflict(run, "the runs differ in " + fields.joined(separator: ", ")) }
    }

    private static func difference(_ a: ItemRecord, _ b: ItemRecord) -> String {
        if a.scores != b.scores { return "scores" }
        if a.response != b.response { return "response" }
        return "prompt, references or fields"
    }

    private static func conflict(_ run: RunRecord, _ what: String) -> PushConflict {
        PushConflict(message: "run \(run.id) is already in the destination with different content: \(what). Push never "
            + "overwrites; if one side was rescored, rescore the other the same way, or delete the run from the destination first")
    }
}
