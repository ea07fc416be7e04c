import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanStore
import MizanSuites

/// Progress of a run, reported after every finished item.
public struct RunProgress: Sendable {
    /// Items finished (scored or failed).
    public var done: Int
    /// Items in the run.
    public var total: Int
    /// Items that ended in an endpoint error.
    public var errors: Int
    /// Seconds since the first request.
    public var elapsed: Double
}

/// What `Runner.run` needs.
public struct RunRequest: Sendable {
    /// The loaded suite.
    public var suite: Suite
    /// The endpoint to evaluate.
    public var endpoint: EndpointConfig
    /// Only the first N items, if set.
    public var limit: Int?
    /// Optional human name for the run.
    public var name: String?
    /// Continue this stored run instead of starting a new one: only missing items are sent.
    public var resume: RunRecord?
    /// When resuming, also re-send items that ended in an endpoint error.
    public var retryErrors: Bool
    /// The configuration file (named endpoints, for `judge` metrics); empty by default.
    public var config: MizanConfig
    /// Gentle-stop switch (first Ctrl-C); cancelling the task is the hard stop.
    public var control: RunControl?
    /// Generations per item (`--samples K`); sample k is sent with seed `seedBase + k`.
    public var samples = 1
    /// Run only this slice of the items, into the run shared by every shard of `name` (`--shard i/n`).
    public var shard: ShardSpec?
    /// Whether stored responses to identical requests are reused (see `CacheMode`).
    public var cache = CacheMode.auto
    /// The run ends `failed` when more than this share of the items sent ended in endpoint errors
    /// (`--error-budget`); nil: only when every item sent did (see `Runner.finalStatus`).
    public var errorBudget: Double?
    /// Called on the run's loop with the run id and every item once it is committed (e.g. to
    /// summarise as the run goes).
    public var onStored: (@Sendable (String, ItemRecord) -> Void)?
    /// Told (once) when another process holds this shard's lease and this one waits for it.
    public var onLeaseWait: (@Sendable (String) -> Void)?

    public init(suite: Suite, endpoint: EndpointConfig, limit: Int? = nil, name: String? = nil,
                resume: RunRecord? = nil, retryErrors: Bool = false, config: MizanConfig = MizanConfig()) {
        self.suite = suite
        self.endpoint = endpoint
        self.limit = limit
        self.name = name
        self.resume = resume
        self.retryErrors = retryErrors
        self.config = config
    }
}

/// Lets a caller stop a run gently: no new items are handed out, those in flight finish.
public final class RunControl: Sendable {
    private let draining = Locked(false)
    public init() {}
    /// Stops handing out new items.
    public func drain() { draining.withLock { $0 = true } }
    /// True once `drain()` was called.
    public var isDraining: Bool { draining.current }
}

/// How a run ended.
public struct RunOutcome: Sendable {
    /// The stored run's id.
    public var runID: String
    /// `completed`, `failed` or `interrupted`.
    public var status: RunStatus
    /// Items stored.
    public var stored: Int
    /// Items that ended in an endpoint error.
    public var errors: Int
    /// Wall-clock seconds of the run.
    public var elapsed: Double
    /// Items answered from the response cache in this invocation (no request sent).
    public var cacheHits = 0
    /// Items (× samples) of the run — of the shard, with `--shard` — stored before this invocation.
    public var previouslyStored = 0
    /// Items (× samples) of the run — of the shard, with `--shard` — selected.
    public var total = 0
}

/// Orchestrates a run: renders prompts, sends them with bounded concurrency, scores each answer
/// and commits each finished item to the store as it finishes.
public struct Runner: Sendable {
    /// Where results go.
    public let store: any ResultStore
    /// The mizan version recorded in manifests.
    public let harnessVersion: String

    public init(store: any ResultStore, harnessVersion: String) {
        self.store = store
        self.harnessVersion = harnessVersion
    }

