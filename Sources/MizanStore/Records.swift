import MizanCore

/// A run as stored: what was evaluated, against what, and how it ended.
/// The state of a run, or of one shard of it, as stored.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Items are being sent (or the process was killed while sending: resume it).
    case running
    /// Stopped by Ctrl-C or cancellation; `mizan run --resume` continues it.
    case interrupted
    /// Every selected item was sent and the endpoint errors stayed within the error budget.
    case completed
    /// Every item sent ended in an endpoint error, or more than the error budget did.
    case failed

    /// The stored text.
    public var description: String { rawValue }

    /// Completed or failed: nothing is left to send.
    public var isFinished: Bool { self == .completed || self == .failed }

    /// The status stored as `text`. A status this mizan does not know (written by a newer one) reads as
    /// `interrupted`: resumable, never counted as completed.
    public init(stored text: String) { self = RunStatus(rawValue: text) ?? .interrupted }
}

public struct RunRecord: Sendable, Hashable {
    /// Run id, e.g. `20261123-134501-a1b2`.
    public var id: String
    /// Suite id.
    public var suiteID: String
    /// Suite version.
    public var suiteVersion: String
    /// Suite content hash.
    public var suiteHash: String
    /// Endpoint name.
    public var endpoint: String
    /// Model name sent to the endpoint.
    public var model: String
    /// `running`, `completed`, `interrupted` or `failed` (every item sent ended in an endpoint error, or more of
    /// them than the run's error budget allowed; see `Runner.finalStatus`).
    public var status: RunStatus
    /// ISO-8601 start time.
    public var startedAt: String
    /// ISO-8601 end time.
    public var finishedAt: String?
    /// Items in the suite selection.
    public var itemCount: Int
    /// The manifest as stored (suite, endpoint fingerprint, settings, harness version, normalizers …): the store
    /// keeps its JSON byte for byte. Read its fields through `runManifest`.
    public var manifest: JSONValue

    /// The manifest as a typed value (a non-object manifest reads as empty). Setting it stores its JSON, which for
    /// a manifest read from `manifest` is the same JSON apart from what was changed (`RunManifest` keeps unknown keys).
    public var runManifest: RunManifest {
        get { RunManifest(json: manifest) }
        set { manifest = newValue.json }
    }

    public init(id: String, suiteID: String, suiteVersion: String, suiteHash: String, endpoint: String, model: String,
                status: RunStatus, startedAt: String, finishedAt: String? = nil, itemCount: Int, manifest: JSONValue) {
        self.id = id
        self.suiteID = suiteID
        self.suiteVersion = suiteVersion
        self.suiteHash = suiteHash
        self.endpoint = endpoint
        self.model = model
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.itemCount = itemCount
        self.manifest = manifest
    }
}

/// One metric's score on one item, with the metric version that produced it.
public struct ScoreRecord: Sendable, Hashable {
    /// Metric name.
    public var metric: String
    /// Metric version string.
    public var metricVersion: String
    /// Score, or nil if the metric could not compute one.
    public var value: Double?
    /// Measurements beside the score.
    public var details: JSONValue
    /// Why no score, if `value` is nil.
    public var error: String?

    public init(metric: String, metricVersion: String, value: Double?, details: JSONValue = .object([:]), error: String? = nil) {
        self.metric = metric
        self.metricVersion = metricVersion
        self.value = value
        self.details = details
        self.error = error
    }
}

/// One finished item: the request, the response and its scores.
public struct ItemRecord: Sendable, Hashable {
    /// Item id.
    public var itemID: String
    /// Item language tag.
    public var language: String
    /// SHA-256 of the request body plus endpoint fingerprint.
    public var requestHash: String
    /// The rendered prompt (user turn).
    public var prompt: String
    /// The endpoint's answer and measurements.
    public var response: ModelResponse
    /// Scores (empty when the endpoint failed).
    public var scores: [ScoreRecord]
    /// The item's references (kept so rescoring and comparison need no suite files).
    public var references: [String]
    /// The item's choices (multiple choice).
    public var choices: [String]?
    /// Index of the correct choice.
    public var answerIndex: Int?
    /// Every field of the item's JSON line.
    public var fields: [String: JSONValue]
    /// Sample number (0-based) when the run asks for several generations per item (`--samples`).
    public var sample: Int

    public init(itemID: String, language: String, requestHash: String, prompt: String, response: ModelResponse,
                scores: [ScoreRecord], references: [String] = [], choices: [String]? = nil, answerIndex: Int? = nil,
                fields: [String: JSONValue] = [:], sample: Int = 0) {
        self.sample = sample
        self.itemID = itemID
        self.language = language
        self.requestHash = requestHash
        self.prompt = prompt
        self.response = response
        self.scores = scores
        self.references = references
        self.choices = choices
        self.answerIndex = answerIndex
        self.fields = fields
    }
}

