import Foundation
import MizanCore
import MizanStore
import MizanSuites

/// One slice of a run split across processes or machines (`mizan run --shard i/n --name NAME`).
///
/// An item belongs to shard `i` when the first 8 bytes of SHA-256 of its id, read as a big-endian
/// integer, are `i` modulo `n`: the assignment depends on nothing but the id (stable when items are
/// reordered, added or removed elsewhere in the suite) and is balanced in expectation. Shards are
/// numbered from 0, like Slurm array task ids and Kubernetes completion indexes.
public struct ShardSpec: Sendable, Hashable, CustomStringConvertible {
    /// This shard's index, 0 ..< `count`.
    public var index: Int
    /// Number of shards.
    public var count: Int

    /// A shard; `index` must be in 0 ..< `count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= 10_000 else { throw UsageError("\(CLIFlag.shard) i/n: n must be between 1 and 10000 (got \(count))") }
        guard index >= 0, index < count else {
            throw UsageError("\(CLIFlag.shard) \(index)/\(count): shards are numbered from 0, so use 0/\(count) … \(count - 1)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `2/4`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw UsageError("\(CLIFlag.shard) '\(text)' is not i/n; give e.g. \(CLIFlag.shard) 0/4 (shards are numbered 0 … n-1)")
        }
        try self.init(index: i, count: n)
    }

    /// Why `--shard` needs `--name`: processes on different machines share nothing but their command line,
    /// so the run name is what lets them compute the same run id; without it each would start its own run.
    public static let needsName = UsageError("\(CLIFlag.shard) needs \(CLIFlag.name) NAME: the shards of one run find each other by name "
        + "(the same \(CLIFlag.name), suite, endpoint and model on every machine give one run id); without it each shard would start a separate run")

    /// `i/n`.
    public var description: String { "\(index)/\(count)" }

    /// The shard an item id belongs to among `count` shards.
    public static func shard(of itemID: String, count: Int) -> Int {
        let hex = SHA256.hex(itemID)
        let value = UInt64(hex.prefix(16), radix: 16) ?? 0
        return Int(value % UInt64(count))
    }

    /// True if the item with this id is in this shard.
    public func contains(_ itemID: String) -> Bool { Self.shard(of: itemID, count: count) == index }

    /// The id every shard of a named run computes alike: the name (letters, digits, `.`, `_`, `-` kept) and a
    /// hash of name, suite id, version and content hash, items selected (`--limit`), endpoint and model. The same
    /// command on n machines therefore lands in one run; a different suite content, selection, endpoint or model
    /// gives a different run.
    public static func runID(name: String, suite: Suite, items: Int, endpoint: String, model: String) -> String {
        let key = [name, suite.id, suite.version, suite.contentHash, String(items), endpoint, model].joined(separator: "\u{1F}")
        let kept = name.unicodeScalars.map { s -> Character in
            s.isASCII && (CharacterSet.alphanumerics.contains(s) || "._-".unicodeScalars.contains(s)) ? Character(s) : "-"
        }
        return String(String(kept).prefix(40)) + "-" + SHA256.hex(key).prefix(12)
    }

    /// How many of the first `limit` items of the suite are in this shard (one pass over the items).
    func count(in suite: Suite, limit: Int) throws -> Int {
        let reader = try SuiteItemReader(suite)
        var n = 0
        for _ in 0..<limit {
            guard let item = try reader.next() else { break }
            if contains(item.id) { n += 1 }
        }
        return n
    }

    /// The manifest with `shards: {count: n}` added.
    func annotate(_ manifest: RunManifest) -> RunManifest {
        var m = manifest
        m.shards = RunManifest.Shards(count: count)
        return m
    }

    /// The shard count recorded in a run's manifest (nil for an unsharded run).
    public static func count(of run: RunRecord) -> Int? {
        run.shardCount
    }

    /// Refuses to continue `run` with this shard if the run was split differently (or not at all).
    func check(_ run: RunRecord) throws {
        guard let n = Self.count(of: run) else {
            throw UsageError("run \(run.id) is not a sharded run; resume it without \(CLIFlag.shard)")
        }
        guard n == count else {
            throw UsageError("run \(run.id) was started with \(n) shards, but this process is shard \(self); "
                + "use \(CLIFlag.shard) i/\(n), or a new \(CLIFlag.name) for a run split in \(count)")
        }
    }

    /// Refuses to start a second, diverging run under the same name: if an unfinished sharded run with this
    /// name, suite id, endpoint and model exists under another id, this machine's suite files (content hash) or
    /// `--limit` differ from those of the machines that started it, and its shards would never meet.
    func refuseDivergence(store: any ResultStore, name: String, runID: String, suite: Suite, items: Int,
                          endpoint: String, model: String) throws {
        for other in try store.runs() where other.id != runID && other.status != .completed && other.status != .failed && other.shardCount != nil
            && other.runManifest.name == name && other.suiteID == suite.id
            && other.endpoint == endpoint && other.model == model {
            let why = other.suiteHash != suite.contentHash
                ? "its suite \(other.suiteID)@\(other.suiteVersion) hashes to \(other.suiteHash.prefix(12)), here to \(suite.contentHash.prefix(12))"
                : "it selected \(other.itemCount) items, this process \(items) (\(CLIFlag.limit))"
            throw UsageError("run \(other.id) named '\(name)' is still in progress on other machines, but \(why); "
                + "give every shard the same suite files and options, or use a new \(CLIFlag.name)")
        }
    }

    /// A report of this shard for the store.
    func report(runID: String, items: Int, status: RunStatus, startedAt: String, finished: Bool) -> ShardRecord {
        ShardRecord(runID: runID, index: index, count: count, itemCount: items, status: status, host: Self.hostName(),
                    startedAt: startedAt, finishedAt: finished ? isoNow() : nil)
    }

    /// This machine's host name (no DNS look-up).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension ShardSpec {
    /// Waits until this process holds the lease of this shard of `runID` (see `ShardLease`), polling every
    /// `poll` seconds; says once through `onWait` who works on the shard meanwhile. Returns nil, holding
    /// nothing, if the run is drained (first Ctrl-C) or cancelled while waiting.
    func lease(store: any ResultStore, runID: String, control: RunControl?, poll: Double = 0.5,
               onWait: (@Sendable (String) -> Void)?) async throws -> ShardLease? {
        var told = false
        while true {
            if let lease = try store.tryLeaseShard(runID: runID, shard: index) { return lease }
            if Task.isCancelled || control?.isDraining == true { return nil }
            if !told {
                told = true
                let holder = (try? store.shards(runID: runID))?.first { $0.index == index && $0.status == .running }
                onWait?("shard \(self) of run \(runID) is being worked on by another process"
                    + (holder.map { " (host \($0.host), started \($0.startedAt))" } ?? "")
                    + "; waiting for it to end, then sending only what it left (Ctrl-C stops waiting)")
            }
            try? await Task.sleep(nanoseconds: UInt64(poll * 1e9))
        }
    }
}