    /// Runs the suite against the endpoint. Cancelling the task stops handing out items, cancels
    /// the requests in flight, and marks the run `interrupted`; finished items stay stored.
    ///
    /// Structure: items are read one at a time (`SuiteItemReader`, streamed from `items.jsonl` for
    /// a streamed suite) and expanded into (item, sample) units, skipping those a resumed run has;
    /// 1.5 × `concurrency` (auto: its maximum) long-lived worker tasks take units one at a time, send (or reuse a
    /// cached response) while holding one of the request slots (`RunScheduling`), score, commit the item
    /// through the `GroupCommitter`, and only then count it done and report progress. (A task per
    /// unit cost a task allocation and a wake-up of this loop per item.)
    public func run(_ request: RunRequest, progress: (@Sendable (RunProgress) -> Void)? = nil) async throws -> RunOutcome {
        let suite = request.suite
        let context = MetricContext.run(suiteFolder: suite.path, config: request.config)
        let metrics = try suite.metrics.map { spec -> any Metric in
            do { return try MetricRegistry.make(spec, context: context) } catch let e as MetricConfigError {
                throw InputError(file: suite.path + "/suite.yaml", field: "metrics", problem: e.message, remedy: "fix the metric entry")
            }
        }
        let base = try ModelClient(config: request.endpoint)
        let pacer = EndpointPacer(limit: request.endpoint.rateLimit)
        let likelihood = try await LikelihoodRun.prepare(request, client: base, pacer: pacer)
        // What the server says about itself (for a new run's manifest; a resumed run's is in its manifest) tells
        // whether it is llama.cpp's, which gets cache hints, and how many slots it has (auto starts there).
        let fingerprint: JSONValue? = if request.resume == nil { await base.fingerprint() } else { nil }
        let props = fingerprint?["server"]?["props"] ?? request.resume?.runManifest.endpoint?.server?["props"]
        let scheduling = RunScheduling(endpoint: request.endpoint, sequential: likelihood?.sequential == true, likelihood: likelihood != nil,
                                       serverSlots: RunScheduling.serverSlots(props))
        let (client, ordering) = RunScheduling.cacheHints(for: base, props: props,
                                                          samples: max(1, request.samples), likelihood: likelihood != nil,
                                                          block: scheduling.controller == nil ? scheduling.initial : 4)
        let selectedCount = min(request.limit ?? suite.itemCount, suite.itemCount)
        let mineCount = try request.shard.map { try $0.count(in: suite, limit: selectedCount) } ?? selectedCount
        let samples = max(1, request.samples)
        let seedBase = suite.generation.seed ?? 1
        let useCache = likelihood != nil ? request.cache != .off : request.cache.enabled(for: suite.generation)
        let runID: String
        var skip: Set<String> = []
        var done = 0, errors = 0, keptReused = 0
        var previous = request.resume
        if previous == nil {
            var manifest = Manifest.make(suite: suite, languages: suite.languages(ofFirst: selectedCount), itemsSelected: selectedCount,
                                         endpoint: fingerprint ?? .object([:]), metrics: metrics, harnessVersion: harnessVersion, name: request.name,
                                         retry: request.endpoint.retry, samples: samples, seedBase: seedBase,
                                         likelihood: likelihood?.manifest)
            manifest = Manifest.withCache(manifest, mode: request.cache, enabled: useCache, newHits: 0)
            manifest.concurrency = scheduling.manifest
            if likelihood == nil { manifest.ordering = ordering }
            var record = RunRecord(id: Runner.newRunID(), suiteID: suite.id, suiteVersion: suite.version, suiteHash: suite.contentHash,
                                   endpoint: request.endpoint.name, model: request.endpoint.model, status: .running,
                                   startedAt: isoNow(), itemCount: selectedCount, manifest: manifest.json)
            if let shard = request.shard {
                // Every shard of the named run computes the same id; the first creates the run, the others join it.
                guard let name = request.name, !name.isEmpty else { throw ShardSpec.needsName }
                record.id = ShardSpec.runID(name: name, suite: suite, items: selectedCount, endpoint: request.endpoint.name,
                                            model: request.endpoint.model)
                record.runManifest = shard.annotate(manifest)
                try shard.refuseDivergence(store: store, name: name, runID: record.id, suite: suite, items: selectedCount,
                                           endpoint: record.endpoint, model: record.model)
                if !(try store.createRunIfAbsent(record)) { previous = try store.run(matching: record.id) }
            } else {
                try store.createRun(record)
            }
            runID = record.id
        } else {
            runID = previous?.id ?? ""
        }
        var lease: ShardLease?
        if let shard = request.shard {
            // One process per shard at a time (a requeue racing the old task): a second one waits here for the
            // lease, then reads what is stored and sends only what is still missing — usually nothing.
            guard let held = try await shard.lease(store: store, runID: runID, control: request.control,
                                                   onWait: request.onLeaseWait) else {
                return RunOutcome(runID: runID, status: .interrupted, stored: 0, errors: 0, elapsed: 0)
            }
            lease = held
            if previous == nil { previous = try store.run(matching: runID) }
        }
        defer { lease?.release() }
        if let previous {
            guard previous.suiteHash == suite.contentHash else {
                throw UsageError("run \(previous.id) was made with suite \(previous.suiteID)@\(previous.suiteVersion) "
                    + "(hash \(previous.suiteHash.prefix(12))), but the suite now hashes to \(suite.contentHash.prefix(12)); "
                    + "it cannot be resumed — start a new run")
            }
            try request.shard?.check(previous)
            let kept = try store.storedSamples(runID: runID).filter { !$0.failed || !request.retryErrors }
            skip = Set(kept.map { "\($0.itemID)#\($0.sample)" })
            let mineKept = kept.filter { request.shard?.contains($0.itemID) ?? true }
            done = mineKept.count
            errors = mineKept.filter(\.failed).count
            keptReused = mineKept.filter(\.reused).count
            if request.shard == nil { try store.setStatus(runID: runID, status: .running) }
        }
        let total = mineCount * samples
        let previouslyStored = done
        // A shard with nothing left to send is not started again: its report is left as it is (never back to
        // `running`), or set to how it ended if its last process stored everything but died before reporting.
        let nothingLeft = request.shard != nil && done >= total
        let shardStart = isoNow()
        if let shard = request.shard, !nothingLeft {
            try store.reportShard(shard.report(runID: runID, items: total, status: .running, startedAt: shardStart, finished: false))
        }
        let start = monotonicSeconds()
        let units = Locked(UnitSource(reader: try SuiteItemReader(suite), limit: selectedCount, samples: samples, skip: skip,
                                      shard: request.shard, block: ordering.window ?? 1))
        let committer = GroupCommitter(store: store, runID: runID, batchTarget: max(1, scheduling.ceiling / 2))
        let slots = scheduling.slots
        let controller = scheduling.controller
        let control = request.control
        let cache: (any ResultStore)? = useCache ? store : nil
        let tally = Locked(RunTally(done: done, errors: errors))
        let onStored = request.onStored
        // Long-lived workers, 1.5 times as many as request slots (those waiting for their commit
        // free their slot): each takes the next unit, sends, scores and commits it, and counts it
        // done, until the units run out, the run drains, or a store write fails.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<scheduling.workers {
                group.addTask {
                    while !Task.isCancelled, control?.isDraining != true {
                        let unit: (SuiteItem, Int)?
                        do {
                            unit = try units.withLock { source -> (SuiteItem, Int)? in
                                tally.current.failure == nil ? try source.next() : nil
                            }
                        } catch {
                            tally.withLock { if $0.failure == nil { $0.failure = error } }
                            return
                        }
                        guard let (item, sample) = unit else { return }
                        var settings = suite.generation
                        if samples > 1 { settings.seed = seedBase + sample }
                        let evaluated: ItemRecord?
                        if let likelihood {
                            evaluated = await likelihood.evaluate(item, suite: suite, client: client, metrics: metrics, cache: cache, slots: slots,
                                                                  control: control)
                        } else {
                            evaluated = await Runner.evaluate(item, suite: suite, settings: settings, sample: sample, client: client, pacer: pacer,
                                                              metrics: metrics, cache: cache, slots: slots, control: control, controller: controller)
                        }
                        guard let record = evaluated else { continue }
                        do { try await committer.commit(record) } catch {
                            tally.withLock { if $0.failure == nil { $0.failure = error } }
                            return
                        }
                        tally.withLock { t in
                            t.done += 1
                            if record.response.failure != nil { t.errors += 1 }
                            if record.response.reused { t.hits += 1 }
                            onStored?(runID, record)
                            progress?(RunProgress(done: t.done, total: total, errors: t.errors, elapsed: monotonicSeconds() - start))
                        }
                    }
                }
            }
            // A failed store write stops the run at once: the other workers' requests are cancelled.
            while await group.next() != nil {
                if tally.current.failure != nil { group.cancelAll() }
            }
        }
        let final = tally.current
        done = final.done
        errors = final.errors
        let hits = final.hits
        let failure = final.failure
        committer.close()
        let interrupted = Task.isCancelled || failure != nil || done < total
        let status = Runner.finalStatus(interrupted: interrupted, sent: done - keptReused - hits, errors: errors,
                                        errorBudget: request.errorBudget)
        if failure == nil { try scheduling.recordTrajectory(store: store, runID: runID, sharded: request.shard != nil) }
        if hits > 0, let record = try? store.run(matching: runID) {
            try store.updateManifest(runID: runID, manifest: Manifest.withCache(record.runManifest, mode: request.cache, enabled: useCache, newHits: hits).json)
        }
        if let shard = request.shard {
            let reported = try store.shards(runID: runID).first { $0.index == shard.index }
            if !nothingLeft || reported?.status != status {
                try store.reportShard(shard.report(runID: runID, items: total, status: status, startedAt: shardStart, finished: true))
            }
        } else {
            try store.finishRun(id: runID, status: status, finishedAt: isoNow())
        }
        if let failure { throw failure }
        return RunOutcome(runID: runID, status: status, stored: done, errors: errors, elapsed: monotonicSeconds() - start, cacheHits: hits,
                          previouslyStored: previouslyStored, total: total)
    }

    /// How a run (or a shard, over its own items) that stopped ends: `interrupted` if it did not get through its
    /// items; else `failed` if it sent items and every one ended in an endpoint error, or more than `errorBudget`
    /// of them did (reused answers were not sent, so they count neither way); else `completed`.
    public static func finalStatus(interrupted: Bool, sent: Int, errors: Int, errorBudget: Double?) -> RunStatus {
        if interrupted { return .interrupted }
        guard sent > 0, errors > 0 else { return .completed }
        if errors >= sent { return .failed }
        if let errorBudget, Double(errors) / Double(sent) > errorBudget { return .failed }
        return .completed
    }

    /// What the workers of a run have counted, under one lock.
    struct RunTally {
        var done: Int
        var errors: Int
        var hits = 0
        /// The first store or suite-read failure; no new units are handed out once it is set.
        var failure: (any Error)?
    }

    /// Sends one item and scores it; nil when cancelled before an answer arrived.
    /// With `cache`, a stored successful response to the identical request is reused (marked `reused`, with its
    /// origin run, attempts 0 and no latency or TTFT: those stay with the run that sent the request).
    /// With `slots`, the request waits for a free slot and, if the run started draining meanwhile,
    /// is not sent (nil, as if never handed out).
    static func evaluate(_ item: SuiteItem, suite: Suite, settings: GenerationSettings, sample: Int, client: ModelClient, pacer: EndpointPacer,
                         metrics: [any Metric], cache: (any ResultStore)? = nil, slots: RequestSlots? = nil,
                         control: RunControl? = nil, controller: AdaptiveConcurrency? = nil) async -> ItemRecord? {
        let rendered = PromptRenderer.conversation(suite, item: item)
        let prompt = RenderedPrompt(system: rendered.system, user: rendered.user, history: rendered.history,
                                    separator: rendered.separator)
        let body = client.requestBody(prompt, settings: settings)
        var hasher = SHA256()
        hasher.update(client.config.generationURL)
        hasher.update([0])
        hasher.update(body)
        let requestHash = hasher.finalizeHex()
        var response: ModelResponse
        if let hit = reusedResponse(from: cache, requestHash: requestHash) {
            response = hit
        } else {
            do {
                try await slots?.acquire()
                // Whether this task holds a slot: with auto concurrency a retry's wait gives it up (see below); with a
                // fixed concurrency it always does, and no lock is made for it.
                let holding: Locked<Bool>? = controller == nil ? nil : Locked(true)
                defer { if holding?.withLock({ $0 }) ?? true { slots?.release() } }
                if control?.isDraining == true { return nil }
                let ticket = controller?.started()
                let sent = client.sentBody(prompt, settings: settings, hashed: body)
                // With auto concurrency a request waiting to retry (after a 429, say) gives up its slot and takes one
                // again when the wait is over, so retries go out under the limit the controller has lowered meanwhile
                // instead of all at once at the old one.
                var wait: (@Sendable (Double) async throws -> Void)?
                if let holding, let slots {
                    wait = { seconds in try await Self.waitWithoutSlot(seconds, slots: slots, holding: holding) }
                }
                do {
                    response = try await client.send(body: sent, prompt: prompt, settings: settings, pacer: pacer,
                                                     overload: { if let ticket { controller?.overloaded(ticket) } },
                                                     waitBeforeRetry: wait)
                } catch {
                    if let ticket { controller?.abandoned(ticket) }
                    throw error
                }
                if let ticket { controller?.finished(ticket, response: response) }
            } catch { return nil }
        }
        return await scoredRecord(item, suite: suite, requestHash: requestHash, prompt: rendered.user, response: response,
                                  metrics: metrics, sample: sample)
    }

    /// Scores one input with every metric; a throwing metric gives a score with its error.
    /// Throws only `CancellationError` (so a cancelled judge request leaves the item unstored).
    static func score(_ input: MetricInput, with metrics: [any Metric]) async throws -> [ScoreRecord] {
        var scores: [ScoreRecord] = []
        for metric in metrics {
            do {
                let r = try await metric.score(input)
                scores.append(ScoreRecord(metric: metric.name, metricVersion: metric.version, value: r.value,
                                          details: .object(r.details), error: r.error))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                scores.append(ScoreRecord(metric: metric.name, metricVersion: metric.version, value: nil, error: "\(error)"))
            }
        }
        return scores
    }

    /// A sortable, unique run id: `YYYYMMDD-HHMMSS-xxxx`.
    public static func newRunID() -> String {
        // From isoNow() (`2026-11-23T14:05:09.123Z`): no DateFormatter, which would load ICU.
        let digits = isoNow().utf8.prefix(19).filter { $0 >= 48 && $0 <= 57 }
        let stamp = String(decoding: digits.prefix(8), as: UTF8.self) + "-" + String(decoding: digits.dropFirst(8), as: UTF8.self)
        let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        return stamp + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
    }
}