/// The plug point for result storage: `SQLiteStore` (embedded default) and `PostgresStore` (shared).
public protocol ResultStore: Sendable {
    /// Inserts a new run.
    func createRun(_ run: RunRecord) throws
    /// Inserts a run unless one with its id exists (shards of one run race to create it); true if inserted.
    func createRunIfAbsent(_ run: RunRecord) throws -> Bool
    /// Records a shard's report and, in the same transaction, sets the run's status from all its shards.
    func reportShard(_ shard: ShardRecord) throws
    /// The shard reports of a run, by shard index (empty for an unsharded run).
    func shards(runID: String) throws -> [ShardRecord]
    /// Stores one finished item atomically (response and scores together).
    func record(runID: String, item: ItemRecord) throws
    /// Replaces the scores of one stored sample of an item (rescore).
    func replaceScores(runID: String, itemID: String, sample: Int, scores: [ScoreRecord]) throws
    /// Replaces a run's manifest (rescore records itself there).
    func updateManifest(runID: String, manifest: JSONValue) throws
    /// Sets a run's status (e.g. back to `running` when it is resumed).
    func setStatus(runID: String, status: RunStatus) throws
    /// Marks a run finished with a status.
    func finishRun(id: String, status: RunStatus, finishedAt: String) throws
    /// All runs, newest first.
    func runs() throws -> [RunRecord]
    /// The run whose id equals or uniquely starts with `id`.
    func run(matching id: String) throws -> RunRecord
    /// Every stored item of a run, in item order of storage.
    func items(runID: String) throws -> [ItemRecord]
    /// One bounded page of a run's items matching a query (`ItemQuery`), with the filtered total.
    func itemPage(runID: String, query: ItemQuery) throws -> ItemPage
    /// Stores several finished items at once (group commit: one transaction when the store can).
    func record(runID: String, items: [ItemRecord]) throws
    /// Item id, sample and failed-or-not of every stored item of a run (what a resume skips).
    func storedSamples(runID: String) throws -> [StoredSample]
    /// Calls `body` with every stored item of a run in storage order, without holding them all.
    /// `body` must not call back into the store.
    func forEachItem(runID: String, _ body: (ItemRecord) throws -> Void) throws
    /// A stored successful response to the request with this hash — the response cache; nil when
    /// there is none (or the store keeps no cache). SQLite finds a run's responses once it ended.
    /// The answer comes marked `reused`, with `reusedFrom` the run that sent the request, and without
    /// that run's latency, TTFT or attempts.
    func cachedResponse(requestHash: String) throws -> ModelResponse?
    /// A run starts writing many items (a store may move housekeeping off the commit path).
    func beginBulkWrites()
    /// The run stopped writing items.
    func endBulkWrites()
    /// Takes the lease of shard `shard` of run `runID`, or nil while another process holds it (see `ShardLease`).
    func tryLeaseShard(runID: String, shard: Int) throws -> ShardLease?
}

/// One stored (item, sample) of a run, as a resume sees it.
public struct StoredSample: Sendable, Hashable {
    /// Item id.
    public var itemID: String
    /// Sample number.
    public var sample: Int
    /// True when the item ended in an endpoint error.
    public var failed: Bool
    /// True when the item's answer was reused from the response cache (not sent).
    public var reused: Bool

    public init(itemID: String, sample: Int, failed: Bool, reused: Bool = false) {
        self.itemID = itemID
        self.sample = sample
        self.failed = failed
        self.reused = reused
    }
}

/// Defaults built on the basic requirements, for stores without a faster way.
public extension ResultStore {
    /// One `record` (one transaction) per item.
    func record(runID: String, items: [ItemRecord]) throws {
        for item in items { try record(runID: runID, item: item) }
    }

    /// Read through `items(runID:)`.
    func storedSamples(runID: String) throws -> [StoredSample] {
        try items(runID: runID).map { StoredSample(itemID: $0.itemID, sample: $0.sample, failed: $0.response.failure != nil,
                                                       reused: $0.response.reused) }
    }

    /// Read through `items(runID:)` (holds them all).
    func forEachItem(runID: String, _ body: (ItemRecord) throws -> Void) throws {
        for item in try items(runID: runID) { try body(item) }
    }

    /// No cache.
    func cachedResponse(requestHash: String) throws -> ModelResponse? { nil }

    /// Nothing to do.
    func beginBulkWrites() {}

    /// Nothing to do.
    func endBulkWrites() {}

    /// Always granted: a store without a lease mechanism excludes no one.
    func tryLeaseShard(runID: String, shard: Int) throws -> ShardLease? { .unshared() }
}
